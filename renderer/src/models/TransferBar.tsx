import type { TransferStatus } from '../../../electron/shared/models';
import { transferPercent, transferText } from './model';

/** A download's progress bar (aria-valuenow when the total is known), its line of text, pause, resume and cancel. */
export function TransferBar({ name, transfer: t, onPause, onResume, onCancel }: { name: string; transfer: TransferStatus; onPause: () => Promise<boolean>; onResume: () => Promise<boolean>; onCancel: () => Promise<boolean> }) {
  const percent = transferPercent(t);
  const text = transferText(t);
  return (
    <div className="transfer">
      <div
        className="transfer__bar"
        role="progressbar"
        aria-label={`Download of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        {...(percent !== undefined ? { 'aria-valuenow': percent } : {})}
        aria-valuetext={percent !== undefined ? `${percent}%, ${text}` : text}
      >
        <div className="transfer__fill" style={{ width: `${percent ?? 0}%` }} />
      </div>
      <span className="transfer__text" aria-live="off">
        {text}
      </span>
      <span className="model__actions">
        {t.pausable && t.state !== 'unpacking' &&
          (t.state === 'paused' ? (
            <button type="button" aria-label={`Resume ${name}`} onClick={() => void onResume()}>
              Resume
            </button>
          ) : (
            <button type="button" aria-label={`Pause ${name}`} onClick={() => void onPause()}>
              Pause
            </button>
          ))}
        {t.state !== 'unpacking' && (
          <button type="button" aria-label={`Cancel ${name}`} onClick={() => void onCancel()}>
            Cancel
          </button>
        )}
      </span>
    </div>
  );
}

/** Imports that are not (yet) in the list: a download from a mirror under a new id. */
