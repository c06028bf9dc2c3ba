import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { modelHandlers } from '../../../../electron/engine/models/handlers.js';
import { ModelStore } from '../../../../electron/engine/models/store.js';
import type { DownloadProgress } from '../../../../electron/engine/models/download.js';
import type { TransferOptions } from '../../../../electron/engine/models/store.js';
import { ModelTransfers, STALLED_AFTER_MS } from '../../../../electron/engine/models/transfers.js';
import { InvalidRequestError, dispatchInvoke, type InvokeHandlers } from '../../../../electron/shared/dispatch.js';
import type { ModelsList, TransferStatus } from '../../../../electron/shared/models.js';
import { startModelMirror, type ModelMirror } from '../../../fakes/model-mirror.js';
import { ROOT } from '../../../paths.js';

// The Models page's channels, called through the contract as the UI calls them (dispatchInvoke
// validates requests and responses), over a real store and a mirror on this machine.
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MODEL = randomBytes(300_000);

let mirror: ModelMirror | undefined;
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
});

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-models-ui-'));
  const clock = new ManualClock();
  const store = new ModelStore({ dir, resourcesDir: path.join(ROOT, 'resources'), clock, download: { sleep: async () => {}, maxRetries: 2 } });
  const transfers = new ModelTransfers(store, clock);
  const handlers = modelHandlers(store, transfers) as unknown as InvokeHandlers;
  const call = (channel: string, payload?: unknown) => dispatchInvoke(handlers, channel, payload);
  const progress = async () => (await call('parley:models-progress')) as TransferStatus[];
  const list = async () => (await call('parley:models-list')) as ModelsList;
  return { dir, store, transfers, call, progress, list, clock };
}

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100_000 && !(await condition()); i++) await new Promise((r) => setImmediate(r));
  expect(await condition()).toBe(true);
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name), path.join(rel, e.name));
      else out.push(path.join(rel, e.name));
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

describe('models channels', () => {
  it('lists the catalog grouped data the page needs: sizes (null when unknown), memory, licence, presets, installed state, disk usage', async () => {
    const { list } = setup();
    const l = await list();
    expect(l.models.find((m) => m.id === 'silero-vad-v6')).toMatchObject({ task: 'vad', installed: true, bundled: true, sizeBytes: 2_327_524, license: 'MIT', memoryMb: 20 });
    expect(l.models.find((m) => m.id === 'qwen3-0.6b-q8_0')).toMatchObject({ task: 'llm', installed: false, sizeBytes: null, sha256: null, license: 'Apache-2.0', memoryMb: 1000 });
    expect(l.models.find((m) => m.id === 'zipformer-en-20m-streaming')?.notes).toMatch(/2-core laptop/);
    expect(l.presets.map((p) => p.name)).toEqual(['Small: any laptop', 'Quality: needs a GPU']);
    expect(l.presets[0]!.models.llm).toBe('qwen3-0.6b-q8_0');
    // The bundled VAD ships with the app: not counted as downloaded models.
    expect(l.diskBytes).toBe(0);
    expect(l.transfers).toEqual([]);
  });

  it('imports from a mirror in the background: progress with bytes and total, pause closes the connection, resume continues with Range, then it is listed with its disk usage', async () => {
    mirror = await startModelMirror({ '/tiny.gguf': MODEL }, { holdAfterBytes: 64 * 1024 });
    const { call, progress, list } = setup();
    expect(await call('parley:models-import', { source: `${mirror.url}/tiny.gguf`, task: 'llm', sha256: sha(MODEL), id: 'tiny-llm' })).toEqual({ ok: true });
    await mirror.held();
    await waitFor(async () => (await progress())[0]?.receivedBytes === 64 * 1024);
    expect((await progress())[0]).toMatchObject({ id: 'tiny-llm', kind: 'import', state: 'downloading', totalBytes: MODEL.length, pausable: true });

    expect(await call('parley:models-pause', { id: 'tiny-llm' })).toEqual({ ok: true });
    await waitFor(() => mirror!.requests[0]!.clientHungUp);
    expect((await progress())[0]).toMatchObject({ state: 'paused', receivedBytes: 64 * 1024 });
    // A paused download cannot be removed from under itself.
    expect(await call('parley:models-remove', { id: 'tiny-llm' })).toMatchObject({ ok: false, error: { code: 'model/invalid-request', message: 'tiny-llm is being downloaded: cancel the download first' } });

    mirror.faults = {};
    mirror.release();
    expect(await call('parley:models-resume', { id: 'tiny-llm' })).toEqual({ ok: true });
    await waitFor(async () => (await progress())[0]?.state === 'done');
    expect((await progress())[0]).toMatchObject({ receivedBytes: MODEL.length, totalBytes: MODEL.length });
    expect(mirror.requests[1]!.range).toBe(`bytes=${64 * 1024}-`);
    const l = await list();
    expect(l.models.find((m) => m.id === 'tiny-llm')).toMatchObject({ installed: true, task: 'llm', diskBytes: expect.any(Number) });
    expect(l.diskBytes).toBeGreaterThanOrEqual(MODEL.length);
  });

  it('a download that stalls stops claiming its last speed and ETA', async () => {
    const clock = new ManualClock();
    let report!: (p: DownloadProgress) => void;
    const store = {
      pull: (_id: string, o: TransferOptions = {}) => {
        report = o.onProgress!;
        report({ receivedBytes: 1000, totalBytes: 5000, bytesPerSecond: 500, etaSeconds: 8, state: 'downloading' });
        return new Promise<never>(() => {});
      },
      import: () => Promise.reject(new Error('unused')),
    } as unknown as Pick<ModelStore, 'pull' | 'import'>;
    const transfers = new ModelTransfers(store, clock);
    expect(await transfers.pull('smart-turn-v3.2-cpu')).toEqual({ ok: true });
    clock.advance(STALLED_AFTER_MS);
    expect(transfers.list()[0]).toMatchObject({ state: 'downloading', bytesPerSecond: 500, etaSeconds: 8 });
    clock.advance(1);
    expect(transfers.list()[0]).toMatchObject({ state: 'downloading', receivedBytes: 1000, bytesPerSecond: 0, etaSeconds: null });
    report({ receivedBytes: 2000, totalBytes: 5000, bytesPerSecond: 300, etaSeconds: 10, state: 'downloading' });
    expect(transfers.list()[0]).toMatchObject({ bytesPerSecond: 300, etaSeconds: 10 });
  });

  it('cancel stops the download and leaves nothing behind', async () => {
    mirror = await startModelMirror({ '/tiny.gguf': MODEL }, { holdAfterBytes: 64 * 1024 });
    const { call, progress, dir } = setup();
    await call('parley:models-import', { source: `${mirror.url}/tiny.gguf`, task: 'llm', sha256: sha(MODEL) });
    await mirror.held();
    expect(await call('parley:models-cancel', { id: 'tiny' })).toEqual({ ok: true });
    expect((await progress())[0]).toMatchObject({ id: 'tiny', state: 'cancelled' });
    expect(files(dir)).toEqual([]);
    expect(await call('parley:models-cancel', { id: 'tiny' })).toMatchObject({ ok: false, error: { code: 'model/invalid-request', message: 'tiny is not being downloaded' } });
  });

  it('a wrong checksum from the mirror is listed as failed with its typed error, and nothing is installed', async () => {
    mirror = await startModelMirror({ '/tiny.gguf': MODEL }, { wrongBytes: true });
    const { call, progress, list } = setup();
    expect(await call('parley:models-import', { source: `${mirror.url}/tiny.gguf`, task: 'llm', sha256: sha(MODEL), id: 'bad' })).toEqual({ ok: true });
    await waitFor(async () => (await progress())[0]?.state === 'failed');
    expect((await progress())[0]!.error).toMatchObject({ code: 'model/checksum-mismatch', message: expect.stringMatching(/nothing was installed/) });
    expect((await list()).models.find((m) => m.id === 'bad')).toBeUndefined();
  });

  it('refusals come back as typed errors, not as transfers: no checksum known, unknown model, a missing file', async () => {
    const { call, progress } = setup();
    expect(await call('parley:models-pull', { id: 'qwen3-0.6b-q8_0' })).toMatchObject({ ok: false, error: { code: 'model/checksum-unknown' } });
    expect(await call('parley:models-pull', { id: 'no-such-model' })).toMatchObject({ ok: false, error: { code: 'model/unknown' } });
    expect(await call('parley:models-import', { source: '/nowhere/model.gguf', task: 'llm' })).toMatchObject({ ok: false, error: { code: 'file/not-found' } });
    expect(await progress()).toEqual([]);
  });

  it('pulls a catalog model with a checksum the user gives (its host served from the mirror)', async () => {
    mirror = await startModelMirror({ '/Qwen3-0.6B-Q8_0.gguf': MODEL });
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-models-ui-'));
    const m = mirror;
    const viaMirror: typeof fetch = (input, init) => fetch(`${m.url}/${path.basename(new URL(String(input)).pathname)}`, init);
    const store = new ModelStore({ dir, clock: new ManualClock(), download: { fetch: viaMirror, sleep: async () => {} } });
    const handlers = modelHandlers(store, new ModelTransfers(store)) as unknown as InvokeHandlers;
    expect(await dispatchInvoke(handlers, 'parley:models-pull', { id: 'qwen3-0.6b-q8_0', sha256: sha(MODEL).toUpperCase() })).toEqual({ ok: true });
    await waitFor(async () => ((await dispatchInvoke(handlers, 'parley:models-progress', undefined)) as TransferStatus[])[0]?.state === 'done');
    expect(files(dir)).toEqual([path.join('qwen3-0.6b-q8_0', 'Qwen3-0.6B-Q8_0.gguf'), path.join('qwen3-0.6b-q8_0', 'parley-model.json')]);
  });

  it('removes an installed model; a second remove, a bundled model and a model never installed are refused in plain words', async () => {
    const { call, list, dir } = setup();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-src-')), 'voice.onnx');
    writeFileSync(file, MODEL.subarray(0, 1000));
    expect(await call('parley:models-import', { source: file, task: 'tts' })).toEqual({ ok: true });
    await waitFor(async () => (await list()).models.some((m) => m.id === 'voice' && m.installed));
    expect(await call('parley:models-remove', { id: 'voice' })).toEqual({ ok: true });
    expect(files(dir).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(await call('parley:models-remove', { id: 'voice' })).toEqual({ ok: false, error: { code: 'model/not-installed', message: 'voice is not installed, so there is nothing to remove' } });
    expect(await call('parley:models-remove', { id: 'silero-vad-v6' })).toMatchObject({ ok: false, error: { code: 'model/invalid-request', message: expect.stringMatching(/bundled with the app/) } });
  });

  it('validates every request against the contract: ids that could leave the models folder, bad checksums, unknown tasks', async () => {
    const { call } = setup();
    const refusal = (await call('parley:models-remove', { id: '../etc' }).catch((e: unknown) => e)) as InvalidRequestError;
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect(refusal.field).toBe('id');
    await expect(call('parley:models-pull', { id: 'qwen3-0.6b-q8_0', sha256: 'abc' })).rejects.toThrow('parley:models-pull: sha256: must be 64 hexadecimal digits');
    await expect(call('parley:models-import', { source: 'x.gguf', task: 'vision' })).rejects.toThrow(/parley:models-import: task: must be one of "stt", "llm", "tts", "vad", "turn"/);
    await expect(call('parley:models-import', { source: '', task: 'llm' })).rejects.toThrow(/parley:models-import: source:/);
    await expect(call('parley:models-pause', {})).rejects.toThrow('parley:models-pause: id: is missing');
    await expect(call('parley:models-list', { all: true })).rejects.toThrow('parley:models-list: the request must be empty');
  });
});
