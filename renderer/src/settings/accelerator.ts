// (Pure TypeScript: the unit tests typecheck it under Node too.)
// Keyboard shortcuts as Electron accelerators ("CommandOrControl+Shift+Space"): read from a key
// press while recording, and shown as key caps (⌘ Shift Space on a Mac, Ctrl Shift Space elsewhere).

export type Platform = 'mac' | 'other';

/** What a keydown event carries that a shortcut needs. */
export interface KeyPress {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export type Recorded =
  /** A complete shortcut, as an accelerator. */
  | { kind: 'shortcut'; accelerator: string }
  /** Only modifiers so far: the keys held, to show while waiting for the key. */
  | { kind: 'partial'; modifiers: string[] }
  /** Esc without modifiers: recording stops, nothing changes. */
  | { kind: 'cancel' }
  /** A key that cannot be a global shortcut on its own, or one Electron cannot name. */
  | { kind: 'refused'; reason: string };

const MODIFIER_KEYS = new Set(['Control', 'Meta', 'Alt', 'AltGraph', 'Shift', 'OS', 'Super', 'Hyper', 'Fn']);

/** Electron's names for keys by KeyboardEvent.code (the physical key, so layouts do not matter). */
const NAMED_CODES: Record<string, string> = {
  Space: 'Space',
  Enter: 'Enter',
  NumpadEnter: 'Enter',
  Tab: 'Tab',
  Backspace: 'Backspace',
  Delete: 'Delete',
  Insert: 'Insert',
  Home: 'Home',
  End: 'End',
  PageUp: 'PageUp',
  PageDown: 'PageDown',
  ArrowUp: 'Up',
  ArrowDown: 'Down',
  ArrowLeft: 'Left',
  ArrowRight: 'Right',
  Escape: 'Escape',
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Quote: "'",
  Backquote: '`',
  Comma: ',',
  Period: '.',
  Slash: '/',
  PrintScreen: 'PrintScreen',
  NumpadAdd: 'numadd',
  NumpadSubtract: 'numsub',
  NumpadMultiply: 'nummult',
  NumpadDivide: 'numdiv',
  NumpadDecimal: 'numdec',
};

/** The accelerator name of a non-modifier key, or undefined when Electron has none. */
export function keyName(code: string): string | undefined {
  if (/^Key[A-Z]$/.test(code)) return code.slice(3);
  if (/^Digit[0-9]$/.test(code)) return code.slice(5);
  if (/^Numpad[0-9]$/.test(code)) return `num${code.slice(6)}`;
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(code)) return code;
  return NAMED_CODES[code];
}

/** The modifiers held, in accelerator words (Ctrl on Windows and Linux and ⌘ on a Mac are the same shortcut). */
function modifiersOf(e: KeyPress, platform: Platform): string[] {
  const held: string[] = [];
  if (platform === 'mac' ? e.metaKey : e.ctrlKey) held.push('CommandOrControl');
  if (platform === 'mac' && e.ctrlKey) held.push('Control');
  if (e.altKey) held.push('Alt');
  if (e.shiftKey) held.push('Shift');
  if (platform !== 'mac' && e.metaKey) held.push('Super');
  return held;
}

/**
 * One key press while recording. A shortcut that works in any app must not take a key away from
 * typing: it needs Ctrl/⌘, Alt or the system key, unless it is a function key (F1 to F24).
 */
export function recordKeyPress(e: KeyPress, platform: Platform): Recorded {
  const modifiers = modifiersOf(e, platform);
  if (MODIFIER_KEYS.has(e.key)) return { kind: 'partial', modifiers };
  if (e.code === 'Escape' && modifiers.length === 0) return { kind: 'cancel' };
  const key = keyName(e.code);
  if (!key) return { kind: 'refused', reason: 'That key cannot be part of a shortcut. Try a letter, a number, Space or a function key.' };
  const typing = !/^F\d+$/.test(key) && !modifiers.some((m) => m !== 'Shift');
  if (typing) return { kind: 'refused', reason: `Add ${platform === 'mac' ? '⌘' : 'Ctrl'} or ${platform === 'mac' ? 'Option' : 'Alt'}: a shortcut that works in every app must not take a key away from typing.` };
  return { kind: 'shortcut', accelerator: [...modifiers, key].join('+') };
}

const CAPS: Record<Platform, Record<string, string>> = {
  mac: { CommandOrControl: '⌘', CmdOrCtrl: '⌘', Command: '⌘', Cmd: '⌘', Super: '⌘', Meta: '⌘', Control: '⌃ Control', Ctrl: '⌃ Control', Alt: '⌥ Option', Option: '⌥ Option', AltGr: '⌥ Option', Shift: '⇧ Shift' },
  other: { CommandOrControl: 'Ctrl', CmdOrCtrl: 'Ctrl', Control: 'Ctrl', Ctrl: 'Ctrl', Command: 'Super', Cmd: 'Super', Super: 'Super', Meta: 'Super', Alt: 'Alt', Option: 'Alt', AltGr: 'AltGr', Shift: 'Shift' },
};
const KEY_CAPS: Record<string, string> = { Up: '↑', Down: '↓', Left: '←', Right: '→', Return: 'Enter', Esc: 'Escape', Plus: '+' };

/** The key caps of an accelerator, in order ("CommandOrControl+Shift+Space" -> ["Ctrl", "Shift", "Space"]). */
export function acceleratorKeys(accelerator: string, platform: Platform): string[] {
  // "Plus" and a trailing "+" both name the plus key.
  const parts = accelerator.endsWith('++') ? [...accelerator.slice(0, -2).split('+'), 'Plus'] : accelerator.split('+');
  return parts.filter(Boolean).map((p) => CAPS[platform][p] ?? KEY_CAPS[p] ?? (/^num/.test(p) ? `Num ${p.slice(3)}` : p.length === 1 ? p.toUpperCase() : p));
}

/** The shortcut read aloud ("Ctrl + Shift + Space"). */
export function acceleratorText(accelerator: string, platform: Platform): string {
  return acceleratorKeys(accelerator, platform)
    .map((k) => k.replace(/^[⌘⌃⌥⇧] /, ''))
    .map((k) => (k === '⌘' ? 'Command' : k))
    .join(' + ');
}

/** The platform, from the browser's description of it. */
export function platformOf(userAgentPlatform: string): Platform {
  return /mac|iphone|ipad/i.test(userAgentPlatform) ? 'mac' : 'other';
}
