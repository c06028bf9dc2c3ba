import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlTranscriptLog } from '../../../../electron/engine/session/transcript-log.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'parley-log-'));
const at = '2026-11-24T10:00:00.000Z';

describe('JsonlTranscriptLog file permissions', () => {
  it('creates its folder 0700 and the log 0600 (transcripts are private)', async () => {
    const dir = path.join(tmp(), 'data');
    const file = path.join(dir, 'transcripts.jsonl');
    const log = new JsonlTranscriptLog(file);
    log.write({ kind: 'user', turnId: 1, at, text: 'my bank password is hunter2' });
    await log.flush();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('tightens a log an older version left readable by everyone, and keeps its lines', async () => {
    const file = path.join(tmp(), 'transcripts.jsonl');
    writeFileSync(file, '{"kind":"user","turnId":1,"at":"x","text":"before"}\n');
    chmodSync(file, 0o644);
    const log = new JsonlTranscriptLog(file);
    log.write({ kind: 'user', turnId: 2, at, text: 'after' });
    await log.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
