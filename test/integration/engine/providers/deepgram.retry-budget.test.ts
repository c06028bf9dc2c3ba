import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../../electron/engine/clock.js';
import { DeepgramSettingsSchema, DeepgramStt } from '../../../../electron/engine/providers/stt/deepgram.js';
import type { SttEvent, SttStream } from '../../../../electron/engine/providers/types.js';
import { startFakeDeepgram, type FakeDeepgramOptions } from '../../../fakes/deepgram.js';
import { concat, silence, sine } from '../../../helpers/signals.js';
import { fakeRetryTime } from '../../../helpers/retry-time.js';
import { collect } from '../../../helpers/stt-stream.js';

// Time is a ManualClock; every retry wait is recorded and "slept" by advancing it (no real sleeps).
const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const RATE = 16000;
const FRAME = RATE / 50;


async function setup(options: FakeDeepgramOptions = {}, settings: Record<string, unknown> = {}, baseUrl?: string) {
  const fake = await startFakeDeepgram(options);
  closers.push(fake.close);
  const time = fakeRetryTime();
  const logs: string[] = [];
  const provider = (key: string = fake.key) => new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: baseUrl ?? fake.url, ...settings }), key, { clock: time.clock, log: (m) => logs.push(m) });
  return { fake, provider, logs, ...time };
}

/** Pushes audio in 20 ms frames as a microphone would, the clock moving with it; lets I/O run between frames. */
async function speak(stream: SttStream, audio: Float32Array, clock: ManualClock, voiced: (frame: Float32Array) => boolean = () => false, between?: (atMs: number) => void) {
  for (let i = 0; i < audio.length; i += FRAME) {
    const frame = audio.subarray(i, i + FRAME);
    stream.push(frame, voiced(frame));
    clock.advance(20);
    between?.(((i + FRAME) / RATE) * 1000);
    await new Promise((r) => setImmediate(r));
  }
}

const tone = (s: number) => sine(220, RATE, s, 0.3);
const statuses = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'status' ? [e.status.state] : []));
const texts = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' && e.text ? [e.text] : []));

describe('Deepgram: one retry budget, no storms', () => {
  it('a rejected key is final: one attempt, one error naming Deepgram, no new attempt per audio frame', async () => {
    const { fake, provider, clock } = await setup();
    const stream = await provider('revoked').open({ sampleRate: RATE });
    const { events, done } = collect(stream);
    await speak(stream, concat(tone(1), silence(RATE, 1)), clock);
    await done;
    expect(fake.stats.attempts).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['status', 'error']);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/invalid-key', provider: 'deepgram', message: 'invalid API key for Deepgram: Invalid credentials.' } });
  });

  it('503 on every try: a handful of attempts, each wait at least the Retry-After, then one error', async () => {
    const { fake, provider, budget, waits, clock } = await setup({ refuseAll: { status: 503, retryAfterS: 2 } });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    // Audio keeps coming while it retries: it must not cause attempts of its own.
    await speak(stream, silence(RATE, 2), clock);
    await done;
    expect(fake.stats.attempts).toBe(6);
    expect(waits).toHaveLength(5);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(2000);
    const errors = events.filter((e) => e.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ error: { code: 'provider/server-error', message: 'Deepgram server error (503): fake 503; gave up after 6 attempts' } });
    expect(statuses(events)).toEqual(['connecting', 'retrying', 'connecting', 'retrying', 'connecting', 'retrying', 'connecting', 'retrying', 'connecting', 'retrying', 'connecting']);
    const retrying = events.find((e) => e.type === 'status' && e.status.state === 'retrying');
    expect(retrying).toMatchObject({ status: { attempt: 1, inMs: 2000, reason: { code: 'provider/server-error' } } });
  });

  it('backoff grows while faults follow each other (exponential, jittered, capped)', async () => {
    const { provider, budget, waits } = await setup({ refuseAll: { status: 503 } });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    await collect(stream).done;
    // random() = 0.5 -> three quarters of each step: 500, 1000, 2000, 4000, 4000 (capped).
    expect(waits).toEqual([375, 750, 1500, 3000, 3000]);
  });

  it('an unreachable host: the same budget, one short error naming the endpoint without its query', async () => {
    const { provider, budget, waits } = await setup({}, {}, 'ws://127.0.0.1:9');
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await done;
    expect(waits).toHaveLength(5);
    const error = events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ error: { code: 'provider/unreachable' } });
    const message = (error as Extract<SttEvent, { type: 'error' }>).error.message;
    expect(message).toMatch(/^cannot reach Deepgram at ws:\/\/127\.0\.0\.1:9\/v1\/listen: .*; gave up after 6 attempts$/);
    expect(message.length).toBeLessThan(160);
  });

  it('four dropped connections in a 40 s conversation: every reconnect succeeds and no word is lost', async () => {
    const utterances = ['one two three', 'four five six', 'seven eight nine', 'ten eleven twelve'];
    const { fake, provider, budget, clock } = await setup({ utterances });
    // The old behaviour: a counter of 3 reconnects for the whole stream, never reset.
    const stream = await provider().open({ sampleRate: RATE, retry: budget({ retries: 3 }) });
    const { events, done } = collect(stream);
    const turn = concat(silence(RATE, 1), tone(3), silence(RATE, 6));
    const audio = concat(turn, turn, turn, turn);
    // Drops in the middle of each utterance's speech: its audio is replayed on the next connection.
    const dropsAt = [2500, 12_500, 22_500, 32_500];
    await speak(stream, audio, clock, (f) => f.some((x) => Math.abs(x) > 0.1), (at) => {
      if (dropsAt.includes(at)) fake.dropConnections();
    });
    await stream.end();
    await done;
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.filter((e) => e.type === 'reconnected')).toHaveLength(4);
    expect(fake.stats.attempts).toBe(5);
    expect(texts(events)).toEqual(utterances);
  });

  it('a connection that keeps dropping right after it opens runs the budget out', async () => {
    const faults = Array.from({ length: 20 }, () => ({ kind: 'drop' as const, afterAudioMs: 100 }));
    const { fake, provider, budget, clock } = await setup({ faults });
    const stream = await provider().open({ sampleRate: RATE, retry: budget() });
    const { events, done } = collect(stream);
    await speak(stream, silence(RATE, 20), clock);
    await done;
    expect(events.filter((e) => e.type === 'error')).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 'provider/disconnected' }) })]);
    // Connected for moments only, it earns (almost) nothing back: six connections, then the end.
    expect(fake.stats.attempts).toBe(6);
  });

  it('the budget is shared: a second stream on a spent budget gives up after its first failure', async () => {
    const { fake, provider, budget } = await setup({ refuseAll: { status: 503 } });
    const shared = budget({ retries: 2 });
    await collect(await provider().open({ sampleRate: RATE, retry: shared })).done;
    expect(fake.stats.attempts).toBe(3);
    const second = await provider().open({ sampleRate: RATE, retry: shared });
    const { events, done } = collect(second);
    await done;
    expect(fake.stats.attempts).toBe(4);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
  });

  it('streams remove their abort listener when they end', async () => {
    const { provider } = await setup();
    const controller = new AbortController();
    for (let i = 0; i < 15; i++) {
      const stream = await provider().open({ sampleRate: RATE, signal: controller.signal });
      const { done } = collect(stream);
      stream.close();
      await done;
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
