import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../../../../electron/shared/conversation.js';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { MAX_BACKLOG_S, SherpaOnnxStt, SherpaSttSettingsSchema } from '../../../../electron/engine/providers/stt/sherpa-onnx.js';
import type { SttEvent, SttProvider, SttStream } from '../../../../electron/engine/providers/types.js';
import { FIXTURE_MOONSHINE, FIXTURE_STT, blocks, corruptCopy, speechThenSilence, trackedHosts } from '../../../helpers/sherpa.js';

const tracked = trackedHosts();
afterEach(() => tracked.closeAll());

const stt = (settings: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env) =>
  new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ modelDir: FIXTURE_STT, ...settings }), undefined, { host: tracked.host('stt'), env });

/** One reader per stream (its events are a single-consumer queue): reads until `until` says stop or the stream ends. */
const readers = new WeakMap<SttStream, AsyncIterator<SttEvent>>();
async function readUntil(stream: SttStream, until: (e: SttEvent) => boolean): Promise<SttEvent[]> {
  let it = readers.get(stream);
  if (!it) readers.set(stream, (it = stream[Symbol.asyncIterator]()));
  const seen: SttEvent[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) {
    seen.push(r.value);
    if (until(r.value)) break;
  }
  return seen;
}
const readAll = (stream: SttStream) => readUntil(stream, () => false);

async function rejection(p: Promise<unknown>): Promise<ParleyError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(ParleyError);
  return e as ParleyError;
}

describe('sherpa-onnx local STT (generated streaming Zipformer, local inference process)', () => {

  it('tells where the model runs once it loaded: the CPU and its threads; a GPU asked for is named as not used, with why', async () => {
    const told: DeviceInfo[] = [];
    const open = async (device: string) => {
      const provider = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ modelDir: FIXTURE_STT, device, numThreads: 1 }), { device: (d) => told.push(d) }, { host: tracked.host('stt') });
      const stream = await provider.open({ sampleRate: 16000 });
      stream.close();
    };
    await open('auto');
    await open('cuda');
    expect(told).toEqual([
      { stage: 'stt', provider: 'sherpa-onnx', requested: 'auto', backend: 'cpu', deviceNames: [], threads: 1 },
      { stage: 'stt', provider: 'sherpa-onnx', requested: 'cuda', backend: 'cpu', deviceNames: [], threads: 1, fallback: expect.stringMatching(/needs a GPU build of sherpa-onnx/) },
    ]);
  });
  it('streams partials as words come and a final at its own endpoint after a pause; ready at once; never claims the end of the turn', async () => {
    const provider = stt();
    expect((provider as SttProvider).judgesTurns).toBeFalsy();
    const stream = await provider.open({ sampleRate: 16000 });
    for (const b of blocks(await speechThenSilence('librivox-ss01-0880.wav', 1.5))) stream.push(b, true);
    const events = await readUntil(stream, (e) => e.type === 'final');
    stream.close();

    expect(events[0]).toEqual({ type: 'status', status: { state: 'ok' } });
    const partials = events.filter((e) => e.type === 'partial').map((e) => e.text);
    expect(partials.length).toBeGreaterThan(2);
    // Each partial extends the last: words arrive as the audio does.
    for (let i = 1; i < partials.length; i++) expect(partials[i]!.startsWith(partials[i - 1]!.slice(0, -3))).toBe(true);
    const final = events.at(-1)!;
    expect(final).toMatchObject({ type: 'final', endOfSpeech: true, fromFinalize: false });
    expect((final as { text: string }).text.startsWith(partials.at(-1)!.slice(0, -3))).toBe(true);
    expect(events.some((e) => e.type === 'end-of-turn' || e.type === 'error')).toBe(false);
  });

  it('finalize() settles the words so far as a final (fromFinalize) and the stream goes on listening; end() flushes and ends', async () => {
    const stream = await stt({ endpointSilenceS: 5 }).open({ sampleRate: 16000 });
    const speech = await speechThenSilence('librivox-ss01-0880.wav', 0);
    for (const b of blocks(speech.subarray(0, 24000))) stream.push(b, true);
    stream.finalize();
    const first = await readUntil(stream, (e) => e.type === 'final');
    const final = first.at(-1) as Extract<SttEvent, { type: 'final' }>;
    expect(final).toMatchObject({ fromFinalize: true, endOfSpeech: false });
    expect(final.text.length).toBeGreaterThan(0);

    // More speech after the finalize: new words, from a fresh utterance.
    for (const b of blocks(speech.subarray(24000))) stream.push(b, true);
    const ending = stream.end();
    const rest = await readAll(stream);
    await ending;
    expect(rest.filter((e) => e.type === 'partial').length).toBeGreaterThan(0);
    expect(rest.at(-1)).toMatchObject({ type: 'final', fromFinalize: true });
  });

  it('at 48 kHz the audio is resampled by the recognizer: the same speech still gives words', async () => {
    const speech = await speechThenSilence('librivox-ss01-0880.wav', 0);
    const up = new Float32Array(speech.length * 3);
    for (let i = 0; i < up.length; i++) up[i] = speech[Math.floor(i / 3)]!;
    const stream = await stt().open({ sampleRate: 48000 });
    for (const b of blocks(up, 4800)) stream.push(b, true);
    stream.finalize();
    const events = await readUntil(stream, (e) => e.type === 'final');
    stream.close();
    expect(events.at(-1)).toMatchObject({ type: 'final', text: expect.stringMatching(/\w/) });
  });

  it('a model that is not installed: open() rejects naming the model and `parley models pull <id>`, no worker started', async () => {
    const models = mkdtempSync(path.join(tmpdir(), 'parley-no-models-'));
    const provider = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({}), undefined, { host: tracked.host('stt'), env: { PARLEY_MODELS_DIR: models } });
    const e = await rejection(provider.open({ sampleRate: 16000 }));
    expect(e.code).toBe('model/not-installed');
    expect(e.message).toMatch(/'zipformer-en-20m-streaming'.*parley models pull zipformer-en-20m-streaming/);
    expect(tracked.spawned).toHaveLength(0);
  });

  it('a folder without the model files: a typed error naming the missing part and how to reinstall', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-empty-model-'));
    writeFileSync(path.join(dir, 'tokens.txt'), '<blk> 0\n');
    const e = await rejection(stt({ modelDir: dir }).open({ sampleRate: 16000 }));
    expect(e.code).toBe('onnx/model-invalid');
    expect(e.message).toMatch(/no encoder\*\.onnx.*parley models pull zipformer-en-20m-streaming/);
  });

  it('a corrupt model file (a cut download): sherpa-onnx aborts its worker, Parley gets a typed error with the reason and keeps running', async () => {
    const provider = stt({ modelDir: corruptCopy(FIXTURE_STT, 'encoder.onnx', 300) });
    const e = await rejection(provider.open({ sampleRate: 16000 }));
    expect(e.code).toBe('onnx/model-invalid');
    expect(e.message).toMatch(/the model 'zipformer-en-20m-streaming' could not be loaded \(the local speech recognition \(sherpa-onnx\) process was killed \(SIGABRT\): .*Protobuf parsing failed.*\).*parley models pull zipformer-en-20m-streaming/);
    // This process lives on, and a good model loads in a fresh worker.
    const stream = await stt().open({ sampleRate: 16000 });
    stream.finalize();
    expect((await readUntil(stream, (ev) => ev.type === 'final')).at(-1)).toMatchObject({ type: 'final', fromFinalize: true });
    stream.close();
  });

  it('an empty model file is refused before the worker sees it', async () => {
    const e = await rejection(stt({ modelDir: corruptCopy(FIXTURE_STT, 'joiner.onnx', 0) }).open({ sampleRate: 16000 }));
    expect(e.code).toBe('onnx/model-invalid');
    expect(e.message).toMatch(/joiner\.onnx is empty; reinstall it with parley models pull zipformer-en-20m-streaming/);
    expect(tracked.spawned).toHaveLength(0);
  });

  it('the worker dies mid-stream: one typed local/crashed error event, then the stream ends; the next stream restarts it; past the budget local/unavailable', async () => {
    const host = tracked.host('stt', 1);
    const provider = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ modelDir: FIXTURE_STT }), undefined, { host });
    const speech = await speechThenSilence('librivox-ss01-0880.wav', 0);
    const killMidStream = async () => {
      const stream = await provider.open({ sampleRate: 16000 });
      for (const b of blocks(speech)) stream.push(b, true);
      const before = await readUntil(stream, (e) => e.type === 'partial');
      expect(before.at(-1)?.type).toBe('partial');
      process.kill(host.pid!, 'SIGKILL');
      const after = await readAll(stream);
      const errors = after.filter((e) => e.type === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ error: { code: 'local/crashed', provider: 'sherpa-onnx', message: expect.stringMatching(/process was killed \(SIGKILL\); it starts again/) } });
      expect(after.at(-1)?.type).toBe('error');
    };
    await killMidStream();
    // The next stream starts a new process (the budget allows one restart) and hears words again...
    await killMidStream();
    expect(tracked.spawned).toHaveLength(2);
    // ...and a third crash would exceed it: the provider says so instead of starting another.
    const e = await rejection(provider.open({ sampleRate: 16000 }));
    expect(e).toMatchObject({ code: 'local/unavailable', message: expect.stringMatching(/crashed 2 times this session/) });
    expect(tracked.spawned).toHaveLength(2);
  });

  it('an abort signal closes the stream: the iterator ends at once (queued events dropped) and pushes are ignored', async () => {
    const ac = new AbortController();
    const stream = await stt().open({ sampleRate: 16000, signal: ac.signal });
    ac.abort();
    stream.push(new Float32Array(1600));
    const events = await readAll(stream);
    expect(events).toEqual([]);
  });

  it('a worker that cannot keep up (here stopped): past MAX_BACKLOG_S of undecoded audio the stream fails with a typed error instead of growing memory', async () => {
    const stream = await stt().open({ sampleRate: 16000 });
    const pid = tracked.hosts[0]!.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      const second = new Float32Array(16000);
      for (let s = 0; s <= MAX_BACKLOG_S; s++) stream.push(second, true);
      const events = await readAll(stream);
      expect(events.filter((e) => e.type === 'error')).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'onnx/inference-failed', message: expect.stringMatching(/cannot keep up: more than 30 s of audio/) }) }]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  it('provider instances built from the same context share one worker process (the app builds providers per session)', async () => {
    const settings = SherpaSttSettingsSchema.parse({ modelDir: FIXTURE_STT });
    const context = { localSpawner: tracked.spawn };
    const streams = [await new SherpaOnnxStt(settings, context).open({ sampleRate: 16000 }), await new SherpaOnnxStt(settings, context).open({ sampleRate: 16000 })];
    expect(tracked.spawned).toHaveLength(1);
    for (const s of streams) s.close();
  });

  it('with a second pass (offline Moonshine), each final is its transcript of the utterance; partials stay streaming', async () => {
    const stream = await stt({ secondPassModel: 'moonshine-tiny-en-int8', secondPassModelDir: FIXTURE_MOONSHINE }).open({ sampleRate: 16000 });
    for (const b of blocks(await speechThenSilence('librivox-ss01-0880.wav', 1.5))) stream.push(b, true);
    const events = await readUntil(stream, (e) => e.type === 'final');
    expect(events.filter((e) => e.type === 'partial').every((e) => !/second pass/.test(e.text))).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'final', text: 'second pass', endOfSpeech: true, fromFinalize: false });
    // And on finalize, over the utterance since the last final.
    for (const b of blocks((await speechThenSilence('librivox-ss01-0880.wav', 0)).subarray(0, 16000))) stream.push(b, true);
    stream.finalize();
    expect((await readUntil(stream, (e) => e.type === 'final')).at(-1)).toEqual({ type: 'final', text: 'second pass', endOfSpeech: false, fromFinalize: true });
    stream.close();
  });

  it('a second-pass model that is not installed is named with its pull command', async () => {
    const models = mkdtempSync(path.join(tmpdir(), 'parley-no-models-'));
    const e = await rejection(stt({ secondPassModel: 'moonshine-tiny-en-int8' }, { PARLEY_MODELS_DIR: models }).open({ sampleRate: 16000 }));
    expect(e).toMatchObject({ code: 'model/not-installed', message: expect.stringMatching(/parley models pull moonshine-tiny-en-int8/) });
  });
});
