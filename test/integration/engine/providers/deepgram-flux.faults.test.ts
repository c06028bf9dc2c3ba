import { afterEach, describe, expect, it } from 'vitest';
import { DeepgramFluxSettingsSchema, DeepgramFluxStt } from '../../../../electron/engine/providers/stt/deepgram-flux.js';
import { startFakeFlux, type FakeFluxOptions } from '../../../fakes/deepgram-flux.js';
import { concat, silence } from '../../../helpers/signals.js';
import { fakeRetryTime } from '../../../helpers/retry-time.js';
import { STT_RATE as RATE, finals, retries, speakFrames as speak, sttStallScenarios, tone } from '../../../helpers/stt-scenarios.js';
import { collect } from '../../../helpers/stt-stream.js';

// Time is a ManualClock moved with the audio (20 ms frames), on which the stream's 1 s watchdog
// ticks; retry waits are recorded and "slept" by advancing the clock.
// Sockets and the fake server run for real.
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(options: FakeFluxOptions = {}, key?: string) {
  const fake = await startFakeFlux(options);
  closers.push(fake.close);
  const { clock, waits, budget: retryBudget } = fakeRetryTime();
  const logs: string[] = [];
  const provider = new DeepgramFluxStt(DeepgramFluxSettingsSchema.parse({ baseUrl: fake.url }), key ?? fake.key, { clock, log: (m) => logs.push(m) });
  const budget = retryBudget();
  const stream = await provider.open({ sampleRate: RATE, retry: budget });
  return { fake, clock, logs, waits, stream, ...collect(stream) };
}

describe('Deepgram Flux: faults', () => {
  it('a rejected key is final: one attempt, one error, no new attempt per audio frame', async () => {
    const { fake, clock, stream, events, done } = await setup({}, 'revoked');
    await speak(stream, clock, concat(tone(1), silence(RATE, 1)), true);
    await done;
    expect(fake.stats.attempts).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['status', 'error']);
    expect(events.at(-1)).toMatchObject({ error: { code: 'provider/invalid-key', provider: 'deepgram-flux' } });
  });

  it('429 on every try: bounded attempts, each wait at least the Retry-After, then one rate-limit error', async () => {
    const { fake, clock, waits, stream, events, done } = await setup({ refuseAll: { status: 429, retryAfterS: 3 } });
    await speak(stream, clock, silence(RATE, 2), false);
    await done;
    expect(fake.stats.attempts).toBe(6);
    expect(waits).toHaveLength(5);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(3000);
    expect(events.filter((e) => e.type === 'error')).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 'provider/rate-limited', message: expect.stringMatching(/gave up after 6 attempts$/) }) })]);
  });

  it('503 twice, then the service is back: the audio pushed meanwhile is transcribed', async () => {
    const { fake, clock, stream, events, done } = await setup({ utterances: ['back again'], faults: [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }] });
    await speak(stream, clock, concat(silence(RATE, 0.3), tone(1), silence(RATE, 1)), false);
    await stream.end();
    await done;
    expect(fake.stats.attempts).toBe(3);
    expect(retries(events)).toEqual(['provider/server-error', 'provider/server-error']);
    expect(finals(events)).toEqual(['back again']);
  });

  sttStallScenarios('deepgram-flux', setup);

  it('four dropped connections in a conversation: every turn still arrives, once', async () => {
    const utterances = ['one two three', 'four five six', 'seven eight nine', 'ten eleven twelve'];
    const { fake, clock, stream, events, done } = await setup({ utterances });
    const turn = concat(silence(RATE, 1), tone(3), silence(RATE, 3));
    for (let i = 0; i < 4; i++) {
      await speak(stream, clock, turn.subarray(0, RATE * 2.5), true);
      fake.dropConnections();
      await speak(stream, clock, turn.subarray(RATE * 2.5), false);
    }
    await stream.end();
    await done;
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.filter((e) => e.type === 'reconnected')).toHaveLength(4);
    expect(finals(events)).toEqual(utterances);
    expect(events.filter((e) => e.type === 'end-of-turn')).toHaveLength(4);
  });

  it('a drop just after EndOfTurn does not replay the finished turn (its audio is settled)', async () => {
    const { fake, clock, stream, events, done } = await setup({ utterances: ['first', 'second'] });
    // EndOfTurn about 0.5 s into the pause (at 2 s); the drop at 2.2 s.
    await speak(stream, clock, concat(silence(RATE, 0.5), tone(1), silence(RATE, 0.7)), false);
    expect(finals(events)).toEqual(['first']);
    fake.dropConnections();
    await speak(stream, clock, concat(silence(RATE, 0.5), tone(1), silence(RATE, 1)), false);
    await stream.end();
    await done;
    expect(events.filter((e) => e.type === 'reconnected')).toHaveLength(1);
    expect(finals(events)).toEqual(['first', 'second']);
    expect(fake.stats.turns).toEqual(['first', 'second']);
  });
});
