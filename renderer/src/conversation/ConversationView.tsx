import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ProviderInfo } from '../../../electron/shared/ipc';
import type { Settings } from '../../../electron/shared/settings';
import { ArchitectureToggle } from '../ArchitectureToggle';
import { Problem } from '../Problem';
import { CompareView } from './CompareView';
import { LatencyPanel } from './LatencyPanel';
import { LiveBar } from './LiveBar';
import { errorAction, liveStatusLabel, providersLine, stageName, transcriptHint } from './model';
import { useLiveStore } from './store';
import { Transcript } from './Transcript';
import { VoicePresence } from './VoicePresence';
import { useGuideShown } from '../Onboarding';

/** Wide enough for the transcript and the latency panel side by side: the panel starts open. */
const SIDE_BY_SIDE = '(min-width: 1000px)';

/**
 * The main screen: problems on top, then who is speaking (the voice presence), the transcript as
 * the main column, one quiet bar of controls, and latency in a side panel that can collapse. Each
 * problem is one banner; when the engine itself is gone the app shows that alone (see App).
 */
export function ConversationView({
  settings,
  providers,
  preparing,
  onSettingsChange,
  onOpenSettings,
  guide,
}: {
  settings: Settings;
  providers: ProviderInfo[];
  /** The engine is still loading what a conversation needs (voice activity detection). */
  preparing: boolean;
  onSettingsChange: (s: Settings) => void;
  onOpenSettings: () => void;
  /** The first-run guide: shown where the transcript goes until there is a conversation, so the controls stay in view. */
  guide?: ReactNode;
}) {
  const { mode, architecture } = settings;
  const view = useLiveStore((s) => s.view);
  const guideShown = useGuideShown((s) => s.shown);
  const showGuide = Boolean(guide) && guideShown && view.turns.length === 0 && !view.partial;
  const micError = useLiveStore((s) => s.micError);
  const linked = useLiveStore((s) => s.linked);
  const engineGone = useLiveStore((s) => s.engineGone);
  const closedReason = useLiveStore((s) => s.closedReason);
  const mic = useLiveStore((s) => s.mic);
  const muted = useLiveStore((s) => s.muted);
  const talking = useLiveStore((s) => s.talking);
  const hasCompare = useLiveStore((s) => s.compare !== undefined);
  const { connect, dismiss, start, stop, setTalking } = useLiveStore.getState();
  const [latencyOpen, setLatencyOpen] = useState(() => window.matchMedia(SIDE_BY_SIDE).matches);
  useEffect(() => connect(), [connect]);
  // The window crossed the width where both fit: the panel follows (the user can still toggle it).
  useEffect(() => {
    const wide = window.matchMedia(SIDE_BY_SIDE);
    const follow = () => setLatencyOpen(wide.matches);
    wide.addEventListener('change', follow);
    return () => wide.removeEventListener('change', follow);
  }, []);
  // Another listening mode or architecture: the banners about the previous one no longer apply.
  const shown = useRef({ mode, architecture });
  useEffect(() => {
    if (shown.current.mode === mode && shown.current.architecture === architecture) return;
    shown.current = { mode, architecture };
    useLiveStore.getState().settingsChanged();
  }, [mode, architecture]);

  const running = view.status.state === 'running';
  const starting = mic === 'opening' || view.status.state === 'starting';
  const status = liveStatusLabel(view, starting, { muted, preparing, engineGone });
  const sttStopped = view.stt?.status.state === 'stopped' ? view.stt.status.error : undefined;
  const failed = view.status.state === 'failed' ? view.status.error : undefined;
  const s2sName = providers.find((p) => p.kind === 's2s' && p.id === settings.s2s.provider)?.displayName ?? settings.s2s.provider;
  return (
    <div className="conversation">
      {!linked && !engineGone && <Problem message={`The live conversation is not connected to the engine${closedReason ? ` (${closedReason})` : ''}.`} />}
      {micError && !engineGone && <Problem message={micError} />}
      {failed && (
        <Problem message={`${view.failedAfterRunning ? 'Stopped' : 'Could not start'}: `} error={failed}>
          {errorAction(failed) === 'open-settings' ? (
            <button type="button" onClick={onOpenSettings}>
              Open settings
            </button>
          ) : (
            <button type="button" onClick={() => void start()}>
              Try again
            </button>
          )}
        </Problem>
      )}
      {view.problems.map((p) => (
        <Problem key={p.id} message={`${stageName(p.stage)}: `} error={p.error}>
          {errorAction(p.error) === 'open-settings' && (
            <button type="button" onClick={onOpenSettings}>
              Open settings
            </button>
          )}
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(p.id)}>
            ×
          </button>
        </Problem>
      ))}
      <div className={`conversation__main${latencyOpen ? ' conversation__main--side' : ''}`}>
        <div className="conversation__column">
          <VoicePresence
            status={status}
            providers={view.status.state === 'running' ? providersLine(view.status, providers, settings) : undefined}
            actions={
              <>
                {sttStopped && errorAction(sttStopped) === 'open-settings' && (
                  <button type="button" className="voice-action" onClick={onOpenSettings}>
                    Open settings
                  </button>
                )}
                {sttStopped && running && errorAction(sttStopped) === 'retry' && (
                  <button type="button" className="voice-action" onClick={() => void stop().then(start)}>
                    Try again
                  </button>
                )}
              </>
            }
          >
            {mode === 'push-to-talk' && (
              <button
                type="button"
                className={talking ? 'voice-talk voice-talk--on' : 'voice-talk'}
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
          </VoicePresence>
          {guide && (
            // Mounted all along (it decides whether it shows); scrolls on its own in a small window: reachable by keyboard.
            <div className="conversation__guide" role="region" aria-label="Getting started" tabIndex={0} hidden={!showGuide}>
              {guide}
            </div>
          )}
          {!showGuide && <Transcript turns={view.turns} partial={view.partial} hint={transcriptHint(view)} />}
          {view.notices.length > 0 && (
            <ul className="notices" aria-label="Notices">
              {view.notices.map((n) => (
                <li key={n.id}>{n.text}</li>
              ))}
            </ul>
          )}
          {hasCompare && (
            // Scrolls on its own when long: reachable by keyboard.
            <div className="conversation__compare" tabIndex={0}>
              <CompareView providers={providers} settings={settings} />
            </div>
          )}
        </div>
        {latencyOpen && (
          <div className="conversation__side" id="conversation-latency" role="region" aria-label="Latency panel" tabIndex={0}>
            <LatencyPanel turns={view.turns} />
          </div>
        )}
      </div>
      <LiveBar
        mode={mode}
        onModeChange={(m) => onSettingsChange({ ...settings, mode: m })}
        architecture={<ArchitectureToggle value={architecture} s2sName={s2sName} onChange={(a) => onSettingsChange({ ...settings, architecture: a })} />}
        latency={{ open: latencyOpen, toggle: () => setLatencyOpen(!latencyOpen), controls: 'conversation-latency' }}
      />
    </div>
  );
}
