import { useEffect, type ReactNode } from 'react';
import type { Settings } from '../../../electron/shared/settings';
import { useLiveStore } from './store';

/**
 * The conversation's controls in one quiet bar: the session (start/stop, mute, stop talking), then
 * how it listens and answers (listening mode, architecture, compare), then the latency panel.
 * Keyboard: Escape cuts Parley off; in push-to-talk, holding Space talks.
 */
export function LiveBar({ mode, onModeChange, architecture, latency }: { mode: Settings['mode']; onModeChange: (mode: Settings['mode']) => void; architecture: ReactNode; latency: { open: boolean; toggle: () => void; controls: string } }) {
  const mic = useLiveStore((s) => s.mic);
  const muted = useLiveStore((s) => s.muted);
  const view = useLiveStore((s) => s.view);
  const linked = useLiveStore((s) => s.linked);
  const comparing = useLiveStore((s) => s.compare?.state === 'running');
  const { start, stop, setMuted, setTalking, interrupt, requestCompare } = useLiveStore.getState();
  const running = view.status.state === 'running';
  const starting = mic === 'opening' || view.status.state === 'starting';
  const replying = running && (view.state === 'thinking' || view.state === 'assistant-speaking');

  // Escape cuts Parley off (the stop-talking button's shortcut).
  useEffect(() => {
    if (!replying) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && interrupt();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [replying, interrupt]);

  // Push-to-talk on the keyboard: hold Space (outside text fields and buttons).
  useEffect(() => {
    if (mode !== 'push-to-talk' || !running) return;
    const isFormControl = (t: EventTarget | null) => t instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName);
    const down = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || e.repeat || isFormControl(e.target)) return;
      e.preventDefault();
      setTalking(true);
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== 'Space' || isFormControl(e.target)) return;
      setTalking(false);
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, [mode, running, setTalking]);

  return (
    <section className="livebar" aria-label="Conversation controls">
      <div className="livebar__group">
        {mic === 'off' && !starting ? (
          // Nothing to start without the engine (its banner says why and how to get it back).
          <button type="button" className="primary" onClick={() => void start()} disabled={!linked}>
            Start conversation
          </button>
        ) : (
          <button type="button" onClick={() => void stop()} disabled={starting && mic !== 'on'}>
            Stop conversation
          </button>
        )}
        <button type="button" aria-pressed={muted} onClick={() => setMuted(!muted)} disabled={!running}>
          {muted ? 'Unmute' : 'Mute'}
        </button>
        <button type="button" onClick={interrupt} disabled={!replying} aria-keyshortcuts="Escape" title="Stop talking (Esc)">
          Stop talking
        </button>
      </div>
      <div className="livebar__group">
        <div className="toggle toggle--small" role="radiogroup" aria-label="Listening mode">
          {(['hands-free', 'push-to-talk'] as const).map((m) => (
            <button key={m} type="button" role="radio" aria-checked={mode === m} onClick={() => onModeChange(m)}>
              {m === 'hands-free' ? 'Hands-free' : 'Push-to-talk'}
            </button>
          ))}
        </div>
        {architecture}
        <button
          type="button"
          onClick={requestCompare}
          disabled={!running || view.turns.length === 0 || comparing}
          title="Replay your last utterance through the cascade and speech-to-speech, and show both answers and their latency"
        >
          {comparing ? 'Comparing…' : 'Compare'}
        </button>
        <button type="button" className="livebar__latency" title={latency.open ? 'Hide the latency panel' : 'Show the latency panel'} aria-expanded={latency.open} aria-controls={latency.open ? latency.controls : undefined} onClick={latency.toggle}>
          Latency
        </button>
      </div>
    </section>
  );
}
