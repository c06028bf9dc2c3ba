import { KEY_LABELS, type KeyName, type KeyStatuses, type ProviderInfo } from '../../electron/shared/ipc';
import type { Settings } from '../../electron/shared/settings';

/** The keys the chosen providers still need, each once (local providers need none). */
export function missingKeys(settings: Settings, providers: ProviderInfo[], keys: KeyStatuses): KeyName[] {
  const chosen = settings.architecture === 's2s' ? [['s2s', settings.s2s.provider] as const] : (['stt', 'llm', 'tts'] as const).map((kind) => [kind, settings.cascade[kind]] as const);
  const names = chosen
    .map(([kind, id]) => providers.find((p) => p.kind === kind && p.id === id)?.keyName)
    .filter((n): n is KeyName => Boolean(n && keys[n] !== 'set'));
  return [...new Set(names)];
}

/** First run: explain the two ways to get going instead of failing with "no API key". */
export function Onboarding({ missing, onOpenSettings }: { missing: KeyName[]; onOpenSettings: () => void }) {
  return (
    <section className="onboarding" aria-labelledby="onboarding-title">
      <h2 id="onboarding-title">Welcome to Parley</h2>
      <p>Parley listens, thinks and answers out loud. Each step can run in the cloud or on this computer:</p>
      <ul>
        <li>
          <strong>Cloud services</strong> give the fastest, best answers. Paste an API key for each service you pick (keys are
          encrypted on this computer and never shown again).
        </li>
        <li>
          <strong>Local models</strong> keep everything offline, such as an LLM served by Ollama on this machine.
        </li>
      </ul>
      <p>Still needed: an API key for {missing.map((n) => KEY_LABELS[n]).join(', ')}.</p>
      <button type="button" onClick={onOpenSettings}>
        Open settings
      </button>
    </section>
  );
}
