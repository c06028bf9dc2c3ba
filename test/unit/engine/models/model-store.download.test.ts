import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { findCatalogEntry } from '../../../../electron/engine/models/catalog.js';
import type { DownloadProgress, ModelDownload } from '../../../../electron/engine/models/download.js';
import { ModelStore } from '../../../../electron/engine/models/store.js';
import { startModelMirror, type ModelMirror } from '../../../fakes/model-mirror.js';
import { buildTar } from '../../../helpers/tar-builder.js';
import { ROOT } from '../../../paths.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MODEL = randomBytes(300_000);
const ARCHIVE = gzipSync(buildTar([{ name: 'voice/', type: '5' }, { name: 'voice/model.onnx', data: MODEL.subarray(0, 50_000) }, { name: 'voice/tokens.txt', data: 'a 0\n' }]));

let mirror: ModelMirror | undefined;
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
});

function storeFor(m: ModelMirror, o: { maxRetries?: number; freeBytes?: number; clock?: ManualClock; direct?: boolean } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-models-'));
  const fetched: string[] = [];
  // Every URL (the catalog's real hosts too) is served by the local mirror, by file name.
  const fetchViaMirror: typeof fetch = (input, init) => {
    const url = new URL(String(input));
    fetched.push(url.href);
    return fetch(`${m.url}/${path.basename(url.pathname)}`, init);
  };
  const store = new ModelStore({
    dir,
    resourcesDir: path.join(ROOT, 'resources'),
    clock: o.clock ?? new ManualClock(),
    download: { fetch: o.direct ? fetch : fetchViaMirror, sleep: async () => {}, maxRetries: o.maxRetries ?? 3, ...(o.freeBytes !== undefined ? { freeBytes: async () => o.freeBytes! } : {}) },
  });
  return { store, dir, fetched };
}

/** Everything under the models folder, bookkeeping folders included (nothing may be left behind). */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

describe('model downloads', () => {
  it('imports from a mirror that drops the first download: resumes with Range, verifies, installs', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { dropAfterBytes: 100_000 });
    const { store, dir } = storeFor(mirror);
    const progress: DownloadProgress[] = [];
    const m = await store.import(`${mirror.url}/model.onnx`, { task: 'turn', sha256: sha(MODEL), id: 'my-turn', onProgress: (p) => progress.push(p) });
    expect(mirror.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      ['bytes=100000-', 206],
    ]);
    expect(mirror.requests[0]!.sentBytes).toBe(100_000);
    expect(sha(readFileSync(path.join(dir, 'my-turn', 'model.onnx')))).toBe(sha(MODEL));
    expect(m).toMatchObject({ id: 'my-turn', task: 'turn', sha256: sha(MODEL), files: ['model.onnx'] });
    expect(progress.some((p) => p.state === 'retrying')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ receivedBytes: MODEL.length, totalBytes: MODEL.length });
    expect(leftovers(dir).sort()).toEqual([path.join('my-turn', 'model.onnx'), path.join('my-turn', 'parley-model.json')]);
    expect((await store.list()).find((r) => r.id === 'my-turn')).toMatchObject({ installed: true, diskBytes: expect.any(Number), task: 'turn' });
  });

  it('follows a host redirect, and resumes through it with a Range request', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { dropAfterBytes: 100_000 });
    const { store } = storeFor(mirror, { direct: true });
    const m = await store.import(`${mirror.url}/redirect/model.onnx`, { task: 'turn', sha256: sha(MODEL), id: 'redirected' });
    expect(mirror.requests.map((r) => [r.path, r.range, r.status])).toEqual([
      ['/redirect/model.onnx', undefined, 302],
      ['/model.onnx', undefined, 200],
      ['/redirect/model.onnx', 'bytes=100000-', 302],
      ['/model.onnx', 'bytes=100000-', 206],
    ]);
    expect(sha(readFileSync(path.join(m.dir, 'model.onnx')))).toBe(sha(MODEL));
  });

  it('leaves nothing installed, and no .part file, when the checksum is wrong', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { wrongBytes: true, dropAfterBytes: 100_000 });
    const { store, dir } = storeFor(mirror);
    await expect(store.import(`${mirror.url}/model.onnx`, { task: 'stt', sha256: sha(MODEL), id: 'bad' })).rejects.toMatchObject({
      code: 'model/checksum-mismatch',
      message: expect.stringMatching(/nothing was installed/),
    });
    expect(leftovers(dir)).toEqual([]);
    expect(await store.installed('bad')).toBeUndefined();
  });

  it('starts over when the server ignores Range, and still verifies', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { dropAfterBytes: 120_000, ignoreRange: true });
    const { store } = storeFor(mirror);
    const m = await store.import(`${mirror.url}/model.onnx`, { task: 'llm', sha256: sha(MODEL), id: 'no-range' });
    expect(mirror.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      ['bytes=120000-', 200],
    ]);
    expect(sha(readFileSync(path.join(m.dir, 'model.onnx')))).toBe(sha(MODEL));
  });

  it('gives up after a bounded number of reconnections for the whole download, keeping the .part to resume later', async () => {
    // Every response is a whole body (Range ignored) that the mirror drops part-way.
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { dropAfterBytes: 100_000, dropTimes: 1000, ignoreRange: true });
    const { store, dir } = storeFor(mirror, { maxRetries: 2 });
    await expect(store.import(`${mirror.url}/model.onnx`, { task: 'llm', sha256: sha(MODEL), id: 'flaky' })).rejects.toMatchObject({
      code: 'model/download-failed',
      message: expect.stringMatching(/after 2 reconnections/),
    });
    expect(mirror.requests).toHaveLength(3);
    expect(await store.installed('flaky')).toBeUndefined();
    // The next attempt (a healthy mirror now) resumes from the kept bytes.
    mirror.faults = {};
    const m = await store.import(`${mirror.url}/model.onnx`, { task: 'llm', sha256: sha(MODEL), id: 'flaky' });
    expect(mirror.requests).toHaveLength(4);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(mirror.requests[3]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(mirror.requests[3]).toMatchObject({ status: 206, sentBytes: MODEL.length - resumedAt });
    expect(sha(readFileSync(path.join(m.dir, 'model.onnx')))).toBe(sha(MODEL));
    expect(leftovers(dir).some((f) => f.endsWith('.part'))).toBe(false);
  });

  it('pauses (closing the connection) and resumes with a Range request', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { holdAfterBytes: 64 * 1024 });
    const { store } = storeFor(mirror);
    let download: ModelDownload | undefined;
    const states: string[] = [];
    const done = store.import(`${mirror.url}/model.onnx`, { task: 'tts', sha256: sha(MODEL), id: 'paused', onProgress: (p) => states.push(p.state), onStart: (d) => (download = d) });
    await mirror.held();
    await waitFor(() => download !== undefined);
    await waitFor(() => states.includes('downloading'));
    download!.pause();
    expect(download!.paused).toBe(true);
    await waitFor(() => mirror!.requests[0]!.clientHungUp);
    mirror.faults = {};
    mirror.release();
    download!.resume();
    const m = await done;
    expect(states).toContain('paused');
    expect(mirror.requests).toHaveLength(2);
    expect(mirror.requests[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(sha(readFileSync(path.join(m.dir, 'model.onnx')))).toBe(sha(MODEL));
  });

  it('cancels through an AbortSignal: the connection closes and nothing stays behind', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL }, { holdAfterBytes: 64 * 1024 });
    const { store, dir } = storeFor(mirror);
    const abort = new AbortController();
    const done = store.import(`${mirror.url}/model.onnx`, { task: 'tts', sha256: sha(MODEL), id: 'cancelled', signal: abort.signal });
    await mirror.held();
    abort.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    await waitFor(() => mirror!.requests[0]!.clientHungUp);
    expect(leftovers(dir)).toEqual([]);
  });

  it('one download per model at a time: a live owner is named, a stale lock is taken over', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL });
    const { store, dir } = storeFor(mirror);
    mkdirSync(path.join(dir, '.downloads'), { recursive: true });
    writeFileSync(path.join(dir, '.downloads', 'busy.lock'), String(process.ppid)); // a live process
    await expect(store.import(`${mirror.url}/model.onnx`, { task: 'stt', id: 'busy' })).rejects.toMatchObject({ code: 'model/download-failed', message: `busy is already being downloaded by another Parley (process ${process.ppid}); wait for it or stop it` });
    expect(mirror.requests).toEqual([]);
    writeFileSync(path.join(dir, '.downloads', 'busy.lock'), '2147483646'); // no such process
    await store.import(`${mirror.url}/model.onnx`, { task: 'stt', id: 'busy' });
    expect(leftovers(dir).sort()).toEqual([path.join('busy', 'model.onnx'), path.join('busy', 'parley-model.json')]);
  });

  it('a host that was never reached fails at once, without retrying', async () => {
    mirror = await startModelMirror({});
    const closed = mirror.url;
    await mirror.close();
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-models-'));
    let sleeps = 0;
    const store = new ModelStore({ dir, clock: new ManualClock(), download: { sleep: async () => void sleeps++ } });
    await expect(store.import(`${closed}/model.onnx`, { task: 'stt', id: 'nowhere' })).rejects.toMatchObject({ code: 'model/download-failed', message: expect.stringMatching(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/model\.onnx \(ECONNREFUSED\)$/) });
    expect(sleeps).toBe(0);
    mirror = undefined;
  });

  it('checks the disk space before downloading', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL });
    const { store, dir } = storeFor(mirror, { freeBytes: 1000 });
    await expect(store.import(`${mirror.url}/model.onnx`, { task: 'stt', sha256: sha(MODEL), id: 'big' })).rejects.toMatchObject({ code: 'model/disk-full', message: expect.stringMatching(/not enough disk space/) });
    expect(leftovers(dir)).toEqual([]);
  });

  it('reports speed and ETA from the injected clock', async () => {
    mirror = await startModelMirror({ '/model.onnx': MODEL });
    const clock = new ManualClock();
    const { store } = storeFor(mirror, { clock });
    const progress: DownloadProgress[] = [];
    await store.import(`${mirror.url}/model.onnx`, {
      task: 'stt',
      sha256: sha(MODEL),
      id: 'timed',
      onProgress: (p) => {
        progress.push(p);
        clock.advance(100); // 100 ms between chunks
      },
    });
    const mid = progress.find((p, i) => i > 0 && p.receivedBytes < MODEL.length)!;
    expect(mid.bytesPerSecond).toBeGreaterThan(0);
    expect(mid.etaSeconds).toBeCloseTo((MODEL.length - mid.receivedBytes) / mid.bytesPerSecond, 6);
    expect(progress.at(-1)!.etaSeconds).toBe(0);
  });

  it('unpacks a .tar.gz from a mirror into the model folder', async () => {
    mirror = await startModelMirror({ '/voice.tar.gz': ARCHIVE });
    const { store, dir } = storeFor(mirror);
    const m = await store.import(`${mirror.url}/voice.tar.gz`, { task: 'tts', id: 'my-voice' });
    expect(m.computedSha256).toBe(sha(ARCHIVE));
    expect(sha(readFileSync(path.join(dir, 'my-voice', 'voice', 'model.onnx')))).toBe(sha(MODEL.subarray(0, 50_000)));
    expect(m.files.sort()).toEqual([path.join('voice', 'model.onnx'), path.join('voice', 'tokens.txt')]);
    expect(leftovers(dir).some((f) => f.includes('.part') || f.includes('.staging'))).toBe(false);
  });

  it('an unsafe archive from a mirror installs nothing', async () => {
    const evil = gzipSync(buildTar([{ name: 'ok.onnx', data: 'x' }, { name: '../../evil', data: 'x' }]));
    mirror = await startModelMirror({ '/evil.tar.gz': evil });
    const { store, dir } = storeFor(mirror);
    await expect(store.import(`${mirror.url}/evil.tar.gz`, { task: 'tts', id: 'evil' })).rejects.toMatchObject({ code: 'model/unsafe-archive' });
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('the catalog through the store', () => {
  it('pull refuses a model whose checksum the catalog does not know, before any download', async () => {
    mirror = await startModelMirror({ '/Qwen3-0.6B-Q8_0.gguf': MODEL });
    const { store, fetched } = storeFor(mirror);
    expect(findCatalogEntry('qwen3-0.6b-q8_0')!.sha256).toBeNull();
    await expect(store.pull('qwen3-0.6b-q8_0')).rejects.toMatchObject({ code: 'model/checksum-unknown', message: expect.stringMatching(/parley models pull qwen3-0\.6b-q8_0 --sha256/) });
    expect(fetched).toEqual([]);
    // With a checksum the user vouches for, it downloads from the catalog URL and verifies.
    const m = await store.pull('qwen3-0.6b-q8_0', { sha256: sha(MODEL) });
    expect(fetched).toEqual([findCatalogEntry('qwen3-0.6b-q8_0')!.url]);
    expect(sha(readFileSync(path.join(m.dir, 'Qwen3-0.6B-Q8_0.gguf')))).toBe(sha(MODEL));
  });

  it('pull verifies against the catalog checksum: a wrong file from the host is not installed', async () => {
    mirror = await startModelMirror({ '/smart-turn-v3.2-cpu.onnx': MODEL });
    const { store, dir } = storeFor(mirror);
    // The catalog's size differs from this file's: refused before the body is read.
    await expect(store.pull('smart-turn-v3.2-cpu')).rejects.toMatchObject({ code: 'model/download-failed', message: expect.stringMatching(/catalog expects 8679182/) });
    expect(leftovers(dir)).toEqual([]);
  });

  it('pulls a .tar.bz2 catalog model (sherpa-onnx layout) with a user-given checksum and unpacks it', async (ctx) => {
    const entry = findCatalogEntry('zipformer-en-20m-streaming')!;
    const src = mkdtempSync(path.join(tmpdir(), 'parley-bz2-src-'));
    const top = path.basename(entry.url, '.tar.bz2');
    mkdirSync(path.join(src, top));
    for (const f of entry.files) writeFileSync(path.join(src, top, f), `${f} weights`);
    const archive = path.join(src, 'a.tar.bz2');
    try {
      execFileSync('tar', ['-cjf', archive, '-C', src, top]);
    } catch {
      return ctx.skip(); // no system tar with bzip2 to build the fixture
    }
    const bytes = readFileSync(archive);
    mirror = await startModelMirror({ [`/${path.basename(entry.url)}`]: bytes });
    const { store } = storeFor(mirror);
    const m = await store.pull(entry.id, { sha256: sha(bytes) });
    expect(m.files.sort()).toEqual(entry.files.map((f) => path.join(top, f)).sort());
    expect(readFileSync(path.join(m.dir, top, 'tokens.txt'), 'utf8')).toBe('tokens.txt weights');
  });

  it('a missing model is a typed error naming it and the pull command', async () => {
    const { store } = storeFor((mirror = await startModelMirror({})));
    await expect(store.require('qwen3-0.6b-q8_0')).rejects.toMatchObject({ code: 'model/not-installed', message: expect.stringMatching(/'qwen3-0\.6b-q8_0'.*parley models pull qwen3-0\.6b-q8_0/) });
    // The bundled VAD is always there.
    expect(await store.require('silero-vad-v6')).toMatchObject({ bundled: true });
  });

  it('imports a local file and folder, lists them with disk usage, removes them', async () => {
    const { store, dir } = storeFor((mirror = await startModelMirror({})));
    const src = mkdtempSync(path.join(tmpdir(), 'parley-import-'));
    writeFileSync(path.join(src, 'tiny.gguf'), MODEL.subarray(0, 1234));
    mkdirSync(path.join(src, 'voice'));
    writeFileSync(path.join(src, 'voice', 'model.onnx'), MODEL.subarray(0, 999));
    await expect(store.import(path.join(src, 'tiny.gguf'), { task: 'llm', sha256: '00'.repeat(32) })).rejects.toMatchObject({ code: 'model/checksum-mismatch' });
    expect(leftovers(dir)).toEqual([]);
    const file = await store.import(path.join(src, 'tiny.gguf'), { task: 'llm' });
    expect(file).toMatchObject({ id: 'tiny', computedSha256: sha(MODEL.subarray(0, 1234)) });
    const folder = await store.import(path.join(src, 'voice'), { task: 'tts', id: 'voice-1' });
    expect(folder.files).toEqual(['model.onnx']);
    const rows = await store.list();
    expect(rows.find((r) => r.id === 'tiny')).toMatchObject({ installed: true, task: 'llm', diskBytes: expect.any(Number), sha256: sha(MODEL.subarray(0, 1234)) });
    expect(rows.find((r) => r.id === 'tiny')!.diskBytes!).toBeGreaterThanOrEqual(1234);
    expect(rows.find((r) => r.id === 'silero-vad-v6')).toMatchObject({ installed: true, bundled: true });
    expect(await store.remove('tiny')).toBe(true);
    expect(await store.remove('tiny')).toBe(false);
    expect(await store.installed('tiny')).toBeUndefined();
    await expect(store.remove('silero-vad-v6')).rejects.toMatchObject({ code: 'model/invalid-request' });
  });
});

/** Polls a condition on the event loop (no timers: the I/O it waits for is already under way). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}
