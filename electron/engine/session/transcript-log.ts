import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { ParleyError, describeError } from '../errors.js';
import { PRIVATE_FILE_MODE, makePrivateDir, tightenFile } from '../private-files.js';

/** One line of the per-session JSONL log: the transcript and each turn's latency, as they happen. */
export type TranscriptEntry =
  | { kind: 'session-start'; at: string; providers: Record<string, string> }
  | { kind: 'user'; turnId: number; at: string; text: string }
  | { kind: 'assistant'; turnId: number; at: string; text: string; interrupted: boolean }
  | { kind: 'tool'; turnId: number; at: string; name: string; arguments: unknown; ok: boolean; result: string }
  | { kind: 'latency'; turnId: number; at: string; spans: Record<string, number>; voiceToVoiceMs?: number }
  | { kind: 'error'; turnId?: number; at: string; stage: string; code: string; message: string };

export interface TranscriptLog {
  write(entry: TranscriptEntry): void;
  /** Resolves when every entry so far is on disk. */
  flush(): Promise<void>;
}

/**
 * Appends JSON lines to a file, in order, never blocking the caller. A write failure is reported
 * once, not thrown. What people said is private: a folder it creates is 0700, the file 0600 (an
 * existing file is tightened on open).
 */
export class JsonlTranscriptLog implements TranscriptLog {
  private chain: Promise<void>;
  private failed = false;

  constructor(
    readonly file: string,
    private readonly onError: (e: ParleyError) => void = () => {},
  ) {
    this.chain = makePrivateDir(path.dirname(file)).then(
      () => tightenFile(file),
      (e) => this.fail(e),
    );
  }

  write(entry: TranscriptEntry): void {
    const line = JSON.stringify(entry) + '\n';
    this.chain = this.chain.then(() => (this.failed ? undefined : appendFile(this.file, line, { mode: PRIVATE_FILE_MODE }).catch((e) => this.fail(e))));
  }

  flush(): Promise<void> {
    return this.chain;
  }

  private fail(e: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const why = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'disk full' : describeError(e);
    this.onError(new ParleyError('file/write-failed', `cannot write the session log ${this.file}: ${why}`, { cause: e }));
  }
}

/** Keeps entries in memory (tests, and callers that only want the events). */
export class MemoryTranscriptLog implements TranscriptLog {
  readonly entries: TranscriptEntry[] = [];
  write(entry: TranscriptEntry): void {
    this.entries.push(entry);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}
