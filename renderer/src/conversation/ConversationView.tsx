import { useEffect, useRef } from 'react';
import type { Settings } from '../../../electron/shared/settings';
import { CompareView } from './CompareView';
import { LatencyPanel } from './LatencyPanel';
import { LiveBar } from './LiveBar';
import { errorAction, transcriptHint } from './model';
import { useLiveStore } from './store';
import { Transcript } from './Transcript';

/**
 * The main screen: controls, the transcript, problems where they happened, and latency. Each
 * problem is one banner; when the engine itself is gone the app shows that alone (see App).
 */
export function ConversationView({
  mode,
  architecture,
  onModeChange,
  onOpenSettings,
}: {
  mode: Settings['mode'];
  architecture: Settings['architecture'];
  onModeChange: (m: Settings['mode']) => void;
  onOpenSettings: () => void;
}) {
  const view = useLiveStore((s) => s.view);
  const micError = useLiveStore((s) => s.micError);
  const linked = useLiveStore((s) => s.linked);
  const engineGone = useLiveStore((s) => s.engineGone);
  const closedReason = useLiveStore((s) => s.closedReason);
  const comparing = useLiveStore((s) => s.compare?.state === 'running');
  const { connect, dismiss, start, requestCompare, settingsChanged } = useLiveStore.getState();
  useEffect(() => connect(), [connect]);
  // Another listening mode or architecture: the banners about the previous one no longer apply.
  const shown = useRef({ mode, architecture });
  useEffect(() => {
    if (shown.current.mode === mode && shown.current.architecture === architecture) return;
    shown.current = { mode, architecture };
    settingsChanged();
  }, [mode, architecture, settingsChanged]);
  const failed = view.status.state === 'failed' ? view.status.error : undefined;
  return (
    <div className="conversation">
      <LiveBar mode={mode} onModeChange={onModeChange} onOpenSettings={onOpenSettings} />
      {!linked && !engineGone && (
        <p className="problem" role="alert">
          <span>The live conversation is not connected to the engine{closedReason ? ` (${closedReason})` : ''}.</span>
        </p>
      )}
      {micError && !engineGone && (
        <p className="problem" role="alert">
          <span>{micError}</span>
        </p>
      )}
      {failed && (
        <div className="problem" role="alert">
          <span>
            {view.failedAfterRunning ? 'Stopped' : 'Could not start'}: {failed.message}
          </span>
          {errorAction(failed) === 'open-settings' ? (
            <button type="button" onClick={onOpenSettings}>
              Open settings
            </button>
          ) : (
            <button type="button" onClick={() => void start()}>
              Try again
            </button>
          )}
        </div>
      )}
      {view.problems.map((p) => (
        <div key={p.id} className="problem" role="alert">
          <span>
            {p.stage.toUpperCase()}: {p.error.message}
          </span>
          {errorAction(p.error) === 'open-settings' && (
            <button type="button" onClick={onOpenSettings}>
              Open settings
            </button>
          )}
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(p.id)}>
            ×
          </button>
        </div>
      ))}
      <div className="conversation__main">
        <Transcript turns={view.turns} partial={view.partial} hint={transcriptHint(view)} />
        <LatencyPanel turns={view.turns} />
      </div>
      <div className="compare__actions">
        <button
          type="button"
          onClick={requestCompare}
          disabled={view.status.state !== 'running' || view.turns.length === 0 || comparing}
          title="Replay your last utterance through the cascade and speech-to-speech, and show both answers and their latency"
        >
          {comparing ? 'Comparing…' : 'Compare both architectures on my last utterance'}
        </button>
      </div>
      <CompareView />
      {view.notices.length > 0 && (
        <ul className="notices" aria-label="Notices">
          {view.notices.map((n) => (
            <li key={n.id}>{n.text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
