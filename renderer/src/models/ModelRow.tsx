import { useEffect, useId, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../electron/shared/errors';
import type { ModelEntry, TransferStatus } from '../../../electron/shared/models';
import { formatBytes, isRunning, memoryText, modelErrorText, sizeText } from './model';
import { TransferBar } from './TransferBar';

interface RowProps {
  model: ModelEntry;
  transfer: TransferStatus | undefined;
  error: ErrorInfo | undefined;
  onPull: (sha256?: string) => Promise<boolean>;
  onPause: () => Promise<boolean>;
  onResume: () => Promise<boolean>;
  onCancel: () => Promise<boolean>;
  onRemove: () => Promise<void>;
}

/** One catalog (or imported) model: what it is, its state, its download, install and delete. */
export function ModelRow({ model: m, transfer, error, onPull, onPause, onResume, onCancel, onRemove }: RowProps) {
  const [confirming, setConfirming] = useState(false);
  const [sha, setSha] = useState('');
  const shaId = useId();
  const nameId = useId();
  const confirmRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  // Keyboard users land on the question, and back on "Delete…" when they keep the model.
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
    else if (asked.current) deleteRef.current?.focus();
    asked.current = confirming;
  }, [confirming]);
  const active = transfer && isRunning(transfer);
  // The catalog cannot vouch for this file: the user's checksum from the publisher is asked for once refused for it.
  const askSha = m.sha256 === null && !m.installed && (error?.code === 'model/checksum-unknown' || sha !== '');
  const failed = transfer?.state === 'failed' ? transfer.error : undefined;
  const shown = error ?? failed;
  return (
    <li className="model" aria-labelledby={nameId}>
      <div className="model__head">
        <span id={nameId} className="model__name">
          {m.name}
        </span>
        <span className={`tag ${m.installed ? 'tag--ok' : ''}`}>{m.bundled ? 'Bundled' : m.installed ? 'Installed' : 'Not installed'}</span>
      </div>
      <p className="model__facts">
        <code>{m.id}</code> · {m.installed && m.diskBytes !== null ? `${formatBytes(m.diskBytes)} on disk` : sizeText(m)} · {memoryText(m)} · licence {m.license}
        {m.languages.length > 0 && ` · ${m.languages.join(', ')}`}
      </p>
      {m.notes && <p className="model__notes">{m.notes}</p>}
      {transfer && active && <TransferBar name={m.name} transfer={transfer} onPause={onPause} onResume={onResume} onCancel={onCancel} />}
      {shown && (
        <p className="field__problem" role="alert">
          {modelErrorText(shown, m.name)}
        </p>
      )}
      {askSha && (
        <div className="field">
          <label htmlFor={shaId}>Checksum (sha256 from the publisher) for {m.name}</label>
          <input id={shaId} value={sha} spellCheck={false} autoComplete="off" onChange={(e) => setSha(e.target.value.trim())} placeholder="64 hexadecimal digits" />
        </div>
      )}
      {!active && !m.bundled && (
        <div className="model__actions">
          {!m.installed && (
            <button type="button" aria-label={`Install ${m.name}`} disabled={askSha && !/^[0-9a-fA-F]{64}$/.test(sha)} onClick={() => void onPull(askSha ? sha : undefined)}>
              Install{m.sizeBytes !== null ? ` (${formatBytes(m.sizeBytes)})` : ''}
            </button>
          )}
          {m.installed &&
            (confirming ? (
              <span role="group" aria-label={`Confirm deleting ${m.name}`} className="model__confirm" onKeyDown={(e) => e.key === 'Escape' && setConfirming(false)}>
                Delete {m.name}{m.diskBytes !== null ? ` (${formatBytes(m.diskBytes)})` : ''}?{' '}
                <button ref={confirmRef} type="button" className="danger" onClick={() => void onRemove().then(() => setConfirming(false))}>
                  Delete
                </button>{' '}
                <button type="button" onClick={() => setConfirming(false)}>
                  Keep
                </button>
              </span>
            ) : (
              <button ref={deleteRef} type="button" aria-label={`Delete ${m.name}`} onClick={() => setConfirming(true)}>
                Delete…
              </button>
            ))}
        </div>
      )}
    </li>
  );
}
