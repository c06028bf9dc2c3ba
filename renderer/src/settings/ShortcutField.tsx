import { useId, useRef, useState } from 'react';
import { acceleratorKeys, acceleratorText, platformOf, recordKeyPress, type Platform } from './accelerator';

const platform: Platform = platformOf(typeof navigator === 'undefined' ? '' : navigator.platform || navigator.userAgent);

/** Key caps for an accelerator ("Ctrl" "Shift" "Space"). */
export function KeyCaps({ accelerator, label }: { accelerator: string; label?: string }) {
  return (
    <span className="settings-keys" role="img" aria-label={label ?? acceleratorText(accelerator, platform)}>
      {acceleratorKeys(accelerator, platform).map((k, i) => (
        <kbd key={`${i}-${k}`}>{k}</kbd>
      ))}
    </span>
  );
}

/**
 * A shortcut shown as keys and changed by pressing it: Record listens for the next key combination
 * (Esc cancels), which is kept as an Electron accelerator ("CommandOrControl+Shift+Space").
 */
export function ShortcutField({ label, help, value, defaultValue, onChange }: { label: string; help: string; value: string; defaultValue: string; onChange: (accelerator: string) => void }) {
  const id = useId();
  const helpId = `${id}-help`;
  const [recording, setRecording] = useState(false);
  const [held, setHeld] = useState<string[]>([]);
  const [note, setNote] = useState<string | undefined>();
  const button = useRef<HTMLButtonElement>(null);
  const stop = (text?: string) => {
    setRecording(false);
    setHeld([]);
    setNote(text);
  };
  return (
    <div className="field" role="group" aria-labelledby={`${id}-label`} aria-describedby={helpId}>
      <span id={`${id}-label`} className="settings-label">
        {label}
      </span>
      <div className="field__row settings-shortcut">
        <output className="settings-shortcut__value" aria-live="polite" data-testid="shortcut-value">
          {recording ? held.length > 0 ? <KeyCaps accelerator={held.join('+')} /> : <span className="field__help">Press the keys…</span> : <KeyCaps accelerator={value} />}
        </output>
        <button
          ref={button}
          type="button"
          aria-pressed={recording}
          onClick={() => {
            setNote(undefined);
            setRecording((r) => !r);
          }}
          onBlur={() => recording && stop()}
          onKeyDown={(e) => {
            if (!recording) return;
            // While recording, every key belongs to the shortcut (Tab, Space and Enter too).
            e.preventDefault();
            e.stopPropagation();
            const r = recordKeyPress(e, platform);
            if (r.kind === 'partial') setHeld(r.modifiers);
            else if (r.kind === 'cancel') stop('Recording cancelled; the shortcut is unchanged.');
            else if (r.kind === 'refused') setNote(r.reason);
            else {
              onChange(r.accelerator);
              stop(`Recorded ${acceleratorText(r.accelerator, platform)}.`);
            }
          }}
          onKeyUp={(e) => recording && e.preventDefault()}
        >
          {recording ? 'Press the keys (Esc cancels)' : 'Record shortcut'}
        </button>
        {value !== defaultValue && !recording && (
          <button type="button" onClick={() => onChange(defaultValue)}>
            Reset to <KeyCaps accelerator={defaultValue} />
          </button>
        )}
      </div>
      <p className="field__help" role="status">
        {note}
      </p>
      <p id={helpId} className="field__help">
        {help}
      </p>
    </div>
  );
}
