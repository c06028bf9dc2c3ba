import type { Settings } from '../../electron/shared/settings';

/**
 * Cascade | Speech-to-speech, always visible. Speech-to-speech (Moshi, OpenAI Realtime) is not in
 * this build yet, so its option says why instead of pretending.
 */
export function ArchitectureToggle({ value, onChange }: { value: Settings['architecture']; onChange: (v: Settings['architecture']) => void }) {
  return (
    <div className="toggle" role="radiogroup" aria-label="Architecture">
      <button type="button" role="radio" aria-checked={value === 'cascade'} onClick={() => onChange('cascade')}>
        Cascade
      </button>
      <button type="button" role="radio" aria-checked={value === 's2s'} aria-disabled="true" aria-describedby="s2s-why" disabled>
        Speech-to-speech
      </button>
      <span id="s2s-why" className="toggle__why">
        Speech-to-speech (Moshi, OpenAI Realtime) arrives in a later version.
      </span>
    </div>
  );
}
