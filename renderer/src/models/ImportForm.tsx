import { useId, useState } from 'react';
import type { ModelActionResult, ModelImportRequest, ModelTaskName } from '../../../electron/shared/models';
import { TASK_LABELS, modelErrorText } from './model';

const TASKS: ModelTaskName[] = ['stt', 'llm', 'tts', 'turn', 'vad'];

/** Import from a mirror (an http(s) URL) or a file or folder on the engine's machine (air-gapped machines). */
export function ImportForm({ onImport }: { onImport: (request: ModelImportRequest) => Promise<ModelActionResult> }) {
  const ids = { source: useId(), task: useId(), id: useId(), sha: useId(), help: useId() };
  const [source, setSource] = useState('');
  const [task, setTask] = useState<ModelTaskName>('llm');
  const [id, setId] = useState('');
  const [sha256, setSha256] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();
  const shaProblem = sha256 !== '' && !/^[0-9a-fA-F]{64}$/.test(sha256) ? 'A sha256 is 64 hexadecimal digits.' : undefined;
  const idProblem = id !== '' && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id) ? 'Letters, digits, dots, dashes and underscores only, starting with a letter or digit.' : undefined;
  return (
    <form
      className="models__import"
      aria-labelledby={`${ids.help}-title`}
      onSubmit={(e) => {
        e.preventDefault();
        if (shaProblem || idProblem || !source.trim()) return;
        setStatus({ ok: true, text: 'Starting…' });
        void onImport({ source: source.trim(), task, ...(id ? { id } : {}), ...(sha256 ? { sha256 } : {}) }).then((r) =>
          setStatus(r.ok ? { ok: true, text: `Import of ${source.trim()} started.` } : { ok: false, text: modelErrorText(r.error) }),
        );
      }}
    >
      <h3 id={`${ids.help}-title`}>Import a model</h3>
      <p id={ids.help} className="field__help">
        From a mirror (an http:// or https:// address) or a file or folder on this machine. With a checksum the file is verified; without one, its checksum is recorded.
      </p>
      <div className="field">
        <label htmlFor={ids.source}>Address or path</label>
        <input id={ids.source} value={source} required spellCheck={false} aria-describedby={ids.help} placeholder="https://mirror.example/model.gguf or /path/to/model" onChange={(e) => setSource(e.target.value)} />
      </div>
      <div className="models__import-row">
        <div className="field">
          <label htmlFor={ids.task}>Task</label>
          <select id={ids.task} value={task} onChange={(e) => setTask(e.target.value as ModelTaskName)}>
            {TASKS.map((t) => (
              <option key={t} value={t}>
                {TASK_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.id}>Id (optional)</label>
          <input id={ids.id} value={id} spellCheck={false} aria-invalid={idProblem ? true : undefined} onChange={(e) => setId(e.target.value.trim())} placeholder="from the file name" />
          {idProblem && <p className="field__problem">{idProblem}</p>}
        </div>
      </div>
      <div className="field">
        <label htmlFor={ids.sha}>Checksum, sha256 (optional)</label>
        <input id={ids.sha} value={sha256} spellCheck={false} autoComplete="off" aria-invalid={shaProblem ? true : undefined} onChange={(e) => setSha256(e.target.value.trim())} placeholder="64 hexadecimal digits" />
        {shaProblem && <p className="field__problem">{shaProblem}</p>}
      </div>
      <div className="settings__actions">
        <button type="submit" disabled={!source.trim() || Boolean(shaProblem || idProblem)}>
          Import
        </button>
        <span role="status" className={status && !status.ok ? 'status__error' : undefined}>
          {status?.text}
        </span>
      </div>
    </form>
  );
}
