import { useEffect, useState } from 'react';
import type { KeyStatuses, ProviderInfo } from '../../electron/shared/ipc';
import type { Settings } from '../../electron/shared/settings';
import { AboutView } from './AboutView';
import { restartAdvice } from './conversation/channel';
import { ConversationView } from './conversation/ConversationView';
import { useLiveStore } from './conversation/store';
import { ModelsView } from './models/ModelsView';
import { Onboarding } from './Onboarding';
import { confirmLeaveSettings } from './settings/settings-guard';
import { SettingsView } from './settings/SettingsView';
import { Problem } from './Problem';
import { getApi, useAppStore } from './store';

type View = 'status' | 'models' | 'settings' | 'about';
const VIEWS: readonly View[] = ['status', 'models', 'settings', 'about'];
const VIEW_NAMES: Record<View, string> = { status: 'Conversation', models: 'Models', settings: 'Settings', about: 'About' };

/** The app: the conversation, the models, the settings, or about (versions and diagnostics). */
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

  const preparing = connection.state === 'connected' && connection.info.vad.state === 'loading';
  const vadFailed = connection.state === 'connected' && connection.info.vad.state === 'failed' ? connection.info.vad.error : undefined;
  return (
    <main className={`app app--${view}`}>
      <header className="app__header">
        <h1>Parley</h1>
        {api && (
          <nav className="app__nav" aria-label="Views">
            {VIEWS.map((v) => (
              <button key={v} type="button" aria-current={view === v ? 'page' : undefined} onClick={() => v === view || void confirmLeaveSettings().then((ok) => ok && setView(v))}>
                {VIEW_NAMES[v]}
              </button>
            ))}
          </nav>
        )}
      </header>
      {engineGone && <Problem message={restartAdvice()} testId="engine-gone" />}
      {connection.state === 'connected' && !engineGone && connection.info.notices.map((n) => <Problem key={n} message={n} />)}
      {view === 'status' && vadFailed && !engineGone && <Problem message="Voice detection could not load, so Parley cannot tell when you speak: " error={vadFailed} />}
      {(view === 'status' || !api) && connection.state !== 'connected' && (
        <section className="status" aria-live="polite" role="status">
          {connection.state === 'connecting' && <p>Connecting to the engine…</p>}
          {connection.state === 'unavailable' && <p className="status__error">{connection.reason}</p>}
        </section>
      )}
      {view === 'status' && api && setup && (
        <ConversationView
          settings={setup.settings}
          providers={setup.providers}
          preparing={preparing}
          onSettingsChange={(next) => void api.updateSettings(next).then((settings) => setSetup({ ...setup, settings }))}
          onOpenSettings={() => setView('settings')}
          guide={connection.state === 'connected' ? <Onboarding api={api} setup={setup} keyStorage={connection.info.keyStorage} onSetup={setSetup} onOpenSettings={() => setView('settings')} /> : undefined}
        />
      )}
      {view === 'models' && api && <ModelsView api={api} />}
      {view === 'settings' && api && <SettingsView api={api} onOpenModels={() => setView('models')} />}
      {view === 'about' && connection.state === 'connected' && <AboutView info={connection.info} />}
    </main>
  );
}
