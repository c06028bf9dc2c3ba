import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { RetryBudget } from '../../../../electron/engine/providers/retry-budget.js';
import { DeepgramSettingsSchema, DeepgramStt } from '../../../../electron/engine/providers/stt/deepgram.js';
import type { SttEvent, SttStream } from '../../../../electron/engine/providers/types.js';
import { startFakeDeepgram, type FakeDeepgramOptions } from '../../../fakes/deepgram.js';
import { concat, silence, sine } from '../../../helpers/signals.js';

// The stream's 1 s watchdog ticks on the ManualClock, which moves as audio is pushed (20 ms
// frames); sockets and the fake server run for real.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const RATE = 16000;
const FRAME = RATE / 50;

async function setup(options: FakeDeepgramOptions = {}) {
  const fake = await startFakeDeepgram(options);
  closers.push(fake.close);
  const clock = new ManualClock(1_000_000);
  const logs: string[] = [];
  const provider = new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: fake.url }), fake.key, { clock, log: (m) => logs.push(m) });
  const budget = new RetryBudget(clock, {
    random: () => 0.5,
    sleep: async (ms) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
    },
  });
  const stream = await provider.open({ sampleRate: RATE, retry: budget });
  const events: SttEvent[] = [];
  const done = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { fake, clock, logs, stream, events, done };
}

/** 20 ms frames, `voiced` as a VAD would say; every second of audio the watchdog ticks. */
async function speak(stream: SttStream, clock: ManualClock, audio: Float32Array, voiced: boolean) {
  for (let i = 0; i < audio.length; i += FRAME) {
    stream.push(audio.subarray(i, i + FRAME), voiced);
    clock.advance(20);
    await new Promise((r) => setImmediate(r));
  }
}

const tone = (s: number) => sine(220, RATE, s, 0.3);
const retries = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'status' && e.status.state === 'retrying' ? [e.status.reason.code] : []));

describe('Deepgram: silence is not a stall; a stall is', () => {
  it('30 s of silence with not a word back keeps the one connection (the server may say nothing to silence)', async () => {
    const { fake, clock, stream, events, done } = await setup();
    await speak(stream, clock, silence(RATE, 30), false);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // The one connection is still open: never dropped to "recover" from silence.
    expect(fake.stats.openSockets).toBe(1);
    expect(fake.stats.attempts).toBe(1);
    expect(retries(events)).toEqual([]);
    stream.close();
    await done;
  });

  it('speech answered by nothing for 10 s is a stall: reconnect, replay, and the words still arrive', async () => {
    const { fake, clock, stream, events, done } = await setup({ utterances: ['a long thought'], faults: [{ kind: 'stall', afterAudioMs: 500 }] });
    await speak(stream, clock, tone(12), true);
    await speak(stream, clock, silence(RATE, 2), false);
    await stream.end();
    await done;
    expect(fake.stats.attempts).toBe(2);
    expect(retries(events)).toEqual(['provider/timeout']);
    expect(events.filter((e) => e.type === 'final' && e.text).map((e) => (e as { text: string }).text)).toEqual(['a long thought']);
  });

  it('a dead connection (no answer to a ping) is found even while the user is silent', async () => {
    const { fake, clock, stream, events, done } = await setup({ faults: [{ kind: 'dead', afterAudioMs: 500 }] });
    await speak(stream, clock, silence(RATE, 20), false);
    expect(retries(events)).toEqual(['provider/timeout']);
    expect(fake.stats.attempts).toBe(2);
    expect(events.filter((e) => e.type === 'status').at(-1)).toMatchObject({ status: { state: 'ok' } });
    stream.close();
    await done;
  });

  it('a message of an unknown type is ignored (logged once), not treated as malformed', async () => {
    const { fake, clock, logs, stream, events, done } = await setup({ utterances: ['hello there'], faults: [{ kind: 'unknown-type', afterAudioMs: 300 }] });
    await speak(stream, clock, concat(silence(RATE, 0.5), tone(1.5), silence(RATE, 1.5)), false);
    await stream.end();
    await done;
    expect(fake.stats.attempts).toBe(1);
    expect(events.filter((e) => e.type === 'error' || (e.type === 'status' && e.status.state === 'retrying'))).toEqual([]);
    expect(events.filter((e) => e.type === 'final' && e.text).map((e) => (e as { text: string }).text)).toEqual(['hello there']);
    expect(logs).toEqual(["deepgram: ignoring messages of unknown type 'SomethingNew'"]);
  });
});
