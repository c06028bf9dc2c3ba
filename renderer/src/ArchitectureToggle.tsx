import type { Settings } from '../../electron/shared/settings';

/**
 * Cascade | Speech-to-speech, always visible, switchable during a conversation: the engine stops
 * one architecture and starts the other at once, carrying the conversation over where it can.
 * What each means is its description (and the tooltip), so the bar stays one line.
 */
export function ArchitectureToggle({ value, s2sName, onChange }: { value: Settings['architecture']; s2sName: string; onChange: (v: Settings['architecture']) => void }) {
  const why = value === 'cascade' ? 'Speech to text, a language model and text to speech, each swappable.' : `One model listens and speaks at once: ${s2sName}.`;
  return (
    <div className="toggle toggle--small" role="radiogroup" aria-label="Architecture" aria-describedby="architecture-why" title={why}>
      <button type="button" role="radio" aria-checked={value === 'cascade'} onClick={() => value !== 'cascade' && onChange('cascade')}>
        Cascade
      </button>
      <button type="button" role="radio" aria-checked={value === 's2s'} onClick={() => value !== 's2s' && onChange('s2s')}>
        Speech-to-speech
      </button>
      <span id="architecture-why" className="visually-hidden">
        {why}
      </span>
    </div>
  );
}
