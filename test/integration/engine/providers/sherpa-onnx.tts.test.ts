import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SherpaOnnxTts, SherpaTtsSettingsSchema } from '../../../../electron/engine/providers/tts/sherpa-onnx.js';
import type { TtsEvent, TtsStream } from '../../../../electron/engine/providers/types.js';
import { FIXTURE_TTS, FIXTURE_TTS_HOP, corruptCopy, trackedHosts } from '../../../helpers/sherpa.js';

const tracked = trackedHosts();
afterEach(() => tracked.closeAll());

const tts = (settings: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env) =>
  new SherpaOnnxTts(SherpaTtsSettingsSchema.parse({ modelDir: FIXTURE_TTS, ...settings }), undefined, { host: tracked.host('tts'), env });

async function collect(stream: TtsStream): Promise<TtsEvent[]> {
  const out: TtsEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

const samplesOf = (events: TtsEvent[], segment: number) => events.filter((e) => e.type === 'audio' && e.segment === segment).reduce((n, e) => n + (e as { pcm: Int16Array }).pcm.length, 0);

describe('sherpa-onnx local TTS (generated VITS voice, local inference process)', () => {
  it('one sentence per push, spoken in order: audio tagged with its segment, then segment-done; the stream ends after end()', async () => {
    const provider = tts({ sampleRate: 16000 });
    expect(provider.sampleRate).toBe(16000);
    const stream = provider.open({});
    expect(stream.push('Hello there.')).toBe(0);
    expect(stream.push('How are you today?')).toBe(1);
    stream.end();
    const events = await collect(stream);
    const order = events.map((e) => `${e.type}:${e.segment}`).filter((v, i, a) => a[i - 1] !== v);
    expect(order).toEqual(['audio:0', 'segment-done:0', 'audio:1', 'segment-done:1']);
    // The generated voice speaks exactly HOP samples per known character (lower-cased; every character here is known).
    expect(samplesOf(events, 0)).toBe('Hello there.'.length * FIXTURE_TTS_HOP);
    expect(samplesOf(events, 1)).toBe('How are you today?'.length * FIXTURE_TTS_HOP);
    for (const e of events) if (e.type === 'audio') expect(e.sampleRate).toBe(16000);
    const pcm = events.find((e) => e.type === 'audio') as { pcm: Int16Array };
    expect(Math.max(...pcm.pcm.map(Math.abs))).toBeGreaterThan(1000);
  });

  it('warmUp loads the voice as a session starts: the first sentence then finds it loaded (no loading progress); a missing voice is named then', async () => {
    const provider = tts({ sampleRate: 16000 });
    await provider.warmUp();
    const { key, spec } = await provider.voice();
    const progress: string[] = [];
    for await (const e of provider.host.stream('synthesize', { key, spec, text: 'Hi.', sid: 0, speed: 1 }, new AbortController().signal)) if (e.type === 'progress') progress.push(e.stage);
    expect(progress).toEqual([]);
    const missing = tts({ modelDir: undefined, model: 'no-such-voice' }, { PARLEY_MODELS_DIR: mkdtempSync(path.join(tmpdir(), 'parley-no-voice-')) });
    await expect(missing.warmUp()).rejects.toMatchObject({ code: 'model/not-installed' });
  });

  it("the model's 16 kHz is converted to the provider's 24 kHz: length within a filter's width of 1.5x", async () => {
    const stream = tts().open({});
    stream.push('Hello there.');
    stream.end();
    const events = await collect(stream);
    const n = samplesOf(events, 0);
    const expected = 'Hello there.'.length * FIXTURE_TTS_HOP * 1.5;
    expect(Math.abs(n - expected)).toBeLessThanOrEqual(64);
    for (const e of events) if (e.type === 'audio') expect(e.sampleRate).toBe(24000);
  });

  it('close() stops at once: the iterator ends with nothing after it, and the voice speaks again in a new stream', async () => {
    const provider = tts({ sampleRate: 16000 });
    const stream = provider.open({});
    stream.push('One. Two. Three. Four. Five. Six. Seven. Eight.');
    stream.push('Never spoken.');
    const it = stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toMatchObject({ type: 'audio', segment: 0 });
    stream.close();
    expect(await it.next()).toEqual({ done: true, value: undefined });

    const again = provider.open({});
    again.push('Hi.');
    again.end();
    expect(samplesOf(await collect(again), 0)).toBe(3 * FIXTURE_TTS_HOP);
  });

  it('an abort signal stops the stream like close()', async () => {
    const ac = new AbortController();
    const stream = tts().open({ signal: ac.signal });
    stream.push('Hello.');
    ac.abort();
    expect(await collect(stream)).toEqual([]);
  });

  it('a voice that is not installed: the stream fails with model/not-installed naming `parley models pull <id>`', async () => {
    const models = mkdtempSync(path.join(tmpdir(), 'parley-no-models-'));
    const stream = new SherpaOnnxTts(SherpaTtsSettingsSchema.parse({}), undefined, { host: tracked.host('tts'), env: { PARLEY_MODELS_DIR: models } }).open({});
    stream.push('Hello.');
    stream.end();
    await expect(collect(stream)).rejects.toMatchObject({ code: 'model/not-installed', message: expect.stringMatching(/parley models pull pocket-tts-int8-2026-01-26/) });
  });

  it('a corrupt voice file: a typed error with sherpa-onnx\'s reason (its async loader rejects instead of aborting), this process unharmed', async () => {
    const stream = tts({ modelDir: corruptCopy(FIXTURE_TTS, 'model.onnx', 500) }).open({});
    stream.push('Hello.');
    stream.end();
    await expect(collect(stream)).rejects.toMatchObject({ code: 'onnx/model-invalid', message: expect.stringMatching(/could not be loaded \(.*Protobuf parsing failed.*\).*parley models pull/) });
  });
});
