import { getEventListeners } from 'node:events';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../../electron/engine/clock.js';
import { GradiumStt, GradiumSttSettingsSchema } from '../../../../electron/engine/providers/stt/gradium.js';
import type { SttEvent, SttStream } from '../../../../electron/engine/providers/types.js';
import { startFakeGradium, type FakeGradiumOptions } from '../../../fakes/gradium.js';
import { concat, silence, sine } from '../../../helpers/signals.js';
import { paddedSpeech } from '../../../helpers/speech.js';
import { fakeRetryTime } from '../../../helpers/retry-time.js';
import { collect } from '../../../helpers/stt-stream.js';

// Time is a ManualClock moved with the audio (20 ms frames); retry waits advance it instead of
// sleeping. The fake is driven by the audio it receives, so what it says does not depend on timing.
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Waits (a bounded while) for the server to see what the client did: sockets close asynchronously. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}

const RATE = 16000;
const FRAME = RATE / 50;
const tone = (s: number) => sine(220, RATE, s, 0.3);

async function setup(options: FakeGradiumOptions = {}, settings: Record<string, unknown> = {}) {
  const fake = await startFakeGradium(options);
  closers.push(fake.close);
  const time = fakeRetryTime();
  const { clock, waits } = time;
  const logs: string[] = [];
  const budget = (retries = 5) => time.budget({ retries });
  const provider = (key: string | undefined = fake.key) => new GradiumStt(GradiumSttSettingsSchema.parse({ baseUrl: fake.url, ...settings }), key, { clock, log: (m) => logs.push(m) });
  return { fake, clock, waits, logs, budget, provider };
}

/** Pushes audio in 20 ms frames as a microphone would, the clock moving with it; I/O runs between frames. */
async function speak(stream: SttStream, audio: Float32Array, clock: ManualClock, between?: (atMs: number) => void) {
  for (let i = 0; i < audio.length; i += FRAME) {
    const frame = audio.subarray(i, i + FRAME);
    stream.push(frame, frame.some((x) => Math.abs(x) > 0.05));
    clock.advance(20);
    between?.(((i + FRAME) / RATE) * 1000);
    await new Promise((r) => setImmediate(r));
  }
}

const finals = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' && e.text ? [e.text] : []));
const types = (events: SttEvent[]) => events.map((e) => e.type);

describe('Gradium STT against the fake service', () => {
  it('sets up first, streams 24 kHz frames, and turns words into growing partials, an end of turn and a final', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['he was not an ill disposed young man'] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.5, 2);
    await speak(stream, audio, clock);
    await stream.end();
    await done;
    expect(fake.stats.setups).toEqual([{ type: 'setup', model_name: 'default', input_format: 'pcm', json_config: { language: 'en', delay_in_frames: 10 } }]);
    // 80 ms frames at 24 kHz (the last one may be short), as the service recommends.
    expect(fake.stats.audioChunkSamples.slice(0, -1).every((n) => n === 1920)).toBe(true);
    const partials = events.flatMap((e) => (e.type === 'partial' ? [e.text] : []));
    expect(partials[0]).toBe('he');
    expect(partials.at(-1)).toBe('he was not an ill disposed young man');
    const eot = events.findIndex((e) => e.type === 'end-of-turn');
    expect(events[eot]).toMatchObject({ type: 'end-of-turn', probability: expect.any(Number) });
    expect((events[eot] as { probability: number }).probability).toBeGreaterThan(0.5);
    // The end of turn flushes: the final follows, with the whole utterance.
    expect(events.slice(eot).find((e) => e.type === 'final')).toEqual({ type: 'final', text: 'he was not an ill disposed young man', endOfSpeech: true, fromFinalize: false });
    expect(finals(events)).toEqual(['he was not an ill disposed young man']);
    expect(events.filter((e) => e.type === 'turn-probability').length).toBeGreaterThan(40);
    expect(events.filter((e) => e.type === 'end-of-turn')).toHaveLength(1);
    expect(fake.stats.flushes).toEqual([1]);
    expect(fake.stats.endOfStream).toBe(1);
  });

  it('finalize() is a flush: the flushed acknowledgement closes a final marked fromFinalize', async () => {
    // The turn rule set out of reach, so only finalize() can produce the final.
    const { fake, clock, budget, provider } = await setup({ utterances: ['hello there'] }, { endOfTurnThreshold: 0.99 });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(silence(RATE, 0.3), tone(0.8), silence(RATE, 0.2)), clock);
    stream.finalize();
    await speak(stream, silence(RATE, 0.2), clock);
    // The service answers in order: the flush before the end of the stream.
    await stream.end();
    await done;
    expect(fake.stats.flushes).toEqual([1]);
    expect(events.filter((e) => e.type === 'final')).toEqual([{ type: 'final', text: 'hello there', endOfSpeech: false, fromFinalize: true }]);
    expect(events.some((e) => e.type === 'end-of-turn')).toBe(false);
  });

  it('a hesitation is not an end of turn: the semantic VAD waits while the sentence is unfinished', async () => {
    const { clock, budget, provider } = await setup({ utterances: ['i would like a flight to ... paris please'] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    // "... a flight to" - 0.85 s of silence - "paris please" - silence.
    await speak(stream, concat(silence(RATE, 0.3), tone(1.6), silence(RATE, 0.85), tone(0.8), silence(RATE, 1.5)), clock);
    await stream.end();
    await done;
    expect(events.filter((e) => e.type === 'end-of-turn')).toHaveLength(1);
    const eot = events.findIndex((e) => e.type === 'end-of-turn');
    const lastPartialBefore = events.slice(0, eot).filter((e) => e.type === 'partial').at(-1);
    expect(lastPartialBefore).toMatchObject({ text: 'i would like a flight to paris please' });
    expect(finals(events)).toEqual(['i would like a flight to paris please']);
  });

  it('endOfTurnHoldMs: the probability must stay above the threshold that long before the turn ends', async () => {
    const stepsToEndOfTurn = async (settings: Record<string, unknown>) => {
      const { clock, budget, provider } = await setup({ utterances: ['hello there'] }, settings);
      const stream = await provider().open({ sampleRate: RATE, retry: budget() });
      const { events, done } = collect(stream);
      await speak(stream, concat(silence(RATE, 0.3), tone(0.8), silence(RATE, 2)), clock);
      await stream.end();
      await done;
      return events.slice(0, events.findIndex((e) => e.type === 'end-of-turn')).filter((e) => e.type === 'turn-probability').length;
    };
    const immediate = await stepsToEndOfTurn({});
    // 400 ms more: five more 80 ms steps.
    expect(await stepsToEndOfTurn({ endOfTurnHoldMs: 400 })).toBe(immediate + 5);
    // A stricter threshold waits for a higher probability: later still.
    expect(await stepsToEndOfTurn({ endOfTurnThreshold: 0.7 })).toBeGreaterThan(immediate + 5);
  });

  it('the service timing out a socket (error 1008 "timeout") is a reconnect, not the end', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['one two three four'] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    let timedOut: Promise<void> | undefined;
    await speak(stream, concat(silence(RATE, 0.3), tone(1.6), silence(RATE, 1.5)), clock, (at) => {
      if (at === 1000) timedOut = fake.timeOutIdle();
    });
    await timedOut;
    await stream.end();
    await done;
    expect(fake.stats.closedIdle).toBe(1);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/timeout' } } });
    expect(finals(events)).toEqual(['one two three four']);
  });

  it('reads the model delay under either name (delay_in_tokens as the LiveKit plugin has it)', async () => {
    const { clock, budget, provider } = await setup({ utterances: ['hello there'], delayFieldName: 'delay_in_tokens' });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(tone(0.8), silence(RATE, 1.2)), clock);
    await stream.end();
    await done;
    expect(finals(events)).toEqual(['hello there']);
  });

  it('a bad key: one attempt, one typed error; a missing key names the variable to set', async () => {
    const { fake, clock, budget, provider } = await setup();
    const stream = await provider('revoked').open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, tone(1), clock);
    await done;
    expect(fake.stats.attempts).toBe(1);
    expect(types(events)).toEqual(['status', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/invalid-key', provider: 'gradium', message: 'invalid API key for Gradium: API key is revoked or expired' } });
    await expect(provider('').open({ sampleRate: RATE })).rejects.toMatchObject({ code: 'provider/missing-key', message: expect.stringMatching(/GRADIUM_API_KEY/) });
  });

  it('429 then 503 at the upgrade: retried within the budget, honouring Retry-After, then transcribes', async () => {
    const { fake, clock, waits, budget, provider } = await setup({ utterances: ['hello there'], sttFaults: [{ kind: 'status', status: 429, retryAfterS: 2 }, { kind: 'status', status: 503 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(tone(0.8), silence(RATE, 1.2)), clock);
    await stream.end();
    await done;
    expect(fake.stats.attempts).toBe(3);
    expect(waits[0]).toBeGreaterThanOrEqual(2000);
    expect(events.filter((e) => e.type === 'status').map((e) => (e as { status: { state: string } }).status.state)).toEqual(['connecting', 'retrying', 'connecting', 'retrying', 'connecting', 'ok']);
    expect(finals(events)).toEqual(['hello there']);
  });

  it('503 on every try: the budget runs out with one typed error', async () => {
    const { fake, clock, budget, provider } = await setup({ refuseAll: { status: 503 } });
    const stream = await provider().open({ sampleRate: RATE, retry: budget(2) });
    const { events, done } = collect(stream);
    await speak(stream, silence(RATE, 1), clock);
    await done;
    expect(fake.stats.attempts).toBe(3);
    expect(events.filter((e) => e.type === 'error')).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 'provider/server-error', message: 'Gradium server error (503): fake 503; gave up after 3 attempts' }) })]);
  });

  it('a dropped socket mid-utterance: reconnects, replays, and no word is lost or repeated', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['one two three four five six'], sttFaults: [{ kind: 'drop', afterAudioMs: 1600 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(silence(RATE, 0.3), tone(2.4), silence(RATE, 1.5)), clock);
    await stream.end();
    await done;
    expect(fake.stats.sttConnections).toBe(2);
    expect(events.some((e) => e.type === 'reconnected')).toBe(true);
    expect(finals(events)).toEqual(['one two three four five six']);
  });

  it('an internal error (1011) mid-stream is retried on a fresh connection', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['hello there'], sttFaults: [{ kind: 'internal', afterAudioMs: 400 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(silence(RATE, 0.6), tone(0.8), silence(RATE, 1.2)), clock);
    await stream.end();
    await done;
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/server-error', message: 'Gradium server error (1011): internal server error' } } });
    expect(fake.stats.sttConnections).toBe(2);
    expect(finals(events)).toEqual(['hello there']);
  });

  it('a malformed frame is a typed fault: it carries on over a fresh connection with the words', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['one two three four'], sttFaults: [{ kind: 'malformed', afterAudioMs: 800 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(silence(RATE, 0.3), tone(1.6), silence(RATE, 1.5)), clock);
    await stream.end();
    await done;
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/protocol' } } });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(fake.stats.sttConnections).toBe(2);
    expect(finals(events)).toEqual(['one two three four']);
  });

  it('a stalled connection (nothing back to speech) is dropped and replaced', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['one two three four'], sttFaults: [{ kind: 'stall', afterAudioMs: 200 }] }, { stallTimeoutMs: 1000 });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(silence(RATE, 0.3), tone(1.6), silence(RATE, 1.5)), clock);
    await stream.end();
    await done;
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/timeout' } } });
    expect(fake.stats.sttConnections).toBe(2);
    expect(finals(events)).toEqual(['one two three four']);
  });

  it('a setup never answered times out on the injected clock, and a fresh connection transcribes', async () => {
    const { fake, clock, budget, provider } = await setup({ utterances: ['hello there'], sttFaults: [{ kind: 'silent-setup' }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await until(() => fake.stats.setups.length === 1);
    // The service has the setup and says nothing: the clock (not the wall) decides when to give up on it.
    clock.advance(9_999);
    await new Promise((r) => setImmediate(r));
    expect(events.some((e) => e.type === 'status' && e.status.state === 'retrying')).toBe(false);
    clock.advance(1);
    await until(() => fake.stats.sttConnections === 2);
    expect(fake.stats.sttConnections).toBe(2);
    await speak(stream, concat(silence(RATE, 0.3), tone(0.8), silence(RATE, 1.2)), clock);
    await stream.end();
    await done;
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/timeout', message: 'Gradium did not answer the setup within 10 s' } } });
    expect(fake.stats.sttConnections).toBe(2);
    expect(finals(events)).toEqual(['hello there']);
  });

  it('an unknown message type is ignored and logged once', async () => {
    const { clock, logs, budget, provider } = await setup({ utterances: ['hello there'], sttFaults: [{ kind: 'unknown-type', afterAudioMs: 200 }] });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, concat(silence(RATE, 0.3), tone(0.8), silence(RATE, 1.2)), clock);
    await stream.end();
    await done;
    expect(events.filter((e) => e.type === 'status' && e.status.state === 'retrying')).toEqual([]);
    expect(logs.filter((l) => l.includes("unknown type 'speaker_change'"))).toHaveLength(1);
    expect(finals(events)).toEqual(['hello there']);
  });

  it('close() and an abort free the socket and the abort listener', async () => {
    const { fake, provider } = await setup();
    const controller = new AbortController();
    const first = await provider().open({ sampleRate: RATE, signal: controller.signal });
    const { done } = collect(first);
    await new Promise((r) => setTimeout(r, 30));
    first.close();
    await done;
    const second = await provider().open({ sampleRate: RATE, signal: controller.signal });
    const reading = collect(second);
    await new Promise((r) => setTimeout(r, 30));
    controller.abort();
    await reading.done;
    await until(() => fake.stats.openSockets === 0);
    expect(fake.stats.openSockets).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('the Gradium fake is as strict as the service', () => {
  /** Opens a raw socket, sends `messages`, returns what came back and the close code. */
  async function raw(url: string, key: string, messages: object[]): Promise<{ received: { type: string; code?: number; message?: string }[]; code: number }> {
    const ws = new WebSocket(`${url}/api/speech/asr`, { headers: { 'x-api-key': key } });
    const received: { type: string }[] = [];
    ws.on('message', (d: Buffer) => received.push(JSON.parse(d.toString('utf8')) as { type: string }));
    await new Promise((r) => ws.once('open', r));
    for (const m of messages) ws.send(JSON.stringify(m));
    const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
    return { received, code };
  }

  it('audio before setup, a bad key, a bad format or bad audio: error 1008 and close 1008', async () => {
    const fake = await startFakeGradium();
    closers.push(fake.close);
    const audio = { type: 'audio', audio: Buffer.alloc(3840).toString('base64') };
    expect(await raw(fake.url, fake.key, [audio])).toEqual({ received: [{ type: 'error', message: 'first message must be setup', code: 1008 }], code: 1008 });
    expect((await raw(fake.url, 'nope', [])).received).toEqual([{ type: 'error', message: 'API key is revoked or expired', code: 1008 }]);
    const badFormat = await raw(fake.url, fake.key, [{ type: 'setup', model_name: 'default', input_format: 'mp3' }]);
    expect(badFormat).toMatchObject({ received: [{ type: 'error', code: 1008 }], code: 1008 });
    const badConfig = await raw(fake.url, fake.key, [{ type: 'setup', input_format: 'pcm', json_config: '{not json' }]);
    expect(badConfig).toMatchObject({ received: [{ type: 'error', message: 'invalid json_config', code: 1008 }], code: 1008 });
    const badAudio = await raw(fake.url, fake.key, [{ type: 'setup', input_format: 'pcm' }, { type: 'audio', audio: '%%%' }]);
    expect(badAudio).toMatchObject({ received: [{ type: 'ready', sample_rate: 24000, frame_size: 1920 }, { type: 'error', code: 1008 }], code: 1008 });
  });
});
