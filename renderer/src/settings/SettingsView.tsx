import { useEffect, useId, useState } from 'react';
import { KEY_LABELS, type KeyStatuses, type ParleyApi, type ProviderInfo } from '../../../electron/shared/ipc';
import type { ModelEntry } from '../../../electron/shared/models';
import type { KeyStatus, Settings } from '../../../electron/shared/settings';
import { missingLocalModels, offlineChoice, offlineSwitches } from '../models/model';
import { AudioFields } from './AudioFields';
import { MissingModels, OfflineToggle } from './OfflineFields';
import { SchemaForm } from './SchemaForm';
import { ServerLogs } from './ServerLogs';
import { providerFieldProblem } from './provider-problems';
import { problemsSummary, turnTakingProblems } from './turn-taking-fields';
import { TurnTakingFields } from './TurnTakingFields';

type Kind = 'stt' | 'llm' | 'tts' | 's2s';
const STAGES: { kind: Kind; label: string }[] = [
  { kind: 'stt', label: 'Speech to text' },
  { kind: 'llm', label: 'Language model' },
  { kind: 'tts', label: 'Text to speech' },
  { kind: 's2s', label: 'Speech-to-speech model' },
];

/** The provider chosen for a stage (the cascade's three, or the speech-to-speech model). */
const chosenId = (settings: Settings, kind: Kind) => (kind === 's2s' ? settings.s2s.provider : settings.cascade[kind]);
const choose = (draft: Settings, kind: Kind, id: string) => {
  if (kind === 's2s') draft.s2s.provider = id;
  else draft.cascade[kind] = id;
};

/** Providers, keys, offline mode, turn-taking and prompt. Saved through the engine, which validates everything. */
export function SettingsView({ api, onOpenModels }: { api: ParleyApi; onOpenModels?: () => void }) {
  const [providers, setProviders] = useState<ProviderInfo[]>([]);
  const [settings, setSettings] = useState<Settings | undefined>();
  const [keys, setKeys] = useState<KeyStatuses | undefined>();
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  // Save attempts refused for turn-taking values the engine would not accept (their fields then say why).
  const [refused, setRefused] = useState(0);
  // The settings as the engine last gave them: a refused provider setting is one changed since.
  const [saved, setSaved] = useState<Settings | undefined>();
  // A provider setting the engine refused, shown at its field.
  const [fieldProblem, setFieldProblem] = useState<{ kind: Kind; field: string; text: string } | undefined>();
  // The installed models, to name the ones a chosen local engine still needs (absent: not known).
  const [models, setModels] = useState<ModelEntry[] | undefined>();
  // What turning offline mode on switched, said once under the switch.
  const [switched, setSwitched] = useState<string[]>([]);

  useEffect(() => {
    void Promise.all([api.listProviders(), api.getSettings(), api.keyStatus()])
      .then(([p, s, k]) => {
        setProviders(p);
        // A late answer never overwrites what the user already started editing.
        setSettings((current) => current ?? s);
        setSaved(s);
        setKeys(k);
      })
      .catch((e: unknown) => setStatus({ kind: 'error', text: `Could not load settings: ${e instanceof Error ? e.message : String(e)}` }));
    api
      .listModels()
      .then((l) => setModels(l.models))
      .catch(() => undefined);
  }, [api]);

  if (!settings) return <p role="status">{status?.text ?? 'Loading settings…'}</p>;

  // Each edit applies to the latest state (two quick edits never undo each other).
  const update = (change: (draft: Settings) => void) => {
    setSettings((current) => {
      const draft = structuredClone(current ?? settings);
      change(draft);
      return draft;
    });
    setStatus(undefined);
    setFieldProblem(undefined);
  };
  const problems = turnTakingProblems(settings.turnTaking);
  const refuse = () => {
    setRefused((n) => n + 1);
    setStatus({ kind: 'error', text: `Not saved: ${problemsSummary(problems)}` });
  };
  const save = async () => {
    // The engine's own rules (the shared schema), checked here so each problem shows at its field.
    if (Object.keys(problems).length > 0) return refuse();
    try {
      const next = await api.updateSettings(settings);
      setSettings(next);
      setSaved(next);
      setRefused(0);
      // A key counts only for the host it was saved for: a changed endpoint can change its status.
      setKeys(await api.keyStatus());
      setStatus({ kind: 'ok', text: 'Settings saved.' });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setStatus({ kind: 'error', text: `Not saved: ${message}` });
      setFieldProblem(refusedField(message));
    }
  };
  /** The stage whose provider's changed settings the engine refused, and the field. */
  const refusedField = (message: string) => {
    for (const { kind } of STAGES) {
      const id = chosenId(settings, kind);
      const provider = providers.find((p) => p.kind === kind && p.id === id);
      if (!provider || JSON.stringify(settings.providers[kind][id]) === JSON.stringify(saved?.providers[kind][id])) continue;
      const found = providerFieldProblem(message, provider);
      if (found) return { kind, ...found };
    }
    return undefined;
  };

  return (
    <form
      className="settings"
      aria-label="Settings"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <OfflineToggle
        settings={settings}
        switched={switched}
        update={(change) => {
          const draft = structuredClone(settings);
          change(draft);
          // Turned on: each stage on a cloud provider moves to a local one (the user sees which, and saves).
          const moves = draft.offlineOnly && !settings.offlineOnly ? offlineSwitches(draft, providers) : [];
          update((d) => {
            change(d);
            for (const m of moves) choose(d, m.kind, m.to.id);
          });
          setSwitched(moves.map((m) => `${STAGES.find((s) => s.kind === m.kind)?.label ?? m.kind}: ${m.to.displayName}`));
        }}
      />
      {STAGES.map(({ kind, label }) => {
        const options = providers.filter((p) => p.kind === kind);
        const chosen = options.find((p) => p.id === chosenId(settings, kind)) ?? options[0];
        const refusal = chosen ? offlineChoice(chosen, settings) : undefined;
        const missing = models ? missingLocalModels(settings, providers, models, [kind]) : [];
        return (
          <fieldset key={kind}>
            <legend>{label}</legend>
            <ProviderSelect
              options={options}
              settings={settings}
              value={chosen?.id ?? ''}
              problem={refusal && !refusal.allowed ? `${refusal.reason}. Choose a local provider for this stage.` : undefined}
              onChange={(id) => update((d) => choose(d, kind, id))}
            />
            <MissingModels missing={missing} onOpenModels={onOpenModels} />
            {chosen && (
              <>
                <SchemaForm
                  schema={chosen.settingsSchema}
                  values={settings.providers[kind][chosen.id] ?? {}}
                  onChange={(values) => update((d) => void (d.providers[kind][chosen.id] = values))}
                  problems={fieldProblem?.kind === kind ? { [fieldProblem.field]: fieldProblem.text } : {}}
                />
                {kind === 's2s' && chosen.id === 'moshi' && (
                  <>
                    <div className="field field--inline">
                      <input id="s2s-transcribe" type="checkbox" checked={settings.s2s.transcribeUser} onChange={(e) => update((d) => void (d.s2s.transcribeUser = e.target.checked))} />
                      <label htmlFor="s2s-transcribe">Transcribe what I say with the speech-to-text provider above (Moshi gives no transcript of your side)</label>
                    </div>
                    <ServerLogs api={api} />
                  </>
                )}
                {chosen.keyName && keys && <KeyField api={api} name={chosen.keyName} label={KEY_LABELS[chosen.keyName]} status={keys[chosen.keyName]} onStatus={setKeys} />}
              </>
            )}
          </fieldset>
        );
      })}
      <fieldset>
        <legend>Conversation</legend>
        <div className="field">
          <label htmlFor="system-prompt">System prompt</label>
          <textarea id="system-prompt" rows={3} value={settings.systemPrompt} onChange={(e) => update((d) => void (d.systemPrompt = e.target.value))} />
        </div>
        <div className="field field--inline">
          <input id="tools" type="checkbox" checked={settings.toolsEnabled} onChange={(e) => update((d) => void (d.toolsEnabled = e.target.checked))} />
          <label htmlFor="tools">Let the assistant use tools (time, timers, calculator)</label>
        </div>
      </fieldset>
      <TurnTakingFields settings={settings} update={update} problems={problems} attempt={refused} onInvalid={refuse} />
      <AudioFields settings={settings} update={update} />
      <div className="settings__actions">
        <button type="submit">Save settings</button>
        <span role="status" className={status?.kind === 'error' ? 'status__error' : undefined}>
          {status?.text}
        </span>
      </div>
    </form>
  );
}

/** The providers of a stage; with offline mode on, those that would leave the machine are greyed out, with the reason. */
function ProviderSelect({ options, settings, value, problem, onChange }: { options: ProviderInfo[]; settings: Settings; value: string; problem: string | undefined; onChange: (id: string) => void }) {
  const id = useId();
  const problemId = useId();
  const refused = options.flatMap((p) => {
    const c = offlineChoice(p, settings);
    return c.allowed ? [] : [{ provider: p, reason: c.reason }];
  });
  return (
    <div className="field">
      <label htmlFor={id}>Provider</label>
      <select id={id} value={value} aria-invalid={problem ? true : undefined} aria-describedby={problem ? problemId : undefined} onChange={(e) => onChange(e.target.value)}>
        {options.map((p) => {
          const off = refused.find((r) => r.provider === p);
          return (
            <option key={p.id} value={p.id} disabled={Boolean(off) && p.id !== value}>
              {p.displayName}
              {p.local ? ' (local)' : ''}
              {off ? ' — not available offline' : ''}
            </option>
          );
        })}
      </select>
      {problem && (
        <p id={problemId} className="field__problem status__error">
          {problem}
        </p>
      )}
      {settings.offlineOnly && refused.length > 0 && (
        <ul className="offline-note" aria-label="Not available offline">
          {refused.map((r) => (
            <li key={r.provider.id}>
              {r.provider.displayName}: {r.reason.replace(/^Offline only: /, '')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Key entry: the key goes to the engine; only its status (set, not set, set for another host) ever comes back. */
function KeyField({ api, name, label, status, onStatus }: { api: ParleyApi; name: NonNullable<ProviderInfo['keyName']>; label: string; status: KeyStatus; onStatus: (k: KeyStatuses) => void }) {
  const id = useId();
  const [value, setValue] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const saveKey = async () => {
    try {
      onStatus(await api.setKey(name, value));
      setValue('');
      setResult(undefined);
    } catch (e) {
      setResult({ ok: false, text: e instanceof Error ? e.message : String(e) });
    }
  };
  const testKey = async () => {
    setResult({ ok: true, text: 'Testing…' });
    const r = await api.testKey(name).catch((e: unknown) => ({ ok: false as const, error: { message: e instanceof Error ? e.message : String(e) } }));
    setResult(r.ok ? { ok: true, text: `The ${label} key works.` } : { ok: false, text: r.error.message });
  };
  return (
    <div className="field">
      <label htmlFor={id}>
        {label} API key <span className="key-status">({status === 'set' ? 'set' : status === 'wrong-host' ? 'not set for this host' : 'not set'})</span>
      </label>
      <div className="field__row">
        <input id={id} type="password" autoComplete="off" value={value} placeholder={status === 'set' ? '•••••••• (saved)' : 'paste your key'} onChange={(e) => setValue(e.target.value)} />
        <button type="button" disabled={value.trim().length < 8} onClick={() => void saveKey()}>
          Save key
        </button>
        <button type="button" disabled={status === 'not-set'} onClick={() => void testKey()}>
          Test
        </button>
      </div>
      <p aria-live="polite" className={(result && !result.ok) || (!result && status === 'wrong-host') ? 'status__error' : undefined}>
        {result?.text ?? (status === 'wrong-host' ? `The saved ${label} key is for another address than this provider now uses, so it is not sent there. Enter the key again to use it here.` : undefined)}
      </p>
    </div>
  );
}
