import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { ParleyError, describeError } from '../errors.js';
import type { TranscriptEntry, TranscriptLog } from '../events/transcript.js';
import { PRIVATE_FILE_MODE, makePrivateDir, tightenFile } from '../private-files.js';

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
