import { useEffect, useState } from 'react';
import type { EngineInfo, KeyStatuses, ProviderInfo } from '../../electron/shared/ipc';
import type { Settings } from '../../electron/shared/settings';
import { ArchitectureToggle } from './ArchitectureToggle';
import { restartAdvice } from './conversation/channel';
import { ConversationView } from './conversation/ConversationView';
import { useLiveStore } from './conversation/store';
import { ModelsView } from './models/ModelsView';
import { Onboarding } from './Onboarding';
import { SettingsView } from './settings/SettingsView';
import { getApi, useAppStore } from './store';

type View = 'status' | 'models' | 'settings';
const VIEW_NAMES: Record<View, string> = { status: 'Conversation', models: 'Models', settings: 'Settings' };

/** The app: the conversation (with the engine's state), the models or the settings. */
export function App() {
  const connection = useAppStore((s) => s.connection);
  const refresh = useAppStore((s) => s.refresh);
  // The engine's process ended: one banner says so and how to restart; nothing else claims to work.
  const engineGone = useLiveStore((s) => s.engineGone);
  const [view, setView] = useState<View>('status');
  const api = connection.state === 'connected' ? getApi() : undefined;
  const [setup, setSetup] = useState<{ settings: Settings; providers: ProviderInfo[]; keys: KeyStatuses } | undefined>();

  // What is configured, for the toggle and the first-run guide (refreshed when leaving settings).
  useEffect(() => {
    if (!api || view !== 'status') return;
    void Promise.all([api.getSettings(), api.listProviders(), api.keyStatus()])
      .then(([settings, providers, keys]) => setSetup({ settings, providers, keys }))
      // The engine went away meanwhile: its banner says so.
      .catch(() => undefined);
  }, [api, view]);

  useEffect(() => {
    void refresh();
    // Poll while models load; stop once they are ready or failed.
    const timer = setInterval(() => {
      const c = useAppStore.getState().connection;
      if (c.state === 'connected' && c.info.vad.state === 'loading') void refresh();
    }, 250);
    return () => clearInterval(timer);
  }, [refresh]);

  return (
    <main className="app">
      <header className="app__header">
        <h1>Parley</h1>
        {connection.state === 'connected' && <span className="app__version">v{connection.info.version}</span>}
        {api && (
          <nav className="app__nav" aria-label="Views">
            {(['status', 'models', 'settings'] as const).map((v) => (
              <button key={v} type="button" aria-current={view === v ? 'page' : undefined} onClick={() => setView(v)}>
                {VIEW_NAMES[v]}
              </button>
            ))}
          </nav>
        )}
      </header>
      {api && setup && (
        <ArchitectureToggle
          value={setup.settings.architecture}
          s2sName={setup.providers.find((p) => p.kind === 's2s' && p.id === setup.settings.s2s.provider)?.displayName ?? setup.settings.s2s.provider}
          onChange={(architecture) => void api.updateSettings({ ...setup.settings, architecture }).then((settings) => setSetup({ ...setup, settings }))}
        />
      )}
      {view === 'status' && api && setup && connection.state === 'connected' && (
        <Onboarding api={api} setup={setup} keyStorage={connection.info.keyStorage} onSetup={setSetup} onOpenSettings={() => setView('settings')} />
      )}
      {engineGone && (
        <p className="problem" role="alert" data-testid="engine-gone">
          <span>{restartAdvice()}</span>
        </p>
      )}
      {connection.state === 'connected' &&
        !engineGone &&
        connection.info.notices.map((n) => (
          <p key={n} className="problem" role="alert">
            <span>{n}</span>
          </p>
        ))}
      {view === 'status' && api && setup && (
        <ConversationView
          mode={setup.settings.mode}
          architecture={setup.settings.architecture}
          onModeChange={(mode) => void api.updateSettings({ ...setup.settings, mode }).then((settings) => setSetup({ ...setup, settings }))}
          onOpenSettings={() => setView('settings')}
        />
      )}
      {view === 'status' || !api ? (
        <section className="status" aria-live="polite" role="status">
          {connection.state === 'connecting' && <p>Connecting to the engine…</p>}
          {connection.state === 'unavailable' && <p className="status__error">{connection.reason}</p>}
          {connection.state === 'connected' && (engineGone ? <p>Not connected to the engine.</p> : <VadStatus vad={connection.info.vad} />)}
        </section>
      ) : view === 'models' ? (
        <ModelsView api={api} />
      ) : (
        <SettingsView api={api} onOpenModels={() => setView('models')} />
      )}
    </main>
  );
}

function VadStatus({ vad }: { vad: EngineInfo['vad'] }) {
  switch (vad.state) {
    case 'loading':
      return <p>Loading voice activity detection…</p>;
    case 'ready':
      return (
        <p>
          Voice activity detection ready on {vad.provider.toUpperCase()} ({Math.round(vad.loadMs)} ms).
        </p>
      );
    case 'failed':
      return <p className="status__error">Voice activity detection failed: {vad.error.message}</p>;
  }
}
