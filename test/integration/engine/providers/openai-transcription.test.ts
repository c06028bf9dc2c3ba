import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../../electron/engine/clock.js';
import { OpenAiTranscriptionSettingsSchema, OpenAiTranscriptionStt } from '../../../../electron/engine/providers/stt/openai-transcription.js';
import type { SttEvent, SttStream } from '../../../../electron/engine/providers/types.js';
import { startFakeTranscription, type FakeTranscriptionOptions } from '../../../fakes/openai-transcription.js';
import { silence, sine } from '../../../helpers/signals.js';
import { fakeRetryTime } from '../../../helpers/retry-time.js';
import { collect } from '../../../helpers/stt-stream.js';

// Time is a ManualClock moved with the audio (20 ms frames) and by the retry waits; the fake
// answers what it is sent, so nothing here depends on how fast the machine is.
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const RATE = 16000;

/** Waits (a bounded while) for I/O to catch up. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}

async function setup(options: FakeTranscriptionOptions = {}, settings: Record<string, unknown> = {}, openAi = false) {
  const fake = await startFakeTranscription(options);
  closers.push(fake.close);
  const time = fakeRetryTime();
  const { clock, waits } = time;
  const logs: string[] = [];
  const budget = (retries = 5) => time.budget({ retries });
  // path 'auto': /audio/transcriptions under an address ending in /v1, else whisper.cpp's /inference.
  const base = { baseUrl: openAi ? fake.baseUrl : fake.url };
  const provider = (key: string | undefined = fake.key) => new OpenAiTranscriptionStt(OpenAiTranscriptionSettingsSchema.parse({ ...base, ...settings }), key, { clock, log: (m) => logs.push(m) });
  return { fake, clock, waits, logs, budget, provider };
}

/** Pushes audio in 20 ms frames as the engine does, `voiced` as its VAD would say; the clock moves with it. */
async function speak(stream: SttStream, audio: Float32Array, clock: ManualClock, voiced: boolean | undefined, rate = RATE) {
  const frame = rate / 50;
  for (let i = 0; i < audio.length; i += frame) {
    stream.push(audio.subarray(i, i + frame), voiced);
    clock.advance(20);
  }
  await new Promise((r) => setImmediate(r));
}

const tone = (s: number, rate = RATE) => sine(220, rate, s, 0.3);
const finals = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' ? [e] : []));
const statuses = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'status' ? [e.status.state] : []));
const errorOf = (events: SttEvent[]) => events.find((e): e is Extract<SttEvent, { type: 'error' }> => e.type === 'error')?.error;

describe('OpenAI-compatible transcription (batch STT) against the fake server', () => {
  it('whisper.cpp /inference: buffers the utterance, sends it as one 16 kHz WAV on finalize, and answers with one trimmed final', async () => {
    const { fake, clock, provider } = await setup({ transcripts: ['what time is it'] });
    const stream = await provider().open({ sampleRate: RATE, language: 'en-US' });
    const { events, done } = collect(stream);
    await speak(stream, silence(RATE, 3), clock, false);
    await speak(stream, tone(1.5), clock, true);
    await speak(stream, silence(RATE, 0.3), clock, false);
    expect(fake.requests).toHaveLength(0); // nothing goes out before the words are asked for
    stream.finalize();
    await until(() => finals(events).length === 1);
    expect(finals(events)).toEqual([{ type: 'final', text: 'what time is it', endOfSpeech: false, fromFinalize: true }]);
    const request = fake.requests[0]!;
    expect(request.path).toBe('/inference');
    expect(request.authorization).toBeUndefined();
    expect(request.fields).toEqual({ model: 'whisper-1', language: 'en', response_format: 'json' });
    expect(request.file).toMatchObject({ filename: 'speech.wav', contentType: 'audio/wav', sampleRate: 16000 });
    // The silence before the speech is not sent, only a second of it (the VAD says "speech" late).
    expect(request.file!.seconds).toBeCloseTo(1 + 1.5 + 0.3, 1);
    expect(statuses(events)).toEqual(['ok']);
    await stream.end();
    await done;
    expect(fake.requests).toHaveLength(1);
  });

  it('OpenAI /audio/transcriptions with a key: the key goes as a Bearer token, the prompt and model as fields', async () => {
    const { fake, clock, provider } = await setup({ apiKey: 'sk-test', transcripts: ['book a table for two'] }, { model: 'gpt-4o-mini-transcribe', prompt: 'Parley' }, true);
    const stream = await provider('sk-test').open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await until(() => finals(events).length === 1);
    expect(finals(events)[0]).toMatchObject({ text: 'book a table for two', fromFinalize: true });
    expect(fake.requests[0]).toMatchObject({ path: '/v1/audio/transcriptions', authorization: 'Bearer sk-test', status: 200, fields: { model: 'gpt-4o-mini-transcribe', prompt: 'Parley', response_format: 'json' } });
    await stream.end();
    await done;
  });

  it('a finalize with no speech heard answers an empty final at once, without a request', async () => {
    const { fake, clock, provider } = await setup({ transcripts: ['never said'] });
    const stream = await provider().open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    await speak(stream, silence(RATE, 2), clock, false);
    stream.finalize();
    await until(() => finals(events).length === 1);
    expect(finals(events)).toEqual([{ type: 'final', text: '', endOfSpeech: false, fromFinalize: true }]);
    await stream.end();
    await done;
    expect(fake.requests).toHaveLength(0);
  });

  it('end() flushes the utterance still buffered, then the stream ends', async () => {
    const { fake, clock, provider } = await setup({ transcripts: ['last words'] });
    const stream = await provider().open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, undefined); // a caller without a VAD: all audio counts
    await stream.end();
    await done;
    expect(finals(events).map((f) => f.text)).toEqual(['last words']);
    expect(fake.requests).toHaveLength(1);
  });

  it('resamples other rates to the 16 kHz whisper.cpp reads', async () => {
    const { fake, clock, provider } = await setup({ transcripts: ['hello'] });
    const stream = await provider().open({ sampleRate: 48000 });
    const { events, done } = collect(stream);
    await speak(stream, tone(1, 48000), clock, true, 48000);
    stream.finalize();
    await until(() => finals(events).length === 1);
    expect(finals(events)[0]!.text).toBe('hello');
    expect(fake.requests[0]!.file).toMatchObject({ sampleRate: 16000 });
    expect(fake.requests[0]!.file!.seconds).toBeCloseTo(1, 1);
    await stream.end();
    await done;
  });

  it('a long utterance goes piece by piece (bounded memory), cut at a quiet moment, each piece with the text before it as context', async () => {
    const { fake, clock, provider } = await setup({ transcripts: ['first piece', 'second piece', 'the rest'] }, { maxSegmentS: 5 });
    const stream = await provider().open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    // 12 s of speech with a short gap of silence at 4.2 s and 9.1 s.
    for (const part of [tone(4.2), silence(RATE, 0.1), tone(4.8), silence(RATE, 0.1), tone(2.8)]) await speak(stream, part, clock, true);
    await until(() => finals(events).length === 2);
    expect(fake.requests.map((r) => r.file!.seconds)).toEqual([expect.closeTo(4.25, 1), expect.closeTo(4.9, 1)]);
    stream.finalize();
    await until(() => finals(events).length === 3);
    expect(finals(events)).toEqual([
      { type: 'final', text: 'first piece', endOfSpeech: false, fromFinalize: false },
      { type: 'final', text: 'second piece', endOfSpeech: false, fromFinalize: false },
      { type: 'final', text: 'the rest', endOfSpeech: false, fromFinalize: true },
    ]);
    expect(fake.requests.every((r) => r.file!.seconds <= 5)).toBe(true);
    expect(fake.requests.map((r) => r.fields.prompt)).toEqual([undefined, 'first piece', 'second piece']);
    await stream.end();
    await done;
  });
});

describe('OpenAI-compatible transcription: a slow server', () => {
  it('finalizes asked while a request is in flight are answered in order, after its words', async () => {
    const { fake, clock, provider } = await setup({ transcripts: ['first words', 'more words'], answerDelayMs: 50 });
    const stream = await provider().open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    stream.finalize(); // the detector asks again (nothing new heard)
    await speak(stream, sine(330, RATE, 0.8, 0.3), clock, true);
    stream.finalize();
    await until(() => finals(events).length === 3);
    expect(finals(events).map((f) => [f.text, f.fromFinalize])).toEqual([
      ['first words', true],
      ['', true],
      ['more words', true],
    ]);
    expect(fake.requests).toHaveLength(2);
    await stream.end();
    await done;
  });

  it('speech piling up behind a server that does not answer is bounded: a typed error past 120 s of it', async () => {
    const { fake, clock, provider } = await setup({ faults: [{ kind: 'hang' }] }, { timeoutMs: 1e9 });
    const stream = await provider().open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    for (let s = 0; s < 300 && !errorOf(events); s += 10) await speak(stream, tone(10), clock, true);
    expect(errorOf(events)).toBeDefined();
    await done;
    expect(errorOf(events)).toMatchObject({ code: 'provider/timeout', message: expect.stringMatching(/cannot keep up: \d+ s of speech wait for/) });
    await until(() => fake.abandoned === 1);
    expect(fake.abandoned).toBe(1);
  });
});

describe('OpenAI-compatible transcription: faults', () => {
  it('a refused key: one attempt, one typed error naming OPENAI_TRANSCRIBE_API_KEY, then the stream ends', async () => {
    const { fake, clock, budget, provider } = await setup({ apiKey: 'sk-right', transcripts: ['x'] }, {}, true);
    const stream = await provider('sk-wrong').open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await done;
    expect(errorOf(events)).toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/invalid API key for OpenAI-compatible transcription: Incorrect API key provided.*refused the key in OPENAI_TRANSCRIBE_API_KEY/) });
    expect(fake.requests).toHaveLength(1);
    // Audio after the failure goes nowhere.
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    expect(fake.requests).toHaveLength(1);
  });

  it('a server that wants a key and got none says which variable to set', async () => {
    const { clock, budget, provider } = await setup({ apiKey: 'sk-right' }, {}, true);
    const stream = await provider('').open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await done;
    expect(errorOf(events)).toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/\/v1\/audio\/transcriptions wants a key: set OPENAI_TRANSCRIBE_API_KEY$/) });
  });

  it('429 and 503 are retried on the session budget (Retry-After honoured) and the words arrive', async () => {
    const { fake, clock, budget, waits, provider } = await setup({ transcripts: ['still here'], faults: [{ kind: 'status', status: 429, retryAfterS: 2 }, { kind: 'status', status: 503 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await until(() => finals(events).length === 1);
    expect(finals(events)[0]!.text).toBe('still here');
    expect(fake.requests.map((r) => r.status)).toEqual([429, 503, 200]);
    expect(waits[0]).toBe(2000);
    expect(statuses(events)).toEqual(['ok', 'retrying', 'retrying', 'ok']);
    await stream.end();
    await done;
  });

  it('a server that keeps failing spends the budget and ends the stream with "gave up after N attempts"', async () => {
    const { fake, clock, budget, provider } = await setup({ faults: Array.from({ length: 10 }, () => ({ kind: 'status' as const, status: 500 })) });
    const stream = await provider().open({ sampleRate: RATE, retry: budget(2) });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await done;
    expect(errorOf(events)).toMatchObject({ code: 'provider/server-error', message: expect.stringMatching(/server error \(500\).*gave up after 3 attempts$/) });
    expect(fake.requests).toHaveLength(3);
  });

  it('a request that stalls is cut off at the deadline (on the injected clock), retried, and the words arrive', async () => {
    const { fake, clock, budget, provider } = await setup({ transcripts: ['after the stall'], faults: [{ kind: 'hang' }, { kind: 'stall', after: 0 }] }, { timeoutMs: 5000 });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await until(() => fake.requests.length === 1);
    clock.advance(5000); // no headers at all
    await until(() => fake.requests.length === 2 && fake.requests[1]!.status === 200);
    clock.advance(5000); // half an answer, then nothing
    await until(() => finals(events).length === 1);
    expect(finals(events)[0]!.text).toBe('after the stall');
    expect(events.filter((e) => e.type === 'status' && e.status.state === 'retrying').map((e) => (e as { status: { reason: { code: string } } }).status.reason.code)).toEqual(['provider/timeout', 'provider/timeout']);
    await until(() => fake.abandoned === 2);
    expect(fake.abandoned).toBe(2);
    await stream.end();
    await done;
  });

  it('a dropped connection and a malformed answer are retried; the words are not lost', async () => {
    const { fake, clock, budget, provider } = await setup({ transcripts: ['second try'], faults: [{ kind: 'drop', after: 0 }, { kind: 'malformed', after: 0 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await until(() => finals(events).length === 1);
    expect(finals(events)[0]!.text).toBe('second try');
    expect(events.filter((e) => e.type === 'status' && e.status.state === 'retrying').map((e) => (e as { status: { reason: { code: string } } }).status.reason.code)).toEqual(['provider/disconnected', 'provider/protocol']);
    expect(fake.requests).toHaveLength(3);
    await stream.end();
    await done;
  });

  it("whisper.cpp's refusal (HTTP 200 with {\"error\"}) is a typed bad request, not a transcript", async () => {
    const { fake, clock, budget, provider } = await setup({ faults: [{ kind: 'status', status: 200, body: { error: 'failed to process audio' } }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await done;
    expect(errorOf(events)).toMatchObject({ code: 'provider/bad-request', message: 'OpenAI-compatible transcription refused the audio: failed to process audio' });
    expect(finals(events)).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('an unreachable server is retried, then a typed error naming the address', async () => {
    const { fake, clock, budget, provider } = await setup();
    await fake.close();
    const stream = await provider().open({ sampleRate: RATE, retry: budget(1) });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock, true);
    stream.finalize();
    await done;
    expect(errorOf(events)).toMatchObject({ code: 'provider/unreachable', message: expect.stringContaining(`cannot reach OpenAI-compatible transcription at ${fake.url}/inference`) });
  });

  it('close() and the abort signal cancel the request in flight: the server sees the client leave, no error event', async () => {
    for (const how of ['close', 'abort'] as const) {
      const { fake, clock, provider } = await setup({ faults: [{ kind: 'hang' }] });
      const controller = new AbortController();
      const stream = await provider().open({ sampleRate: RATE, signal: controller.signal });
      const { events, done } = collect(stream);
      await speak(stream, tone(1), clock, true);
      stream.finalize();
      await until(() => fake.requests.length === 1);
      if (how === 'close') stream.close();
      else controller.abort();
      await done;
      await until(() => fake.abandoned === 1);
      expect(fake.abandoned).toBe(1);
      expect(errorOf(events)).toBeUndefined();
      expect(clock.pendingTimers).toBe(0);
    }
  });
});
