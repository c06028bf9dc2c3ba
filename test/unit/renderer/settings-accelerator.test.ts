import { describe, expect, it } from 'vitest';
import { acceleratorKeys, acceleratorText, keyName, platformOf, recordKeyPress, type KeyPress } from '../../../renderer/src/settings/accelerator.js';

const press = (code: string, key: string, mods: Partial<Pick<KeyPress, 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>> = {}): KeyPress => ({ code, key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('shortcuts: recorded from a key press, shown as keys (renderer)', () => {
  it('Ctrl+Shift+Space elsewhere and ⌘+Shift+Space on a Mac record the same accelerator', () => {
    expect(recordKeyPress(press('Space', ' ', { ctrlKey: true, shiftKey: true }), 'other')).toEqual({ kind: 'shortcut', accelerator: 'CommandOrControl+Shift+Space' });
    expect(recordKeyPress(press('Space', ' ', { metaKey: true, shiftKey: true }), 'mac')).toEqual({ kind: 'shortcut', accelerator: 'CommandOrControl+Shift+Space' });
    // Control on a Mac and the system key elsewhere are keys of their own.
    expect(recordKeyPress(press('KeyK', 'k', { ctrlKey: true, altKey: true }), 'mac')).toEqual({ kind: 'shortcut', accelerator: 'Control+Alt+K' });
    expect(recordKeyPress(press('KeyK', 'k', { metaKey: true }), 'other')).toEqual({ kind: 'shortcut', accelerator: 'Super+K' });
  });

  it('the physical key counts, not the character the layout makes of it', () => {
    expect(recordKeyPress(press('Digit2', '@', { ctrlKey: true, shiftKey: true }), 'other')).toEqual({ kind: 'shortcut', accelerator: 'CommandOrControl+Shift+2' });
    expect(recordKeyPress(press('KeyQ', 'a', { altKey: true }), 'other')).toEqual({ kind: 'shortcut', accelerator: 'Alt+Q' });
    expect(['ArrowUp', 'F12', 'Numpad5', 'Minus', 'Enter'].map(keyName)).toEqual(['Up', 'F12', 'num5', '-', 'Enter']);
  });

  it('modifiers alone wait for the key; Esc alone cancels; a key alone is refused unless it is a function key', () => {
    expect(recordKeyPress(press('ControlLeft', 'Control', { ctrlKey: true }), 'other')).toEqual({ kind: 'partial', modifiers: ['CommandOrControl'] });
    expect(recordKeyPress(press('ShiftLeft', 'Shift', { ctrlKey: true, shiftKey: true }), 'other')).toEqual({ kind: 'partial', modifiers: ['CommandOrControl', 'Shift'] });
    expect(recordKeyPress(press('Escape', 'Escape'), 'other')).toEqual({ kind: 'cancel' });
    expect(recordKeyPress(press('Escape', 'Escape', { ctrlKey: true }), 'other')).toEqual({ kind: 'shortcut', accelerator: 'CommandOrControl+Escape' });
    expect(recordKeyPress(press('KeyA', 'a'), 'other').kind).toBe('refused');
    expect(recordKeyPress(press('KeyA', 'A', { shiftKey: true }), 'other').kind).toBe('refused');
    expect(recordKeyPress(press('F9', 'F9'), 'other')).toEqual({ kind: 'shortcut', accelerator: 'F9' });
    expect(recordKeyPress(press('IntlRo', 'ro', { ctrlKey: true }), 'other').kind).toBe('refused');
  });

  it('an accelerator is shown as key caps for the platform and read as words', () => {
    expect(acceleratorKeys('CommandOrControl+Shift+Space', 'other')).toEqual(['Ctrl', 'Shift', 'Space']);
    expect(acceleratorKeys('CommandOrControl+Shift+Space', 'mac')).toEqual(['⌘', '⇧ Shift', 'Space']);
    expect(acceleratorKeys('Alt+Up', 'mac')).toEqual(['⌥ Option', '↑']);
    expect(acceleratorKeys('Ctrl++', 'other')).toEqual(['Ctrl', '+']);
    expect(acceleratorKeys('CmdOrCtrl+num5', 'other')).toEqual(['Ctrl', 'Num 5']);
    expect(acceleratorText('CommandOrControl+Shift+Space', 'other')).toBe('Ctrl + Shift + Space');
    expect(acceleratorText('CommandOrControl+Shift+Space', 'mac')).toBe('Command + Shift + Space');
  });

  it('a Mac is told from the browser platform', () => {
    expect(platformOf('MacIntel')).toBe('mac');
    expect(platformOf('Linux x86_64')).toBe('other');
    expect(platformOf('Win32')).toBe('other');
  });
});
