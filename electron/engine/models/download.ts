import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.js';
import { ParleyError, abortError, isAbort } from '../errors.js';
import { abortableSleep } from '../util/abort.js';
import { formatBytes } from '../../shared/format.js';

export interface DownloadProgress {
  receivedBytes: number;
  /** null when the server does not say. */
  totalBytes: number | null;
  /** Over the last few seconds. */
  bytesPerSecond: number;
  /** null while the speed or the total is unknown. */
  etaSeconds: number | null;
  state: 'downloading' | 'paused' | 'retrying';
}

export interface DownloadOptions {
  url: string;
  /** Where bytes land while downloading; kept when paused or interrupted so the next run resumes. */
  partPath: string;
  /** Verified while streaming; a mismatch deletes the .part file. */
  expectedSha256?: string | null;
  /** From the catalog, for the disk-space check before the first byte. */
  expectedSize?: number | null;
  clock: Clock;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Reconnections allowed for the whole download (not per connection). Default 5. */
  maxRetries?: number;
  /** Wait before reconnecting (tests pass one that returns at once). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
  /** Free bytes where the file goes (tests simulate a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Extra room needed beyond the download itself (an archive is unpacked next to it). */
  extraSpaceFactor?: number;
  log?: (message: string) => void;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  bytes: number;
}

const SPEED_WINDOW_MS = 5000;

async function defaultFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

function redacted(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

class Retryable extends Error {}

/** Errors that say the host cannot be reached at all (no network, wrong name, nothing listening). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * One download into a .part file: resumes with HTTP Range after a dropped connection (a bounded
 * number of times for the whole download) and after pause(); hashes while streaming; cancel
 * (the signal) deletes the .part file, as does a wrong checksum.
 */
export class ModelDownload {
  private pausedWaiter: { promise: Promise<void>; resolve: () => void } | undefined;
  private connection: AbortController | undefined;
  /** The current connection was closed by pause() (resume() may come before its error surfaces). */
  private closedByPause = false;
  /** A server answered once: from then on a failure to connect is a drop to resume after, not a wrong address. */
  private answered = false;
  private readonly samples: { at: number; bytes: number }[] = [];
  private received = 0;
  private total: number | null = null;
  private hash: Hash = createHash('sha256');
  readonly done: Promise<DownloadResult>;

  constructor(private readonly options: DownloadOptions) {
    this.done = this.run();
    this.done.catch(() => {}); // the caller awaits `done`; never an unhandled rejection meanwhile
  }

  get paused(): boolean {
    return this.pausedWaiter !== undefined;
  }

  /** Stops receiving (closes the connection) and keeps the bytes so far. */
  pause(): void {
    if (this.pausedWaiter) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.pausedWaiter = { promise, resolve };
    if (this.connection) {
      this.closedByPause = true;
      this.connection.abort();
    }
    this.emit('paused');
  }

  /** Continues from where it paused (a Range request). */
  resume(): void {
    const w = this.pausedWaiter;
    this.pausedWaiter = undefined;
    w?.resolve();
  }

  private emit(state: DownloadProgress['state']): void {
    const now = this.options.clock.now();
    this.samples.push({ at: now, bytes: this.received });
    while (this.samples.length > 2 && now - this.samples[0]!.at > SPEED_WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (now - first.at) / 1000;
    const bytesPerSecond = dt > 0 ? (this.received - first.bytes) / dt : 0;
    const etaSeconds = this.total !== null && bytesPerSecond > 0 ? Math.max(0, (this.total - this.received) / bytesPerSecond) : null;
    this.options.onProgress?.({ receivedBytes: this.received, totalBytes: this.total, bytesPerSecond, etaSeconds, state });
  }

  private async run(): Promise<DownloadResult> {
    const options = this.options;
    const signal = options.signal;
    const maxRetries = options.maxRetries ?? 5;
    const sleep = options.sleep ?? abortableSleep;
    const doFetch = options.fetch ?? fetch;
    await mkdir(path.dirname(options.partPath), { recursive: true });
    // A .part file from an interrupted run: hash what is there and continue after it.
    this.received = await hashExisting(options.partPath, this.hash);
    let retries = 0;
    let spaceChecked = false;
    try {
      for (;;) {
        if (signal?.aborted) throw abortError();
        if (this.pausedWaiter) await untilResumedOrAborted(this.pausedWaiter.promise, signal);
        try {
          this.closedByPause = false;
          const complete = await this.connect(doFetch, spaceChecked);
          spaceChecked = true;
          if (complete) break;
        } catch (e) {
          if (signal?.aborted) throw abortError();
          if (this.closedByPause) {
            this.closedByPause = false; // our own pause closed the connection: not a fault
            continue;
          }
          if (!(e instanceof Retryable)) throw e;
          if (++retries > maxRetries) throw new ParleyError('model/download-failed', `download of ${redacted(options.url)} failed after ${maxRetries} reconnections: ${e.message}`);
          options.log?.(`connection lost at ${this.received} bytes (${e.message}); resuming (${retries}/${maxRetries})`);
          this.emit('retrying');
          await sleep(Math.min(8000, 500 * 2 ** (retries - 1)), signal);
        }
      }
      const sha256 = this.hash.digest('hex');
      if (options.expectedSha256 && sha256 !== options.expectedSha256.toLowerCase()) {
        await rm(options.partPath, { force: true });
        throw new ParleyError('model/checksum-mismatch', `the download from ${redacted(options.url)} has sha256 ${sha256}, expected ${options.expectedSha256.toLowerCase()}: it was deleted, nothing was installed`);
      }
      return { path: options.partPath, sha256, bytes: this.received };
    } catch (e) {
      // Cancelled: the user does not want it; nothing stays behind.
      if (isAbort(e) || signal?.aborted) {
        await rm(options.partPath, { force: true });
        throw abortError();
      }
      throw e;
    }
  }

  /** One connection: appends what it receives. True when the file is complete. */
  private async connect(doFetch: typeof fetch, spaceChecked: boolean): Promise<boolean> {
    const options = this.options;
    const connection = new AbortController();
    this.connection = connection;
    const onAbort = () => connection.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const offset = this.received;
      let response: Response;
      try {
        response = await doFetch(options.url, { signal: connection.signal, headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, redirect: 'follow' });
      } catch (e) {
        if (connection.signal.aborted) throw abortError();
        const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
        // Never reached (offline, a typo in a mirror's name): say so at once instead of retrying for seconds.
        if (!this.answered && cause?.code && UNREACHABLE.has(cause.code)) {
          throw new ParleyError('model/download-failed', `cannot reach ${redacted(options.url)} (${cause.code}${cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN' ? ': no network, or a wrong host name' : ''})`);
        }
        throw new Retryable((e as Error).message + (cause ? ` (${cause.message})` : ''));
      }
      this.answered = true;
      let append = offset > 0;
      if (response.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
        if (!range || Number(range[1]) !== offset) {
          await response.body?.cancel();
          throw new ParleyError('model/download-failed', `the server at ${redacted(options.url)} answered a resume with the wrong range (${response.headers.get('content-range') ?? 'none'})`);
        }
        this.total = range[3] === '*' ? null : Number(range[3]);
      } else if (response.status === 200) {
        // The server ignored the Range request: start over (the hash too).
        if (offset > 0) options.log?.('the server cannot resume; starting the download again');
        append = false;
        this.received = 0;
        this.hash = createHash('sha256');
        const length = response.headers.get('content-length');
        this.total = length !== null && /^\d+$/.test(length) ? Number(length) : null;
      } else if (response.status === 416 && offset > 0 && options.expectedSize === offset) {
        await response.body?.cancel();
        return true; // already complete
      } else {
        await response.body?.cancel();
        const what = `the server at ${redacted(options.url)} answered ${response.status} ${response.statusText}`.trim();
        if (response.status >= 500 || response.status === 429 || response.status === 408) throw new Retryable(what);
        throw new ParleyError('model/download-failed', what);
      }
      if (!spaceChecked) await this.checkSpace();
      if (options.expectedSize != null && this.total !== null && this.total !== options.expectedSize) {
        await response.body?.cancel();
        throw new ParleyError('model/download-failed', `the server at ${redacted(options.url)} offers ${this.total} bytes, the catalog expects ${options.expectedSize}: not downloaded`);
      }
      if (!response.body) throw new Retryable('empty response');
      const file = await open(options.partPath, append ? 'a' : 'w');
      try {
        const reader = response.body.getReader();
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (e) {
            if (connection.signal.aborted) throw abortError();
            throw new Retryable(`${(e as Error).message}${(e as { cause?: Error }).cause ? ` (${(e as { cause: Error }).cause.message})` : ''}`);
          }
          if (chunk.done) break;
          await file.write(chunk.value);
          this.hash.update(chunk.value);
          this.received += chunk.value.byteLength;
          const limit = this.total ?? options.expectedSize ?? null;
          if (limit !== null && this.received > limit) throw new ParleyError('model/download-failed', `the server at ${redacted(options.url)} sent more than the ${limit} bytes it announced`);
          this.emit('downloading');
        }
      } finally {
        await file.close();
      }
      if (this.total !== null && this.received < this.total) throw new Retryable(`the connection closed at ${this.received} of ${this.total} bytes`);
      return true;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (this.connection === connection) this.connection = undefined;
    }
  }

  private async checkSpace(): Promise<void> {
    const options = this.options;
    const size = this.total ?? options.expectedSize ?? null;
    if (size === null) return;
    const need = Math.ceil((size - this.received) * (options.extraSpaceFactor ?? 1));
    const free = await (options.freeBytes ?? defaultFreeBytes)(path.dirname(options.partPath));
    if (free < need) {
      throw new ParleyError('model/disk-full', `not enough disk space: ${formatBytes(need)} needed in ${path.dirname(options.partPath)}, ${formatBytes(free)} free`);
    }
  }
}

function untilResumedOrAborted(resumed: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return resumed;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    void resumed.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

async function hashExisting(file: string, hash: Hash): Promise<number> {
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile() || st.size === 0) return 0;
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return st.size;
}

