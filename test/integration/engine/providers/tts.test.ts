import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../../../electron/engine/clock.js';
import { isAbort } from '../../../../electron/engine/errors.js';
import { ElevenLabsSettingsSchema, ElevenLabsTts } from '../../../../electron/engine/providers/tts/elevenlabs.js';
import { OpenAiSpeechSettingsSchema, OpenAiSpeechTts } from '../../../../electron/engine/providers/tts/openai-speech.js';
import type { TtsEvent, TtsProvider } from '../../../../electron/engine/providers/types.js';
import { startFakeElevenLabs } from '../../../fakes/elevenlabs.js';
import { startFakeOpenAi } from '../../../fakes/openai.js';
import { outcomeOf, settleTurns, untilTrue } from '../../../helpers/event-loop.js';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function speakAll(provider: TtsProvider, texts: string[]): Promise<TtsEvent[]> {
  const stream = provider.open({});
  for (const t of texts) stream.push(t);
  stream.end();
  const events: TtsEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

/**
 * A stream whose server goes quiet after `audioBefore` audio events: it must fail after exactly
 * its stall timeout of clock time, not a moment before.
 */
async function expectStallOnClock(provider: (clock: Clock) => TtsProvider, text: string, audioBefore: number, stallMs: number): Promise<void> {
  const clock = new ManualClock();
  const stream = provider(clock).open({});
  stream.push(text);
  stream.end();
  const events: TtsEvent[] = [];
  const run = outcomeOf(
    (async () => {
      for await (const e of stream) events.push(e);
    })(),
  );
  await untilTrue(() => events.filter((e) => e.type === 'audio').length === audioBefore && clock.pendingTimers === 1, `${audioBefore} audio events, then the wait for more`);
  await settleTurns();
  clock.advance(stallMs - 1);
  await settleTurns();
  expect(run.state).toBe('pending');
  clock.advance(1);
  await untilTrue(() => run.state !== 'pending', 'the stream to fail');
  expect(run.error).toMatchObject({ code: 'provider/timeout' });
  expect(clock.pendingTimers).toBe(0);
}

const samplesOf = (events: TtsEvent[], segment?: number) =>
  events.reduce((n, e) => n + (e.type === 'audio' && (segment === undefined || e.segment === segment) ? e.pcm.length : 0), 0);

describe('OpenAI speech TTS', () => {
  async function setup(options: Parameters<typeof startFakeOpenAi>[0] = {}, stallMs = 10_000) {
    const fake = await startFakeOpenAi({ tts: { msPerChar: 5, chunkMs: 2 }, ...options });
    closers.push(fake.close);
    const provider = (key = fake.key, clock?: Clock) => new OpenAiSpeechTts(OpenAiSpeechSettingsSchema.parse({ baseUrl: fake.baseUrl, stallTimeoutMs: stallMs }), key, FAST_RETRY, clock);
    return { fake, provider };
  }

  it('streams 24 kHz PCM per segment, in order, with the right length', async () => {
    const { provider, fake } = await setup();
    const events = await speakAll(provider(), ['Hello there.', 'How are you today?']);
    expect(events.filter((e) => e.type === 'segment-done').map((e) => e.segment)).toEqual([0, 1]);
    // 5 ms per character at 24 kHz.
    expect(samplesOf(events, 0)).toBe(Math.round(24000 * 0.005 * 'Hello there.'.length));
    expect(samplesOf(events, 1)).toBe(Math.round(24000 * 0.005 * 'How are you today?'.length));
    const order = events.filter((e) => e.type === 'audio').map((e) => e.segment);
    expect(order).toEqual([...order].sort());
    expect(fake.requests.map((r) => r.body.response_format)).toEqual(['pcm', 'pcm']);
  });

  it('requests the next sentence while the current one is still streaming', async () => {
    const { provider, fake } = await setup({ tts: { msPerChar: 20, chunkMs: 5 } });
    await speakAll(provider(), ['A first sentence that takes a while to stream.', 'The second one.']);
    expect(fake.requests[1]!.at).toBeLessThan(fake.requests[0]!.endedAt!);
  });

  it('retries a 429 and reports a bad key without retrying', async () => {
    const ok = await setup({ ttsFaults: [{ kind: 'status', status: 429 }] });
    expect(samplesOf(await speakAll(ok.provider(), ['Hi.']))).toBeGreaterThan(0);
    expect(ok.fake.requests).toHaveLength(2);
    const bad = await setup();
    await expect(speakAll(bad.provider('nope'), ['Hi.'])).rejects.toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/invalid API key for OpenAI speech/) });
    expect(bad.fake.requests).toHaveLength(1);
  });

  it('fails a stalled or dropped stream with a typed error', async () => {
    const stalled = await setup({ ttsFaults: [{ kind: 'stall', after: 2 }] });
    await expectStallOnClock((clock) => stalled.provider(undefined, clock), 'A long enough sentence to stall.', 2, 10_000);
    const dropped = await setup({ ttsFaults: [{ kind: 'drop', after: 2 }] });
    await expect(speakAll(dropped.provider(), ['A long enough sentence to drop.'])).rejects.toMatchObject({ code: expect.stringMatching(/^provider\//) });
  });

  it('close() cancels the request in flight', async () => {
    const { provider, fake } = await setup({ tts: { msPerChar: 50, chunkMs: 10 } });
    const stream = provider().open({});
    stream.push('This sentence would stream for quite some time.');
    let caught: unknown;
    try {
      for await (const e of stream) if (e.type === 'audio') stream.close();
    } catch (e) {
      caught = e;
    }
    expect(isAbort(caught)).toBe(true);
    await untilTrue(() => fake.requests[0]!.abortedByClient === true, 'the server to see the client leave');
  });
});

describe('ElevenLabs TTS', () => {
  async function setup(options: Parameters<typeof startFakeElevenLabs>[0] = {}, stallMs = 10_000) {
    const fake = await startFakeElevenLabs({ msPerChar: 5, ...options });
    closers.push(fake.close);
    const provider = (key = fake.key, clock?: Clock) => new ElevenLabsTts(ElevenLabsSettingsSchema.parse({ baseUrl: fake.url, stallTimeoutMs: stallMs }), key, FAST_RETRY, clock);
    return { fake, provider };
  }

  it('streams text in and PCM out, with segments closed by the alignment', async () => {
    const { provider, fake } = await setup();
    const events = await speakAll(provider(), ['Hello there.', 'How are you today?']);
    expect(events.filter((e) => e.type === 'segment-done').map((e) => e.segment)).toEqual([0, 1]);
    expect(samplesOf(events, 0)).toBeGreaterThan(0);
    expect(samplesOf(events, 1)).toBeGreaterThan(samplesOf(events, 0));
    expect(fake.stats.texts).toEqual(['Hello there. ', 'How are you today? ']);
    await untilTrue(() => fake.stats.openSockets === 0, 'the socket closed at the server');
  });

  it('reports a bad key as invalid', async () => {
    const { provider } = await setup();
    await expect(speakAll(provider('wrong'), ['Hi.'])).rejects.toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/invalid API key for ElevenLabs/) });
  });

  it('turns a dropped socket and a stall into typed errors', async () => {
    const dropped = await setup({ faults: [{ kind: 'drop', after: 1 }] });
    await expect(speakAll(dropped.provider(), ['Some text to speak here.'])).rejects.toMatchObject({ code: 'provider/disconnected' });
    const stalled = await setup({ faults: [{ kind: 'stall', after: 1 }] });
    await expectStallOnClock((clock) => stalled.provider(undefined, clock), 'Some text to speak here.', 1, 10_000);
  });

  it('a pause in the text longer than the service\'s default 20 s (a slow tool) does not cut the reply', async () => {
    const { provider, fake } = await setup();
    const stream = provider().open({});
    stream.push('Let me look that up.');
    const events: TtsEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    await untilTrue(() => events.some((e) => e.type === 'segment-done'), 'the first segment spoken');
    fake.idleFor(60); // a minute without text while the tool runs
    stream.push('Here it is.');
    stream.end();
    await reading;
    expect(fake.stats.closedIdle).toBe(0);
    expect(events.filter((e) => e.type === 'segment-done').map((e) => e.segment)).toEqual([0, 1]);
    expect(samplesOf(events, 1)).toBe(fake.stats.generated[1]!.samples);
  });

  it('segments end where the input text does (alignment), not the spelled-out numbers (normalizedAlignment)', async () => {
    const { provider, fake } = await setup();
    const events = await speakAll(provider(), ['It costs 25 dollars, or 30.', 'Call 555 1234 now.']);
    expect(fake.stats.generated.map((g) => g.text)).toEqual(['It costs 25 dollars, or 30. ', 'Call 555 1234 now. ']);
    // Every sample of each sentence's audio is attributed to that sentence, and each closes after its audio.
    expect(samplesOf(events, 0)).toBe(fake.stats.generated[0]!.samples);
    expect(samplesOf(events, 1)).toBe(fake.stats.generated[1]!.samples);
    const lastAudio0 = events.findLastIndex((e) => e.type === 'audio' && e.segment === 0);
    const done0 = events.findIndex((e) => e.type === 'segment-done' && e.segment === 0);
    const firstAudio1 = events.findIndex((e) => e.type === 'audio' && e.segment === 1);
    expect(lastAudio0).toBeLessThan(done0);
    expect(done0).toBeLessThan(firstAudio1);
  });

  it('close() frees the socket at once', async () => {
    const { provider, fake } = await setup({ msPerChar: 20, firstByteMs: 20 });
    const stream = provider().open({});
    stream.push('A sentence long enough to still be streaming.');
    await expect(
      (async () => {
        for await (const e of stream) if (e.type === 'audio') stream.close();
      })(),
    ).rejects.toSatisfy(isAbort);
    await untilTrue(() => fake.stats.openSockets === 0, 'the socket closed at the server');
    expect(fake.stats.closedByClient).toBe(1);
  });
});
