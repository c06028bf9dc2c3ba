import { useEffect, useId, useState } from 'react';
import { create } from 'zustand';
import { KEY_LABELS, type EngineInfo, type KeyName, type KeyStatuses, type ParleyApi, type ProviderInfo } from '../../electron/shared/ipc';
import type { ModelEntry } from '../../electron/shared/models';
import type { Settings } from '../../electron/shared/settings';
import { useLiveStore } from './conversation/store';
import { FIRST_RUN_DONE_KEY, conversationWorked, guideMode, keyDetailsText, keyNeed, keyStep, keyStorageText, localSetup, missingKeys, type KeyTest } from './onboarding-model';
import './onboarding.css';

/** Whether the guide is showing (the conversation puts it where the transcript goes only then). */
export const useGuideShown = create<{ shown: boolean }>(() => ({ shown: false }));

export interface Setup {
  settings: Settings;
  providers: ProviderInfo[];
  keys: KeyStatuses;
}

const storedDone = () => {
  try {
    return globalThis.localStorage?.getItem(FIRST_RUN_DONE_KEY) === 'yes';
  } catch {
    return false;
  }
};
const storeDone = () => {
  try {
    globalThis.localStorage?.setItem(FIRST_RUN_DONE_KEY, 'yes');
  } catch {
    // No storage (private mode): the guide then shows again next time; nothing else depends on it.
  }
};

/**
 * First run: get to a working conversation. With the local models installed, one button moves every
 * stage to them; otherwise one service's key, step by step, with its Test. Renders nothing once
 * dismissed, once a conversation worked, or when nothing is missing.
 */
export function Onboarding({ api, setup, keyStorage, onSetup, onOpenSettings }: { api: ParleyApi; setup: Setup; keyStorage: EngineInfo['keyStorage']; onSetup: (setup: Setup) => void; onOpenSettings: () => void }) {
  const [done, setDone] = useState(storedDone);
  // The guide was shown in this visit: it stays for its last step even once no key is missing.
  const [engaged, setEngaged] = useState(false);
  // Started from the guide: hidden for this visit (it shows again only if keys are missing again).
  const [closed, setClosed] = useState(false);
  const [models, setModels] = useState<ModelEntry[] | undefined>();
  const worked = useLiveStore((s) => conversationWorked(s.view.turns));
  const missing = missingKeys(setup.settings, setup.providers, setup.keys);

  useEffect(() => {
    void api
      .listModels()
      .then((l) => setModels(l.models))
      // No model manager answer: the key walk-through still works.
      .catch(() => setModels([]));
  }, [api]);
  useEffect(() => {
    if (worked && !done) {
      storeDone();
      setDone(true);
    }
  }, [worked, done]);

  const local = models ? localSetup(setup.settings, setup.providers, models) : undefined;
  const mode = models === undefined ? 'hidden' : guideMode({ done: done || closed, engaged, missing, local });
  if (mode !== 'hidden' && !engaged) setEngaged(true);
  useEffect(() => {
    useGuideShown.setState({ shown: mode !== 'hidden' });
    return () => useGuideShown.setState({ shown: false });
  }, [mode]);
  if (mode === 'hidden') return null;
  const dismiss = () => {
    storeDone();
    setDone(true);
  };

  return (
    <section className="onboarding" aria-labelledby="onboarding-title">
      <div className="onboarding__head">
        <h2 id="onboarding-title">Welcome to Parley</h2>
        <button type="button" className="onboarding__dismiss" onClick={dismiss}>
          Not now
        </button>
      </div>
      <p>Parley listens, thinks and answers out loud. {missing.length > 0 ? `To start, it needs ${missing.map(keyNeed).join(' and ')}${mode === 'local' ? ', or the models on this computer' : ''}.` : 'Everything it needs is set.'}</p>
      {mode === 'local' && local && <LocalOffer api={api} setup={setup} switched={local.switched} next={local.settings} onSetup={onSetup} onUsed={() => setClosed(true)} />}
      <KeyWalkthrough api={api} setup={setup} keyStorage={keyStorage} onSetup={onSetup} onStart={() => setClosed(true)} highlighted={mode === 'keys'} />
      <p className="onboarding__more">
        Other services and options:{' '}
        <button type="button" className="onboarding__link" onClick={onOpenSettings}>
          open the settings
        </button>
        .
      </p>
    </section>
  );
}

function LocalOffer({ api, setup, switched, next, onSetup, onUsed }: { api: ParleyApi; setup: Setup; switched: string[]; next: Settings; onSetup: (setup: Setup) => void; onUsed: () => void }) {
  const [error, setError] = useState<string | undefined>();
  const use = async () => {
    try {
      const settings = await api.updateSettings(next);
      // Saved: nothing is missing any more; the conversation view takes over.
      onUsed();
      onSetup({ ...setup, settings });
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="onboarding__local">
      <p>The models this needs are installed: everything can run on this computer, without a key.</p>
      <ul aria-label="What changes">
        {switched.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      <button type="button" className="onboarding__primary" onClick={() => void use()}>
        Use the models on this computer
      </button>
      {error && (
        <p role="alert" className="status__error">
          {error}
        </p>
      )}
    </div>
  );
}

/** One service's key: pick it, paste the key, test it, then start (or on to the next service). */
function KeyWalkthrough({ api, setup, keyStorage, onSetup, onStart, highlighted }: { api: ParleyApi; setup: Setup; keyStorage: EngineInfo['keyStorage']; onSetup: (setup: Setup) => void; onStart: () => void; highlighted: boolean }) {
  const inputId = useId();
  const missing = missingKeys(setup.settings, setup.providers, setup.keys);
  const [picked, setPicked] = useState<KeyName | undefined>(missing.length === 1 ? missing[0]?.name : undefined);
  const [value, setValue] = useState('');
  const [saved, setSaved] = useState(false);
  const [test, setTest] = useState<KeyTest>({ state: 'idle' });
  // The key is set once it passed: the setup then no longer lists it, but the step stays "start".
  const [passed, setPassed] = useState<KeyName | undefined>();
  const listed = passed && passed === picked && !missing.some((m) => m.name === passed) ? [...missing, { name: passed, label: KEY_LABELS[passed], uses: [] }] : missing;
  const step = keyStep(listed, picked, saved, test);
  const start = useLiveStore((s) => s.start);

  const pick = (name: KeyName) => {
    setPicked(name);
    setValue('');
    setSaved(false);
    setTest({ state: 'idle' });
  };
  const saveAndTest = async () => {
    if (!step.service) return;
    const name = step.service.name;
    setTest({ state: 'testing' });
    try {
      await api.setKey(name, value.trim());
      setSaved(true);
      setValue('');
      const r = await api.testKey(name);
      if (!r.ok) return setTest({ state: 'failed', message: r.error.message });
      setTest({ state: 'passed' });
      setPassed(name);
      onSetup({ ...setup, keys: await api.keyStatus() });
    } catch (e) {
      setTest({ state: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  };
  const remaining = missing.filter((m) => m.name !== step.service?.name);

  return (
    <div className={highlighted ? 'onboarding__keys' : 'onboarding__keys onboarding__keys--secondary'}>
      <h3>{highlighted ? 'Set up a service' : 'Or use a cloud service'}</h3>
      <p className="onboarding__hint">{keyStorageText(keyStorage)}</p>
      <fieldset className="onboarding__pick">
        <legend>1. Pick a service</legend>
        {listed.map((m) => (
          <label key={m.name} className="onboarding__choice">
            <input type="radio" name="onboarding-service" checked={picked === m.name} onChange={() => pick(m.name)} />
            {m.label}
            {m.uses.length > 0 && <span className="onboarding__uses"> (for {m.uses.join(', ')})</span>}
          </label>
        ))}
      </fieldset>
      {step.service && (
        <form
          className="onboarding__paste"
          onSubmit={(e) => {
            e.preventDefault();
            void saveAndTest();
          }}
        >
          <label htmlFor={inputId}>2. Paste your {step.service.label} key</label>
          <div className="onboarding__row">
            <input id={inputId} type="password" autoComplete="off" value={value} placeholder={saved ? '•••••••• (saved)' : 'paste your key'} onChange={(e) => setValue(e.target.value)} />
            <button type="submit" disabled={value.trim().length < 8 || test.state === 'testing'}>
              Test
            </button>
          </div>
          <p aria-live="polite" className={test.state === 'failed' ? 'status__error' : test.state === 'passed' ? 'onboarding__ok' : undefined}>
            {test.state === 'testing' ? 'Testing…' : test.state === 'passed' ? `3. The ${step.service.label} key works.` : test.state === 'failed' ? test.message : ''}
          </p>
        </form>
      )}
      {step.step === 'start' &&
        (remaining.length === 0 ? (
          <button type="button" className="onboarding__primary" onClick={() => {
              // Started from here, the guide's work is done (the conversation view takes over).
              onStart();
              void start();
            }}
          >
            Start talking
          </button>
        ) : (
          <p role="status">Next: {remaining.map(keyNeed).join(' and ')}. Pick it above.</p>
        ))}
      <details className="onboarding__details">
        <summary>Details</summary>
        <p>{keyDetailsText(missing)}</p>
      </details>
    </div>
  );
}
