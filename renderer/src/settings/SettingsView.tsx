import { useEffect, useId, useRef, useState } from 'react';
import { KEY_LABELS, KEY_NAMES, type KeyStatuses, type ParleyApi, type ProviderInfo } from '../../../electron/shared/ipc';
import type { ModelEntry } from '../../../electron/shared/models';
import type { KeyStatus, Settings } from '../../../electron/shared/settings';
import { missingLocalModels, offlineChoice, offlineSwitches } from '../models/model';
import { AudioFields } from './AudioFields';
import { MissingModels, OfflineToggle } from './OfflineFields';
import { SchemaForm } from './SchemaForm';
import { ServerLogs } from './ServerLogs';
import { hasUnsavedChanges, registerSettingsGuard, type LeaveChoice } from './settings-guard';
import './settings.css';
import { ShortcutField } from './ShortcutField';
import { providerFieldProblem } from './provider-problems';
import { problemsSummary, turnTakingProblems } from './turn-taking-fields';
import { TurnTakingFields } from './TurnTakingFields';

type Kind = 'stt' | 'llm' | 'tts' | 's2s';
const STAGES: { kind: Kind; label: string; help: string }[] = [
  { kind: 'stt', label: 'Speech recognition', help: 'Writes down what you say, as you say it.' },
  { kind: 'llm', label: 'Language model', help: 'Writes the answers.' },
  { kind: 'tts', label: 'Voice', help: 'Speaks the answers.' },
  { kind: 's2s', label: 'Speech-to-speech', help: 'One model that listens and answers in speech, used when the conversation type is speech-to-speech.' },
];
const DEFAULT_SHORTCUT = 'CommandOrControl+Shift+Space';

/** The provider chosen for a stage (the cascade's three, or the speech-to-speech model). */
const chosenId = (settings: Settings, kind: Kind) => (kind === 's2s' ? settings.s2s.provider : settings.cascade[kind]);
const choose = (draft: Settings, kind: Kind, id: string) => {
  if (kind === 's2s') draft.s2s.provider = id;
  else draft.cascade[kind] = id;
};

/**
 * One section per stage (the chosen provider's essentials first, the rest under Advanced), then
 * turn-taking, audio, privacy, keys and shortcuts. Saved through the engine, which validates
 * everything; a refused field says why at the field and takes the focus. A sticky bar keeps Save in
 * view and says when there are unsaved changes; leaving with them asks first (settings-guard.ts).
 */
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
  // Leaving with unsaved edits: how to answer the nav once the user chose.
  const [leaving, setLeaving] = useState<((choice: LeaveChoice) => void) | undefined>();
  // Bumped when the engine refuses a field: the first invalid field then takes the focus.
  const [refusals, setRefusals] = useState(0);
  const form = useRef<HTMLFormElement>(null);
  const dirty = settings !== undefined && hasUnsavedChanges(settings, saved);
  const latest = useRef({ dirty, save: async (): Promise<boolean> => true, discard: () => undefined as void });

  // Asks Save / Discard / Stay when there are unsaved edits; true when leaving may go ahead.
  const askToLeave = useRef((): Promise<boolean> => {
    if (!latest.current.dirty) return Promise.resolve(true);
    return new Promise<boolean>((resolve) =>
      setLeaving(() => (choice: LeaveChoice) => {
        setLeaving(undefined);
        if (choice === 'stay') return resolve(false);
        if (choice === 'discard') {
          latest.current.discard();
          return resolve(true);
        }
        void latest.current.save().then(resolve);
      }),
    );
  }).current;
  useEffect(() => registerSettingsGuard(askToLeave), [askToLeave]);

  useEffect(() => {
    if (refusals > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [refusals]);

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
  const save = async (): Promise<boolean> => {
    // The engine's own rules (the shared schema), checked here so each problem shows at its field.
    if (Object.keys(problems).length > 0) {
      refuse();
      return false;
    }
    try {
      const next = await api.updateSettings(settings);
      setSettings(next);
      setSaved(next);
      setRefused(0);
      // A key counts only for the host it was saved for: a changed endpoint can change its status.
      setKeys(await api.keyStatus());
      setStatus({ kind: 'ok', text: 'Settings saved.' });
      return true;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      setStatus({ kind: 'error', text: `Not saved: ${message}` });
      setFieldProblem(refusedField(message));
      setRefusals((n) => n + 1);
      return false;
    }
  };
  const discard = () => {
    if (saved) setSettings(saved);
    setStatus(undefined);
    setFieldProblem(undefined);
    setSwitched([]);
    setRefused(0);
  };
  latest.current = { dirty, save, discard };
  // The Models page is another view: the same guard applies.
  const openModels = onOpenModels && (() => void askToLeave().then((ok) => ok && onOpenModels()));
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

  const otherKeys = KEY_NAMES.filter((name) => !STAGES.some(({ kind }) => providers.find((p) => p.kind === kind && p.id === chosenId(settings, kind))?.keyName === name));

  return (
    <form
      ref={form}
      className="settings"
      aria-label="Settings"
      // The engine's words at the field instead of the browser's bubbles (it checks everything on save).
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <nav className="settings-jump" aria-label="Settings sections">
        {[...STAGES.map((s) => s.label), 'Assistant', 'Turn-taking', 'Audio', 'Privacy', ...(keys && otherKeys.length > 0 ? ['Keys'] : []), 'Shortcuts'].map((name) => (
          <button key={name} type="button" onClick={() => jumpTo(form.current, name)}>
            {name}
          </button>
        ))}
      </nav>
      {STAGES.map(({ kind, label, help }) => {
        const options = providers.filter((p) => p.kind === kind);
        const chosen = options.find((p) => p.id === chosenId(settings, kind)) ?? options[0];
        const refusal = chosen ? offlineChoice(chosen, settings) : undefined;
        const missing = models ? missingLocalModels(settings, providers, models, [kind]) : [];
        return (
          <fieldset key={kind} className="settings-section">
            <legend>{label}</legend>
            <ProviderSelect
              options={options}
              settings={settings}
              help={help}
              value={chosen?.id ?? ''}
              problem={refusal && !refusal.allowed ? `${refusal.reason}. Choose a local provider for this stage.` : undefined}
              onChange={(id) => update((d) => choose(d, kind, id))}
            />
            <MissingModels missing={missing} onOpenModels={openModels} />
            {chosen && (
              <>
                {chosen.keyName && keys && <KeyField api={api} name={chosen.keyName} label={KEY_LABELS[chosen.keyName]} status={keys[chosen.keyName]} onStatus={setKeys} />}
                <SchemaForm
                  key={chosen.id}
                  schema={chosen.settingsSchema}
                  provider={chosen}
                  values={settings.providers[kind][chosen.id] ?? {}}
                  onChange={(values) => update((d) => void (d.providers[kind][chosen.id] = values))}
                  problems={fieldProblem?.kind === kind ? { [fieldProblem.field]: fieldProblem.text } : {}}
                />
                {kind === 's2s' && chosen.id === 'moshi' && (
                  <>
                    <div className="field">
                      <div className="field__check">
                        <input id="s2s-transcribe" type="checkbox" aria-describedby="s2s-transcribe-help" checked={settings.s2s.transcribeUser} onChange={(e) => update((d) => void (d.s2s.transcribeUser = e.target.checked))} />
                        <label htmlFor="s2s-transcribe">Transcribe what I say</label>
                      </div>
                      <p id="s2s-transcribe-help" className="field__help">
                        Moshi gives no transcript of your side: the speech recognition provider above writes it down.
                      </p>
                    </div>
                    <ServerLogs api={api} />
                  </>
                )}
              </>
            )}
          </fieldset>
        );
      })}
      <fieldset className="settings-section">
        <legend>Assistant</legend>
        <div className="field">
          <label htmlFor="system-prompt">System prompt</label>
          <textarea id="system-prompt" rows={3} aria-describedby="system-prompt-help" value={settings.systemPrompt} onChange={(e) => update((d) => void (d.systemPrompt = e.target.value))} />
          <p id="system-prompt-help" className="field__help">
            What the assistant is told before every conversation: its role, tone and how long its answers should be.
          </p>
        </div>
        <div className="field">
          <div className="field__check">
            <input id="tools" type="checkbox" aria-describedby="tools-help" checked={settings.toolsEnabled} onChange={(e) => update((d) => void (d.toolsEnabled = e.target.checked))} />
            <label htmlFor="tools">Let the assistant use tools</label>
          </div>
          <p id="tools-help" className="field__help">
            Telling the time, setting timers and calculating, on this computer.
          </p>
        </div>
      </fieldset>
      <TurnTakingFields settings={settings} update={update} problems={problems} attempt={refused} onInvalid={refuse} />
      <AudioFields settings={settings} update={update} />
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
      {keys && otherKeys.length > 0 && (
        <fieldset className="settings-section">
          <legend>Keys</legend>
          <p className="field__help">The keys of the providers chosen above are in their sections. Keys for other services, to have them ready:</p>
          {otherKeys.map((name) => (
            <KeyField key={name} api={api} name={name} label={KEY_LABELS[name]} status={keys[name]} onStatus={setKeys} />
          ))}
        </fieldset>
      )}
      <fieldset className="settings-section">
        <legend>Shortcuts</legend>
        <ShortcutField
          label="Push-to-talk shortcut"
          help="In the desktop app this works in any app: press it to talk, press it again to send."
          value={settings.pushToTalkShortcut}
          defaultValue={DEFAULT_SHORTCUT}
          onChange={(accelerator) => update((d) => void (d.pushToTalkShortcut = accelerator))}
        />
      </fieldset>
      <div className="settings-savebar" data-testid="settings-savebar">
        <span className={dirty ? 'settings-savebar__dirty' : 'settings-savebar__clean'} data-testid="settings-dirty">
          {dirty ? 'Unsaved changes' : 'No unsaved changes'}
        </span>
        <span role="status" className={status?.kind === 'error' ? 'status__error settings-savebar__status' : 'settings-savebar__status'}>
          {status?.text}
        </span>
        <span className="settings-savebar__actions">
          {dirty && (
            <button type="button" onClick={discard}>
              Discard changes
            </button>
          )}
          <button type="submit" className="settings-primary">
            Save settings
          </button>
        </span>
      </div>
      {leaving && <LeaveDialog onChoose={leaving} />}
    </form>
  );
}

/** Scrolls to a section (by its legend) and puts the focus on its first field. */
function jumpTo(form: HTMLFormElement | null, name: string) {
  const section = [...(form?.querySelectorAll('fieldset.settings-section') ?? [])].find((f) => f.querySelector(':scope > legend')?.textContent === name);
  if (!section) return;
  section.scrollIntoView({ block: 'start' });
  section.querySelector<HTMLElement>('input, select, textarea, button, summary')?.focus({ preventScroll: true });
}

/** Save / Discard / Stay, asked when leaving Settings with unsaved edits (Esc stays). */
function LeaveDialog({ onChoose }: { onChoose: (choice: LeaveChoice) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="settings-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onChoose('stay');
      }}
    >
      <h2 id={titleId}>Save your changes?</h2>
      <p>Some settings were changed and not saved yet.</p>
      <div className="settings-dialog__actions">
        <button type="button" autoFocus onClick={() => onChoose('stay')}>
          Stay
        </button>
        <button type="button" onClick={() => onChoose('discard')}>
          Discard
        </button>
        <button type="button" className="settings-primary" onClick={() => onChoose('save')}>
          Save
        </button>
      </div>
    </dialog>
  );
}

/** The providers of a stage; with offline mode on, those that would leave the machine are greyed out, with the reason. */
function ProviderSelect({ options, settings, help, value, problem, onChange }: { options: ProviderInfo[]; settings: Settings; help: string; value: string; problem: string | undefined; onChange: (id: string) => void }) {
  const id = useId();
  const problemId = useId();
  const helpId = useId();
  const refused = options.flatMap((p) => {
    const c = offlineChoice(p, settings);
    return c.allowed ? [] : [{ provider: p, reason: c.reason }];
  });
  return (
    <div className="field">
      <label htmlFor={id}>Provider</label>
      <select id={id} value={value} aria-invalid={problem ? true : undefined} aria-describedby={problem ? `${problemId} ${helpId}` : helpId} onChange={(e) => onChange(e.target.value)}>
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
      <p id={helpId} className="field__help">
        {help}
      </p>
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
        <input id={id} type="password" autoComplete="off" aria-describedby={`${id}-help`} value={value} placeholder={status === 'set' ? '•••••••• (saved)' : 'paste your key'} onChange={(e) => setValue(e.target.value)} />
        <button type="button" disabled={value.trim().length < 8} onClick={() => void saveKey()}>
          Save key
        </button>
        <button type="button" disabled={status === 'not-set'} onClick={() => void testKey()}>
          Test
        </button>
      </div>
      <p id={`${id}-help`} className="field__help">
        The key from your {label} account. It goes to the engine and is only ever sent to {label}; Test checks that it works.
      </p>
      <p aria-live="polite" className={(result && !result.ok) || (!result && status === 'wrong-host') ? 'status__error settings-key-result' : 'settings-key-result'}>
        {result?.text ?? (status === 'wrong-host' ? `The saved ${label} key is for another address than this provider now uses, so it is not sent there. Enter the key again to use it here.` : undefined)}
      </p>

    </div>
  );
}
