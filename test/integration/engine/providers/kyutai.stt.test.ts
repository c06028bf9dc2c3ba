import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../../electron/engine/clock.js';
import { RetryBudget } from '../../../../electron/engine/providers/retry-budget.js';
import { KyutaiStt, KyutaiSttSettingsSchema } from '../../../../electron/engine/providers/stt/kyutai.js';
import type { SttEvent } from '../../../../electron/engine/providers/types.js';
import { startFakeKyutai, type FakeKyutaiOptions } from '../../../fakes/kyutai-moshi-server.js';
import { concat, silence } from '../../../helpers/signals.js';
import { feed, paddedSpeech } from '../../../helpers/speech.js';
import { collect } from '../../../helpers/stt-stream.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const SPEECH = 'librivox-ss01-0880.wav';
const SENTENCE = 'he was not an ill disposed young man';

async function setup(options: FakeKyutaiOptions = {}, settings: Record<string, unknown> = {}) {
  const fake = await startFakeKyutai(options);
  closers.push(fake.close);
  const logs: string[] = [];
  const provider = (key: string | undefined = undefined) => new KyutaiStt(KyutaiSttSettingsSchema.parse({ baseUrl: fake.url, ...settings }), key, { clock: systemClock, log: (m) => logs.push(m) });
  return { fake, provider, logs };
}

/** A budget whose waits pass on a manual clock (no real sleeps). */
function instantBudget(retries = 5) {
  const clock = new ManualClock();
  return new RetryBudget(clock, { retries, sleep: async (ms) => clock.advance(ms) });
}

/** Streams a recording (16 kHz) and ends the stream (marker + flush), returning every event. */
async function transcribe(provider: KyutaiStt, audio: Float32Array, paceMs = 0, retry?: RetryBudget): Promise<SttEvent[]> {
  const stream = await provider.open({ sampleRate: 16000, ...(retry ? { retry } : {}) });
  const { events, done } = collect(stream);
  await feed((s) => stream.push(s, true), audio, paceMs);
  await stream.end();
  await done;
  return events;
}

/** Waits (without a deadline of its own: the test's timeout bounds it) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

const finals = (events: SttEvent[]) => events.filter((e): e is Extract<SttEvent, { type: 'final' }> => e.type === 'final').map((e) => e.text).filter(Boolean);

describe('Kyutai STT (moshi-server)', () => {
  it('sends 24 kHz float frames of 1920 samples, waits for Ready, and returns the words, turn signals and a final', async () => {
    const { fake, provider } = await setup({ utterances: [SENTENCE] });
    const { audio } = await paddedSpeech(SPEECH);
    // Paced, so the steps come back while the audio goes out (as from a microphone).
    const events = await transcribe(provider(), audio, 1);
    // Unmute's id when no key is set.
    expect(fake.stats.headers).toEqual(['public_token']);
    // Resampled to 24 kHz and sent in whole frames only (the last partial frame padded at the flush).
    expect(fake.stats.stt.oddLengthMessages).toBe(0);
    expect(fake.stats.stt.audioSamples).toBeGreaterThanOrEqual(Math.floor((audio.length * 3) / 2));
    const partials = events.filter((e) => e.type === 'partial').map((e) => (e as { text: string }).text);
    expect(partials.at(-1)).toBe(SENTENCE);
    expect(partials[0]).toBe('he');
    expect(events.filter((e) => e.type === 'speech-started')).toHaveLength(1);
    // The pause prediction per step, and the end of turn once its average passed 0.6 in the trailing silence.
    expect(events.filter((e) => e.type === 'turn-probability').length).toBeGreaterThan(20);
    const eot = events.find((e) => e.type === 'end-of-turn') as { probability: number } | undefined;
    expect(eot?.probability).toBeGreaterThan(0.6);
    // Only once the user spoke; it may come before the last words, which are still inside the model's
    // delay (why Unmute flushes after it).
    expect(events.indexOf(eot as SttEvent)).toBeGreaterThan(events.findIndex((e) => e.type === 'partial'));
    expect(events.filter((e) => e.type === 'final')).toEqual([{ type: 'final', text: SENTENCE, endOfSpeech: true, fromFinalize: false }]);
    await until(() => fake.stats.stt.open === 0);
  });

  it('finalize() sends a marker and Unmute\'s 8 silence frames, and the final comes when the marker returns', async () => {
    const { fake, provider } = await setup({ utterances: [SENTENCE] });
    const { audio } = await paddedSpeech(SPEECH, 0.3, 0.1);
    const stream = await provider().open({ sampleRate: 16000 });
    const { events } = collect(stream);
    await feed((s) => stream.push(s, true), audio);
    stream.finalize();
    for await (const e of stream) {
      if (e.type === 'final') {
        expect(e).toMatchObject({ text: SENTENCE, fromFinalize: true });
        break;
      }
    }
    expect(fake.stats.stt.markers).toEqual([1]);
    expect(fake.stats.stt.markersReturned).toEqual([1]);
    // ceil(0.5 s / 80 ms) + 1 = 8 frames of silence at once (more only if the marker were late).
    expect(fake.stats.stt.zeroFrames).toBeGreaterThanOrEqual(8);
    expect(events.filter((e) => e.type === 'final')).toHaveLength(0); // read through the loop above
    stream.close();
  });

  it('a longer model delay: silence goes on, a frame per step, until the marker returns', async () => {
    // stt-2.6b-en's 2.5 s delay (31 steps) with the client set for 0.5 s: 8 frames are not enough.
    const { fake, provider } = await setup({ utterances: ['hello'], delayFrames: 31 });
    const { audio } = await paddedSpeech(SPEECH, 0.3, 0.1);
    const events = await transcribe(provider(), audio);
    expect(finals(events)).toEqual(['hello']);
    expect(fake.stats.stt.zeroFrames).toBeGreaterThan(8);
  });

  it('words after the end of turn, before the final: the turn resumed', async () => {
    // "hello", a 1 s pause (the pause prediction passes 0.6), then "again".
    const { provider } = await setup({ utterances: ['hello', 'again'], utteranceGapMs: 300 });
    const { audio: word } = await paddedSpeech(SPEECH, 0, 0);
    const audio = concat(silence(16000, 0.3), word.subarray(0, 8000), silence(16000, 1), word.subarray(0, 8000), silence(16000, 1));
    const events = await transcribe(provider(), audio, 1);
    const signals = events.filter((e) => ['partial', 'end-of-turn', 'turn-resumed', 'final'].includes(e.type)).map((e) => e.type + ('text' in e ? `:${e.text}` : ''));
    expect(signals).toEqual(['partial:hello', 'end-of-turn', 'turn-resumed', 'partial:hello again', 'end-of-turn', 'final:hello again']);
  });

  it('a bad key: one attempt, a typed error naming KYUTAI_API_KEY', async () => {
    const { fake, provider } = await setup({ authorizedIds: ['secret-id'] });
    const events: SttEvent[] = [];
    for await (const e of await provider('wrong').open({ sampleRate: 16000, retry: instantBudget() })) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/invalid-key', message: expect.stringMatching(/KYUTAI_API_KEY.*authorized_ids|refused the key in KYUTAI_API_KEY/) } });
    expect(fake.stats.stt.attempts).toBe(1);
    // Without a key the default id is sent, and the message says so.
    const noKey: SttEvent[] = [];
    for await (const e of await provider(undefined).open({ sampleRate: 16000 })) noKey.push(e);
    expect(noKey.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringMatching(/'public_token' \(no KYUTAI_API_KEY was given for this endpoint\)/) } });
  });

  it('a full server ("no free channels") is retried within the budget and says the server is full', async () => {
    const { fake, provider } = await setup({ utterances: ['hello'], sttFaults: [{ kind: 'full' }] });
    const { audio } = await paddedSpeech(SPEECH, 0.3, 0.5);
    const events = await transcribe(provider(), audio, 0, instantBudget());
    const retrying = events.find((e) => e.type === 'status' && e.status.state === 'retrying') as { status: { reason: { code: string; message: string } } };
    expect(retrying.status.reason).toMatchObject({ code: 'provider/rate-limited', message: expect.stringMatching(/is full \(no free channels/) });
    expect(finals(events)).toEqual(['hello']);
    expect(fake.stats.stt.attempts).toBe(2);
  });

  it('a server that stays full: bounded retries, then one typed error', async () => {
    const { fake, provider } = await setup({ channels: 0 });
    const events: SttEvent[] = [];
    for await (const e of await provider().open({ sampleRate: 16000, retry: instantBudget(2) })) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/rate-limited', message: expect.stringMatching(/full.*gave up after 3 attempts/) } });
    expect(fake.stats.stt.attempts).toBe(3);
  });

  it('503 at the upgrade is retried with bounded attempts', async () => {
    const { fake, provider } = await setup({ utterances: ['hello'], sttFaults: [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }] });
    const { audio } = await paddedSpeech(SPEECH, 0.3, 0.5);
    const events = await transcribe(provider(), audio, 0, instantBudget());
    expect(events.filter((e) => e.type === 'status' && e.status.state === 'retrying')).toHaveLength(2);
    expect(finals(events)).toEqual(['hello']);
    expect(fake.stats.stt.attempts).toBe(3);
  });

  it('a server that never says Ready is given up on when the injected clock says so; a fresh connection transcribes', async () => {
    const { fake } = await setup({ utterances: ['hello'], sttFaults: [{ kind: 'no-ready' }] });
    const clock = new ManualClock();
    const provider = new KyutaiStt(KyutaiSttSettingsSchema.parse({ baseUrl: fake.url }), undefined, { clock });
    const stream = await provider.open({ sampleRate: 16000, retry: instantBudget() });
    const { events, done } = collect(stream);
    // Upgraded, and waiting for Ready on the clock.
    await until(() => clock.pendingTimers === 1);
    clock.advance(10_000);
    await until(() => fake.stats.stt.connections === 1);
    const { audio } = await paddedSpeech(SPEECH, 0.3, 0.5);
    await feed((s) => stream.push(s, true), audio, 0);
    await stream.end();
    await done;
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/timeout', message: expect.stringMatching(/did not say Ready within 10 s/) } } });
    expect(fake.stats.stt.attempts).toBe(2);
    expect(finals(events)).toEqual(['hello']);
  });

  it('a dropped socket mid-utterance: reconnects, replays the audio, and no word is lost', async () => {
    const { fake, provider } = await setup({ utterances: [SENTENCE], sttFaults: [{ kind: 'drop', afterAudioMs: 1500 }] });
    const { audio } = await paddedSpeech(SPEECH);
    const events = await transcribe(provider(), audio, 1, instantBudget());
    expect(events.some((e) => e.type === 'reconnected')).toBe(true);
    expect(fake.stats.stt.connections).toBe(2);
    expect(finals(events)).toEqual([SENTENCE]);
  });

  it('a drop after the speech, before the last words came: the replayed audio brings them', async () => {
    const { audio, startMs, speechMs } = await paddedSpeech(SPEECH);
    // 0.3 s after the speech: the last words are still inside the model's 0.48 s delay.
    const { fake, provider } = await setup({ utterances: [SENTENCE], sttFaults: [{ kind: 'drop', afterAudioMs: startMs + speechMs + 300 }] });
    const events = await transcribe(provider(), audio, 1, instantBudget());
    expect(fake.stats.stt.connections).toBe(2);
    const partialsBefore = events.slice(0, events.findIndex((e) => e.type === 'reconnected')).filter((e) => e.type === 'partial');
    expect((partialsBefore.at(-1) as { text: string }).text).not.toBe(SENTENCE);
    expect(finals(events)).toEqual([SENTENCE]);
  });

  it('a malformed frame is a typed fault: it carries on over a fresh connection, words intact', async () => {
    const { fake, provider } = await setup({ utterances: [SENTENCE], sttFaults: [{ kind: 'malformed', afterAudioMs: 800 }] });
    const { audio } = await paddedSpeech(SPEECH);
    const events = await transcribe(provider(), audio, 1, instantBudget());
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/protocol' } } });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(fake.stats.stt.connections).toBe(2);
    expect(finals(events)).toEqual([SENTENCE]);
  });

  it('a message type it does not know is ignored (logged once)', async () => {
    const { provider, logs } = await setup({ utterances: ['hello'], sttFaults: [{ kind: 'unknown-type', afterAudioMs: 300 }] });
    const { audio } = await paddedSpeech(SPEECH, 0.3, 0.5);
    const events = await transcribe(provider(), audio);
    expect(events.filter((e) => e.type === 'status' && e.status.state === 'retrying')).toEqual([]);
    expect(finals(events)).toEqual(['hello']);
    expect(logs.filter((l) => l.includes("unknown type 'Telemetry'"))).toHaveLength(1);
  });

  it('a stalled server (speech answered by nothing) is dropped and the words come on the next connection', async () => {
    const { fake, provider } = await setup({ utterances: [SENTENCE], sttFaults: [{ kind: 'stall', afterAudioMs: 400 }] }, { stallTimeoutMs: 1000 });
    const { audio } = await paddedSpeech(SPEECH);
    const events = await transcribe(provider(), audio, 1, instantBudget());
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/timeout' } } });
    expect(fake.stats.stt.connections).toBe(2);
    expect(finals(events)).toEqual([SENTENCE]);
  });

  it('a server that goes quiet while a flush is owed is dropped (measured in audio, silence included), and the final comes', async () => {
    const { audio, startMs, speechMs } = await paddedSpeech(SPEECH, 0.3, 0.1);
    const { fake, provider } = await setup({ utterances: [SENTENCE], sttFaults: [{ kind: 'stall', afterAudioMs: startMs + speechMs + 50 }] }, { stallTimeoutMs: 1000 });
    const stream = await provider().open({ sampleRate: 16000, retry: instantBudget() });
    const { events } = collect(stream);
    await feed((s) => stream.push(s, true), audio, 1);
    stream.finalize();
    // The microphone goes on: silence, which the VAD does not call speech.
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'final'); i++) await feed((s) => stream.push(s, false), silence(16000, 0.1), 1);
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/timeout', message: expect.stringMatching(/while a flush was owed/) } } });
    expect(fake.stats.stt.connections).toBe(2);
    expect(finals(events)).toEqual([SENTENCE]);
    stream.close();
  });

  it('close() and abort free the socket at once', async () => {
    const { fake, provider } = await setup();
    const stream = await provider().open({ sampleRate: 16000 });
    const { done } = collect(stream);
    await until(() => fake.stats.stt.open === 1);
    stream.close();
    await done;
    await until(() => fake.stats.stt.open === 0);
    const controller = new AbortController();
    const aborted = await provider().open({ sampleRate: 16000, signal: controller.signal });
    const second = collect(aborted);
    await until(() => fake.stats.stt.open === 1);
    controller.abort();
    await second.done;
    await until(() => fake.stats.stt.open === 0);
    expect(fake.stats.stt.connections).toBe(2);
  });
});
