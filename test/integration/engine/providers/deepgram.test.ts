import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../../../electron/engine/clock.js';
import { RetryBudget } from '../../../../electron/engine/providers/retry-budget.js';
import { DeepgramSettingsSchema, DeepgramStt } from '../../../../electron/engine/providers/stt/deepgram.js';
import type { SttEvent } from '../../../../electron/engine/providers/types.js';
import { startFakeDeepgram, type FakeDeepgramOptions } from '../../../fakes/deepgram.js';
import { feed, paddedSpeech } from '../../../helpers/speech.js';
import { untilTrue } from '../../../helpers/event-loop.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(options: FakeDeepgramOptions = {}, settings: Record<string, unknown> = {}) {
  const fake = await startFakeDeepgram(options);
  closers.push(fake.close);
  const provider = (key: string | undefined = fake.key) => new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: fake.url, ...settings }), key, { clock: systemClock });
  return { fake, provider };
}

/** Streams a real recording through a Deepgram stream and collects events until the stream ends. */
async function transcribe(provider: DeepgramStt, audio: Float32Array, paceMs = 0): Promise<SttEvent[]> {
  const stream = await provider.open({ sampleRate: 16000 });
  const events: SttEvent[] = [];
  const reading = (async () => {
    for await (const e of stream) events.push(e);
  })();
  await feed((s) => stream.push(s), audio, paceMs);
  await new Promise((r) => setTimeout(r, 50));
  await stream.end();
  await reading;
  return events;
}

describe('Deepgram live STT', () => {
  it('sends linear16 with the documented query and returns partials, a speech_final and UtteranceEnd', async () => {
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'] });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    const events = await transcribe(provider(), audio);
    const q = fake.stats.queries[0]!;
    expect(Object.fromEntries(q)).toMatchObject({ encoding: 'linear16', sample_rate: '16000', interim_results: 'true', endpointing: '300', utterance_end_ms: '1000', vad_events: 'true' });
    expect(events.some((e) => e.type === 'partial')).toBe(true);
    expect(events.find((e) => e.type === 'final' && e.text)).toMatchObject({ text: 'he was not an ill disposed young man', endOfSpeech: true });
    expect(events.some((e) => e.type === 'end-of-turn')).toBe(true);
    expect(fake.stats.audioBytes).toBe(audio.length * 2);
    expect(fake.stats.closeStream).toBe(1);
  });

  it('Finalize yields a from_finalize final right away', async () => {
    // Deepgram's own endpointing set long, so only Finalize can produce the final.
    const { provider } = await setup({ utterances: ['hello'] }, { endpointingMs: 10_000 });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.2, 0);
    const stream = await provider().open({ sampleRate: 16000 });
    await feed((s) => stream.push(s), audio);
    stream.finalize();
    for await (const e of stream) {
      if (e.type === 'final') {
        expect(e).toMatchObject({ text: 'hello', fromFinalize: true });
        break;
      }
    }
    stream.close();
  });

  it('a bad key ends the stream with the server\'s reason; a missing key names the variable', async () => {
    const { provider } = await setup();
    const events: SttEvent[] = [];
    for await (const e of await provider('bad').open({ sampleRate: 16000 })) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/invalid-key', message: 'invalid API key for Deepgram: Invalid credentials.' } });
    await expect(provider('').open({ sampleRate: 16000 })).rejects.toMatchObject({ code: 'provider/missing-key', message: expect.stringMatching(/DEEPGRAM_API_KEY/) });
  });

  it('reconnects after a drop mid-utterance and replays the audio, so the words still arrive', async () => {
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'drop', afterAudioMs: 1200 }] });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    const events = await transcribe(provider(), audio, 2);
    expect(events.some((e) => e.type === 'reconnected')).toBe(true);
    expect(fake.stats.connections).toBe(2);
    // The replayed audio reached the new connection: more bytes than were pushed once.
    expect(fake.stats.audioBytes).toBeGreaterThan(audio.length * 2);
    const finals = events.filter((e) => e.type === 'final' && e.text).map((e) => (e as { text: string }).text);
    expect(finals).toEqual(['he was not an ill disposed young man']);
  });

  it('a drop after end() (CloseStream unanswered) reconnects, replays what was not confirmed, and ends with the words', async () => {
    // Deepgram's own endpointing set long: only CloseStream can produce the final.
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'drop-on-close-stream' }] }, { endpointingMs: 10_000 });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.2, 0);
    const events = await transcribe(provider(), audio);
    expect(fake.stats.connections).toBe(2);
    expect(fake.stats.closeStream).toBe(2);
    const finals = events.filter((e) => e.type === 'final' && e.text).map((e) => (e as { text: string }).text);
    expect(finals).toEqual(['he was not an ill disposed young man']);
  });

  it('a malformed frame is a typed fault: it carries on over a fresh connection', async () => {
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'malformed', afterAudioMs: 800 }] });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    const events = await transcribe(provider(), audio, 2);
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/protocol' } } });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(fake.stats.connections).toBe(2);
    // The replayed audio was transcribed on the new connection: the words still arrive.
    expect(events.filter((e) => e.type === 'final' && e.text).map((e) => (e as { text: string }).text)).toEqual(['he was not an ill disposed young man']);
  });

  it('gives up with a typed error when reconnecting keeps failing', async () => {
    const { fake, provider } = await setup({ faults: [{ kind: 'drop', afterAudioMs: 100 }, { kind: 'status', status: 503 }, { kind: 'status', status: 503 }] }, { maxReconnects: 2 });
    const clock = new ManualClock();
    const retry = new RetryBudget(clock, { retries: 2, sleep: async (ms) => clock.advance(ms) });
    const stream = await provider().open({ sampleRate: 16000, retry });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    await feed((s) => stream.push(s), audio.subarray(0, 16000));
    const events: SttEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/server-error', message: 'Deepgram server error (503): fake 503; gave up after 3 attempts' } });
    expect(fake.stats.attempts).toBe(3);
  });

  it('close() frees the socket', async () => {
    const { fake, provider } = await setup();
    const stream = await provider().open({ sampleRate: 16000 });
    stream.close();
    await untilTrue(() => fake.stats.openSockets === 0, 'the socket closed at the server');
  });
});
