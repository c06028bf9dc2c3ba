import WebSocket from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { isAbort } from '../../../../electron/engine/errors.js';
import { GradiumTts, GradiumTtsSettingsSchema } from '../../../../electron/engine/providers/tts/gradium.js';
import type { TtsEvent, TtsStream } from '../../../../electron/engine/providers/types.js';
import { startFakeGradium, type FakeGradiumOptions } from '../../../fakes/gradium.js';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** Waits (a bounded while) for the server to see what the client did: sockets close asynchronously. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
}

async function setup(options: FakeGradiumOptions = {}, settings: Record<string, unknown> = {}) {
  const fake = await startFakeGradium(options);
  closers.push(fake.close);
  const provider = (key = fake.key) => new GradiumTts(GradiumTtsSettingsSchema.parse({ baseUrl: fake.url, ...settings }), key, FAST_RETRY);
  return { fake, provider };
}

async function read(stream: TtsStream): Promise<TtsEvent[]> {
  const events: TtsEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

async function speakAll(provider: GradiumTts, texts: string[]): Promise<TtsEvent[]> {
  const stream = provider.open({});
  for (const t of texts) stream.push(t);
  stream.end();
  return read(stream);
}

const samplesOf = (events: TtsEvent[], segment: number) => events.reduce((n, e) => n + (e.type === 'audio' && e.segment === segment ? e.pcm.length : 0), 0);
const SENTENCES = ['Hello there.', 'How are you today?', 'Fine, thanks.'];

describe('Gradium streaming TTS against the fake service', () => {
  it('sets up first, sends each sentence with a <flush> tag, and maps the audio to its sentence exactly', async () => {
    const { fake, provider } = await setup();
    const events = await speakAll(provider(), SENTENCES);
    expect(fake.stats.setups).toEqual([{ type: 'setup', model_name: 'default', voice_id: 'YTpq7expH9539ERJ', output_format: 'pcm_24000' }]);
    expect(fake.stats.texts).toEqual(['Hello there. <flush>', 'How are you today? <flush>', 'Fine, thanks. <flush>']);
    expect(fake.stats.endOfStream).toBe(1);
    // One generation per flush: each segment's audio is exactly what the service made for its sentence.
    expect(fake.stats.generated.map((g) => g.text)).toEqual(SENTENCES);
    SENTENCES.forEach((_, k) => expect(samplesOf(events, k)).toBe(fake.stats.generated[k]!.samples));
    expect(events.filter((e) => e.type === 'segment-done').map((e) => (e as { segment: number }).segment)).toEqual([0, 1, 2]);
    // In order: a segment's audio, then its segment-done, then the next segment's.
    const order = events.map((e) => `${e.type === 'audio' ? 'a' : 'd'}${e.segment}`).filter((x, i, all) => x !== all[i - 1]);
    expect(order).toEqual(['a0', 'd0', 'a1', 'd1', 'a2', 'd2']);
    expect(events.every((e) => e.type !== 'audio' || e.sampleRate === 24000)).toBe(true);
  });

  it('maps the audio the same when the word timestamps come after their audio', async () => {
    const { fake, provider } = await setup({ textAfterAudio: true });
    const events = await speakAll(provider(), SENTENCES);
    SENTENCES.forEach((_, k) => expect(samplesOf(events, k)).toBe(fake.stats.generated[k]!.samples));
  });

  it('`pcm` is 48 kHz', async () => {
    const { fake, provider } = await setup({}, { outputFormat: 'pcm' });
    const tts = provider();
    expect(tts.sampleRate).toBe(48000);
    const events = await speakAll(tts, ['Hello there.']);
    expect(fake.stats.setups[0]).toMatchObject({ output_format: 'pcm' });
    expect(events.find((e) => e.type === 'audio')).toMatchObject({ sampleRate: 48000 });
    expect(samplesOf(events, 0)).toBe(fake.stats.generated[0]!.samples);
  });

  it('a bad key: a typed error, no retry', async () => {
    const { fake, provider } = await setup();
    await expect(speakAll(provider('revoked'), ['Hi.'])).rejects.toMatchObject({ code: 'provider/invalid-key', message: 'invalid API key for Gradium: API key is revoked or expired' });
    expect(fake.stats.attempts).toBe(1);
  });

  it('429 and 503 at the upgrade are retried (bounded); a service that stays down is a typed error', async () => {
    const flaky = await setup({ ttsFaults: [{ kind: 'status', status: 429 }, { kind: 'status', status: 503 }] });
    const events = await speakAll(flaky.provider(), ['Hi there.']);
    expect(samplesOf(events, 0)).toBeGreaterThan(0);
    expect(flaky.fake.stats.attempts).toBe(3);
    const down = await setup({ refuseAll: { status: 503 } });
    await expect(speakAll(down.provider(), ['Hi there.'])).rejects.toMatchObject({ code: 'provider/server-error' });
    expect(down.fake.stats.attempts).toBe(3);
  });

  it('a drop, garbage audio, an internal error or a stall mid-reply end the stream with a typed error', async () => {
    const long = ['A long enough sentence to be cut in the middle of it.'];
    const dropped = await setup({ ttsFaults: [{ kind: 'drop', after: 3 }] });
    await expect(speakAll(dropped.provider(), long)).rejects.toMatchObject({ code: 'provider/disconnected' });
    const garbage = await setup({ ttsFaults: [{ kind: 'malformed', after: 3 }] });
    await expect(speakAll(garbage.provider(), long)).rejects.toMatchObject({ code: 'provider/protocol' });
    const internal = await setup({ ttsFaults: [{ kind: 'internal', after: 3 }] });
    await expect(speakAll(internal.provider(), long)).rejects.toMatchObject({ code: 'provider/server-error', message: 'Gradium server error (1011): internal server error' });
    const stalled = await setup({ ttsFaults: [{ kind: 'stall', after: 3 }] }, { stallTimeoutMs: 300 });
    await expect(speakAll(stalled.provider(), long)).rejects.toMatchObject({ code: 'provider/timeout' });
  });

  it('the stall timer runs on the injected clock: a stall shows when the clock says so, not the wall', async () => {
    const { fake } = await setup({ ttsFaults: [{ kind: 'stall', after: 3 }] });
    const clock = new ManualClock();
    const stream = new GradiumTts(GradiumTtsSettingsSchema.parse({ baseUrl: fake.url, stallTimeoutMs: 60_000 }), fake.key, FAST_RETRY, clock).open({});
    const events: TtsEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    reading.catch(() => undefined);
    stream.push('A long enough sentence to be cut in the middle of it.');
    stream.end();
    // Three chunks of audio, then nothing more from the service.
    await until(() => events.filter((e) => e.type === 'audio').length === 3);
    expect(events.filter((e) => e.type === 'audio')).toHaveLength(3);
    clock.advance(59_999);
    await new Promise((r) => setImmediate(r));
    expect(fake.stats.openSockets).toBe(1);
    clock.advance(1);
    await expect(reading).rejects.toMatchObject({ code: 'provider/timeout', message: 'Gradium stopped sending audio for 60 s' });
  });

  it('an idle socket closed by the service between sentences: the next sentence opens a new one, nothing is lost', async () => {
    const { fake, provider } = await setup();
    const stream = provider().open({});
    const events: TtsEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    stream.push('Hello there.');
    // Wait for the first sentence's audio, then the service times the quiet socket out.
    while (samplesOf(events, 0) < (fake.stats.generated[0]?.samples ?? Infinity)) await new Promise((r) => setTimeout(r, 5));
    await fake.timeOutIdle();
    stream.push('How are you today?');
    stream.end();
    await reading;
    expect(fake.stats.closedIdle).toBe(1);
    expect(fake.stats.ttsConnections).toBe(2);
    expect(samplesOf(events, 0)).toBe(fake.stats.generated[0]!.samples);
    expect(samplesOf(events, 1)).toBe(fake.stats.generated[1]!.samples);
    expect(events.filter((e) => e.type === 'segment-done').map((e) => (e as { segment: number }).segment)).toEqual([0, 1]);
  });

  it('a pause between sentences is not a stall, whichever order the last word and its audio came in', async () => {
    const { fake, provider } = await setup({ textAfterAudio: true }, { stallTimeoutMs: 1000 });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const stream = provider().open({});
      const events: TtsEvent[] = [];
      const reading = (async () => {
        for await (const e of stream) events.push(e);
      })();
      stream.push('Hello there.');
      while (fake.stats.generated.length < 1) await new Promise((r) => setImmediate(r));
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      // The LLM thinks for a while: far past the stall timeout.
      vi.advanceTimersByTime(5000);
      stream.push('How are you today?');
      stream.end();
      await reading;
      expect(samplesOf(events, 1)).toBe(fake.stats.generated[1]!.samples);
    } finally {
      vi.useRealTimers();
    }
  });

  it('close() (barge-in) cancels at once and frees the socket', async () => {
    const { fake, provider } = await setup({ msPerChar: 40 });
    const stream = provider().open({});
    stream.push('This sentence would stream for quite some time.');
    let caught: unknown;
    try {
      for await (const e of stream) if (e.type === 'audio') stream.close();
    } catch (e) {
      caught = e;
    }
    expect(isAbort(caught)).toBe(true);
    await until(() => fake.stats.openSockets === 0);
    expect(fake.stats.openSockets).toBe(0);
  });
});

describe('the Gradium TTS fake is as strict as the service', () => {
  it('text before setup: error 1008 and close 1008', async () => {
    const fake = await startFakeGradium();
    closers.push(fake.close);
    const ws = new WebSocket(`${fake.url}/api/speech/tts`, { headers: { 'x-api-key': fake.key } });
    const received: unknown[] = [];
    ws.on('message', (d: Buffer) => received.push(JSON.parse(d.toString('utf8'))));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'text', text: 'Hello' }));
    const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
    expect({ received, code }).toEqual({ received: [{ type: 'error', message: 'first message must be setup', code: 1008 }], code: 1008 });
  });
});
