import type { ErrorInfo } from '../../shared/errors.js';
import type { ModelActionResult, ModelImportRequest, TransferStatus } from '../../shared/models.js';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError, isAbort, toErrorInfo } from '../errors.js';
import type { ModelDownload } from './download.js';
import { importedModelId, type ModelStore, type TransferOptions } from './store.js';

interface Transfer {
  status: TransferStatus;
  /** When bytes last arrived (the clock's ms). */
  lastProgressAt: number;
  controller: AbortController;
  download?: ModelDownload;
  /** Settles (never rejects) when the transfer is over: done, failed or cancelled. */
  finished: Promise<void>;
}

const OVER: readonly TransferStatus['state'][] = ['done', 'failed', 'cancelled'];
/** No byte for this long: the speed the download last had is no longer true (a stalled connection). */
export const STALLED_AFTER_MS = 3000;

/**
 * The downloads and imports the UI started, one per model at a time: each runs in the background
 * while the UI polls their status, and can be paused, resumed (an HTTP Range request) and
 * cancelled (nothing stays behind). A transfer refused before it starts (no checksum, an unknown
 * model, a file that is not there) is answered as the refusal, not listed; one that fails later
 * (a mirror that cannot be reached, a wrong checksum) is listed as failed with its error.
 */
export class ModelTransfers {
  private readonly transfers = new Map<string, Transfer>();

  constructor(
    private readonly store: Pick<ModelStore, 'pull' | 'import'>,
    private readonly clock: Clock = systemClock,
  ) {}

  list(): TransferStatus[] {
    const now = this.clock.now();
    return [...this.transfers.values()].map((t) => (t.status.state === 'downloading' && now - t.lastProgressAt > STALLED_AFTER_MS ? { ...t.status, bytesPerSecond: 0, etaSeconds: null } : { ...t.status }));
  }

  /** Whether a transfer of this model is running (or paused). */
  active(id: string): boolean {
    const t = this.transfers.get(id);
    return t !== undefined && !OVER.includes(t.status.state);
  }

  pull(id: string, sha256?: string): Promise<ModelActionResult> {
    return this.start(id, 'pull', (o) => this.store.pull(id, { ...o, ...(sha256 ? { sha256 } : {}) }));
  }

  import(request: ModelImportRequest): Promise<ModelActionResult> {
    let id: string;
    try {
      id = importedModelId(request.source, request.id);
    } catch (e) {
      return Promise.resolve({ ok: false, error: toErrorInfo(e, 'model/invalid-request') });
    }
    const { source, task } = request;
    return this.start(id, 'import', (o) => this.store.import(source, { ...o, task, ...(request.id ? { id: request.id } : {}), ...(request.sha256 ? { sha256: request.sha256 } : {}) }));
  }

  pause(id: string): ModelActionResult {
    const t = this.running(id);
    if (!t.ok) return t;
    if (!t.transfer.download) return refused('model/invalid-request', `${id} is copied from a file on this machine: it cannot be paused, only cancelled`);
    t.transfer.download.pause();
    t.transfer.status.state = 'paused';
    return { ok: true };
  }

  resume(id: string): ModelActionResult {
    const t = this.running(id);
    if (!t.ok) return t;
    if (!t.transfer.download?.paused) return { ok: true };
    t.transfer.download.resume();
    t.transfer.status = { ...t.transfer.status, state: 'connecting', bytesPerSecond: 0, etaSeconds: null };
    return { ok: true };
  }

  /** Stops it and deletes what was downloaded; answers once nothing is left behind. */
  async cancel(id: string): Promise<ModelActionResult> {
    const t = this.running(id);
    if (!t.ok) return t;
    t.transfer.controller.abort();
    await t.transfer.finished;
    return { ok: true };
  }

  /** Cancels every transfer (the engine stops). */
  async stop(): Promise<void> {
    for (const t of this.transfers.values()) t.controller.abort();
    await Promise.all([...this.transfers.values()].map((t) => t.finished));
  }

  private running(id: string): { ok: true; transfer: Transfer } | { ok: false; error: ErrorInfo } {
    const transfer = this.transfers.get(id);
    if (!transfer || OVER.includes(transfer.status.state)) return refused('model/invalid-request', `${id} is not being downloaded`);
    return { ok: true, transfer };
  }

  private async start(id: string, kind: TransferStatus['kind'], run: (o: TransferOptions) => Promise<unknown>): Promise<ModelActionResult> {
    if (this.active(id)) return refused('model/invalid-request', `${id} is already being downloaded`);
    const controller = new AbortController();
    let began!: () => void;
    const started = new Promise<void>((resolve) => (began = resolve));
    const status: TransferStatus = { id, kind, state: 'connecting', receivedBytes: 0, totalBytes: null, bytesPerSecond: 0, etaSeconds: null, pausable: false };
    const transfer: Transfer = { status, controller, finished: Promise.resolve(), lastProgressAt: this.clock.now() };
    const options: TransferOptions = {
      signal: controller.signal,
      onStart: (download) => {
        transfer.download = download;
        transfer.status.pausable = true;
        began();
      },
      onProgress: (p) => {
        // A pause asked for wins over bytes still arriving from the closing connection.
        const state = transfer.download?.paused ? 'paused' : p.state;
        transfer.lastProgressAt = this.clock.now();
        transfer.status = { ...transfer.status, state, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, bytesPerSecond: Math.max(0, p.bytesPerSecond), etaSeconds: p.etaSeconds };
        began();
      },
      onUnpack: () => {
        transfer.status = { ...transfer.status, state: 'unpacking', pausable: false, bytesPerSecond: 0, etaSeconds: null };
      },
    };
    this.transfers.set(id, transfer);
    let outcome: Promise<void>;
    try {
      outcome = run(options).then(
        () => {
          const total = transfer.status.totalBytes ?? transfer.status.receivedBytes;
          transfer.status = { ...transfer.status, state: 'done', receivedBytes: total, totalBytes: total, bytesPerSecond: 0, etaSeconds: 0, pausable: false };
        },
        (e: unknown) => {
          const cancelled = isAbort(e) || controller.signal.aborted;
          transfer.status = { ...transfer.status, state: cancelled ? 'cancelled' : 'failed', bytesPerSecond: 0, etaSeconds: null, pausable: false, ...(cancelled ? {} : { error: toErrorInfo(e, 'model/download-failed') }) };
        },
      );
    } catch (e) {
      outcome = Promise.resolve();
      transfer.status = { ...transfer.status, state: 'failed', error: toErrorInfo(e, 'model/download-failed') };
    }
    transfer.finished = outcome;
    await Promise.race([started, outcome]);
    if (transfer.status.state === 'failed' && !transfer.download && transfer.status.receivedBytes === 0) {
      // Refused before it began: the answer says why; nothing to list.
      this.transfers.delete(id);
      return { ok: false, error: transfer.status.error ?? toErrorInfo(new ParleyError('model/download-failed', `${id} could not be downloaded`)) };
    }
    return { ok: true };
  }
}

function refused(code: ErrorInfo['code'], message: string): { ok: false; error: ErrorInfo } {
  return { ok: false, error: { code, message } };
}
