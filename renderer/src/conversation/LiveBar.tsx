import { useEffect } from 'react';
import type { Settings } from '../../../electron/shared/settings';
import { deviceText, runningDevices } from '../models/model';
import { errorAction, liveStatusLabel } from './model';
import { useLiveStore } from './store';

/** Live state, meters and the controls of the conversation. */
export function LiveBar({ mode, onModeChange, onOpenSettings }: { mode: Settings['mode']; onModeChange: (mode: Settings['mode']) => void; onOpenSettings?: () => void }) {
  const { mic, muted, talking, micLevel, outLevel, view, linked } = useLiveStore();
  const { start, stop, setMuted, setTalking, interrupt } = useLiveStore.getState();
  const running = view.status.state === 'running';
  const starting = mic === 'opening' || view.status.state === 'starting';
  const replying = running && (view.state === 'thinking' || view.state === 'assistant-speaking');
  const label = liveStatusLabel(view, starting);
  const sttStopped = view.stt?.status.state === 'stopped' ? view.stt.status.error : undefined;

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
      <div className={`livebar__state livebar__state--${label.tone === 'ok' ? view.state : label.tone}`} role="status" aria-live="polite" data-testid="conversation-state">
        <span className="livebar__dot" aria-hidden="true" />
        {label.text}
        {sttStopped && onOpenSettings && errorAction(sttStopped) === 'open-settings' && (
          <button type="button" className="livebar__action" onClick={onOpenSettings}>
            Open settings
          </button>
        )}
        {sttStopped && running && errorAction(sttStopped) === 'retry' && (
          <button type="button" className="livebar__action" onClick={() => void stop().then(start)}>
            Try again
          </button>
        )}
      </div>
      {view.status.state === 'running' && (
        <span className="livebar__providers" data-testid="running-providers">
          {view.status.architecture === 's2s' ? `Speech-to-speech: ${view.status.providers.s2s}` : `Cascade: ${Object.values(view.status.providers).join(' → ')}`}
        </span>
      )}
      {view.status.state === 'running' && runningDevices(view.devices, view.status.providers).length > 0 && (
        <span className="livebar__providers" data-testid="running-devices">
          {runningDevices(view.devices, view.status.providers).map(deviceText).join(' · ')}
        </span>
      )}
      <Meter label="Microphone level" caption="You" value={muted ? 0 : micLevel} />
      <Meter label="Parley's voice level" caption="Parley" value={outLevel} />
      <div className="livebar__controls">
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
        <div className="toggle toggle--small" role="radiogroup" aria-label="Listening mode">
          {(['hands-free', 'push-to-talk'] as const).map((m) => (
            <button key={m} type="button" role="radio" aria-checked={mode === m} onClick={() => onModeChange(m)}>
              {m === 'hands-free' ? 'Hands-free' : 'Push-to-talk'}
            </button>
          ))}
        </div>
        {mode === 'push-to-talk' && (
          <button
            type="button"
            className={talking ? 'talk talk--on' : 'talk'}
            aria-pressed={talking}
            disabled={!running}
            onPointerDown={() => setTalking(true)}
            onPointerUp={() => setTalking(false)}
            onPointerLeave={() => talking && setTalking(false)}
            onKeyDown={(e) => {
              if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) {
                e.preventDefault();
                setTalking(true);
              }
            }}
            onKeyUp={(e) => {
              if (e.key === ' ' || e.key === 'Enter') setTalking(false);
            }}
          >
            {talking ? 'Talking… release to send' : 'Hold to talk (or hold Space)'}
          </button>
        )}
      </div>
    </section>
  );
}

function Meter({ label, caption, value }: { label: string; caption: string; value: number }) {
  // RMS to a 0-100 scale over -60..0 dBFS, as level meters read.
  const db = value > 0 ? 20 * Math.log10(value) : -60;
  const pct = Math.round(Math.max(0, Math.min(1, (db + 60) / 60)) * 100);
  return (
    <div className="meter-field">
      <span aria-hidden="true">{caption}</span>
      <div className="meter" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <div className="meter__fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
