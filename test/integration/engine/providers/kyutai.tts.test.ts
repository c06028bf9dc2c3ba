import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { KyutaiTts, KyutaiTtsSettingsSchema } from '../../../../electron/engine/providers/tts/kyutai.js';
import type { TtsEvent, TtsStream } from '../../../../electron/engine/providers/types.js';
import { startFakeKyutai, type FakeKyutaiOptions } from '../../../fakes/kyutai-moshi-server.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(options: FakeKyutaiOptions = {}, settings: Record<string, unknown> = {}) {
  const fake = await startFakeKyutai(options);
  closers.push(fake.close);
  const provider = (key?: string) => new KyutaiTts(KyutaiTtsSettingsSchema.parse({ baseUrl: fake.url, ...settings }), key, { baseDelayMs: 1, maxDelayMs: 2 });
  return { fake, provider };
}

async function readAll(stream: TtsStream): Promise<TtsEvent[]> {
  const events: TtsEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

/** The fake's audio for a word: 60 ms a character, at least 2 frames of 1920 samples. */
const wordSamples = (word: string) => Math.max(2, Math.ceil((word.length * 60) / 80)) * 1920;
const textSamples = (text: string) => text.split(' ').reduce((n, w) => n + wordSamples(w), 0);

describe('Kyutai TTS (moshi-server)', () => {
  it('one connection per reply: each sentence\'s audio is tagged with its segment, cut where its last word ends', async () => {
    const { fake, provider } = await setup();
    const stream = provider().open({});
    const first = 'Sure, here it is.';
    const second = 'Anything else?';
    expect(stream.push(first)).toBe(0);
    expect(stream.push(second)).toBe(1);
    stream.end();
    const events = await readAll(stream);
    expect(fake.stats.tts.connections).toBe(1);
    expect(Object.fromEntries(fake.stats.tts.queries[0]!)).toEqual({ format: 'PcmMessagePack', cfg_alpha: '1.5' });
    expect(fake.stats.headers).toEqual(['public_token']);
    expect(fake.stats.tts.texts).toEqual([first, second]);
    expect(fake.stats.tts.eos).toBe(1);
    const samplesOf = (segment: number) => events.filter((e) => e.type === 'audio' && e.segment === segment).reduce((n, e) => n + (e as { pcm: Int16Array }).pcm.length, 0);
    expect(samplesOf(0)).toBe(textSamples(first));
    expect(samplesOf(1)).toBe(textSamples(second));
    expect(events.filter((e) => e.type === 'segment-done')).toEqual([
      { type: 'segment-done', segment: 0 },
      { type: 'segment-done', segment: 1 },
    ]);
    // segment 0 is done before segment 1's audio starts.
    expect(events.findIndex((e) => e.type === 'segment-done')).toBeLessThan(events.findIndex((e) => e.type === 'audio' && e.segment === 1));
    // Float samples to 16-bit: the fake's 0.3-amplitude tone.
    const audio = events.find((e) => e.type === 'audio') as { pcm: Int16Array; sampleRate: number };
    expect(audio.sampleRate).toBe(24000);
    expect(Math.max(...audio.pcm.subarray(0, 1920))).toBeGreaterThan(0.29 * 32767);
    expect(Math.max(...audio.pcm.subarray(0, 1920))).toBeLessThanOrEqual(Math.ceil(0.3 * 32767));
    await until(() => fake.stats.tts.open === 0);
  });

  it("text is prepared as Unmute does (no markdown marks, plain quotes); an empty sentence is not sent", async () => {
    const { fake, provider } = await setup();
    const stream = provider().open({});
    stream.push('**Bold** and `code` “quoted”');
    stream.push('  * ');
    stream.push('Done.');
    stream.end();
    const events = await readAll(stream);
    expect(fake.stats.tts.texts).toEqual(['Bold and code "quoted"', 'Done.']);
    expect(fake.stats.tts.emptyTexts).toBe(0);
    expect(events.filter((e) => e.type === 'segment-done').map((e) => e.segment)).toEqual([0, 1, 2]);
    expect(events.some((e) => e.type === 'audio' && e.segment === 1)).toBe(false);
  });

  it('sentences are cut where the server says their last word ends, counting words as the server splits them', async () => {
    const { provider } = await setup();
    const stream = provider().open({});
    // The server drops "–" and parentheses and splits at ":" (tts_preprocess.rs): 5 words where whitespace makes 6.
    stream.push('Well – (you) know it: fine.');
    stream.push('Next one.');
    stream.end();
    const events = await readAll(stream);
    const samplesOf = (segment: number) => events.filter((e) => e.type === 'audio' && e.segment === segment).reduce((n, e) => n + (e as { pcm: Int16Array }).pcm.length, 0);
    expect(samplesOf(0)).toBe(textSamples('Well you know it fine.'));
    expect(samplesOf(1)).toBe(textSamples('Next one.'));
  });

  it('a bad key: one attempt, a typed error naming KYUTAI_API_KEY', async () => {
    const { fake, provider } = await setup({ authorizedIds: ['secret'] });
    const stream = provider('wrong').open({});
    stream.push('Hello.');
    stream.end();
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/KYUTAI_API_KEY/) });
    expect(fake.stats.tts.attempts).toBe(1);
  });

  it('a full server is retried (bounded) and then speaks; one that stays full is a typed "full" error', async () => {
    const { fake, provider } = await setup({ ttsFaults: [{ kind: 'full' }] });
    const ok = provider().open({});
    ok.push('Hello there.');
    ok.end();
    const events = await readAll(ok);
    expect(events.some((e) => e.type === 'audio')).toBe(true);
    expect(fake.stats.tts.attempts).toBe(2);

    const full = await setup({ channels: 0 });
    const stream = full.provider().open({});
    stream.push('Hello.');
    stream.end();
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'provider/rate-limited', message: expect.stringMatching(/is full \(no free channels/) });
    expect(full.fake.stats.tts.attempts).toBe(3);
  });

  it('503 at the upgrade is retried', async () => {
    const { fake, provider } = await setup({ ttsFaults: [{ kind: 'status', status: 503 }] });
    const stream = provider().open({});
    stream.push('Hello.');
    stream.end();
    expect((await readAll(stream)).some((e) => e.type === 'audio')).toBe(true);
    expect(fake.stats.tts.attempts).toBe(2);
  });

  it('a dropped connection mid-reply, an Error message, or a close before the end are typed errors', async () => {
    const { provider } = await setup({ ttsFaults: [{ kind: 'drop', afterFrames: 3 }, { kind: 'error', afterFrames: 2 }] });
    for (const code of ['provider/disconnected', 'provider/server-error']) {
      const stream = provider().open({});
      stream.push('A sentence long enough to be cut.');
      stream.end();
      await expect(readAll(stream)).rejects.toMatchObject({ code });
    }
  });

  it('a server that stops sending audio after the end is a stall (typed timeout)', async () => {
    const { provider } = await setup({ ttsFaults: [{ kind: 'stall', afterFrames: 2 }] }, { stallTimeoutMs: 200 });
    const stream = provider().open({});
    stream.push('Hello there, friend.');
    stream.end();
    await expect(readAll(stream)).rejects.toMatchObject({ code: 'provider/timeout' });
  });

  it('the stall timer runs on the injected clock: a stall shows when the clock says so, not the wall', async () => {
    const { fake } = await setup({ ttsFaults: [{ kind: 'stall', afterFrames: 2 }] });
    const clock = new ManualClock();
    const stream = new KyutaiTts(KyutaiTtsSettingsSchema.parse({ baseUrl: fake.url, stallTimeoutMs: 60_000 }), undefined, { baseDelayMs: 1, maxDelayMs: 2 }, clock).open({});
    const events: TtsEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    reading.catch(() => undefined);
    stream.push('Hello there, friend.');
    stream.end();
    // Two frames of audio, then nothing more from the server.
    const heard = () => events.reduce((n, e) => n + (e.type === 'audio' ? e.pcm.length : 0), 0);
    await until(() => heard() === 2 * 1920);
    clock.advance(59_999);
    await new Promise((r) => setImmediate(r));
    expect(fake.stats.tts.open).toBe(1);
    clock.advance(1);
    await expect(reading).rejects.toMatchObject({ code: 'provider/timeout', message: 'Kyutai TTS stopped sending audio for 60 s' });
  });

  it('a message type it does not know is ignored', async () => {
    const { provider } = await setup({ ttsFaults: [{ kind: 'unknown-type', afterFrames: 1 }] });
    const stream = provider().open({});
    stream.push('Hello there.');
    stream.end();
    const events = await readAll(stream);
    expect(events.filter((e) => e.type === 'audio').reduce((n, e) => n + (e as { pcm: Int16Array }).pcm.length, 0)).toBe(textSamples('Hello there.'));
  });

  it('close() (barge-in) stops at once and frees the socket', async () => {
    const { fake, provider } = await setup({ ttsFrameDelayMs: 20 });
    const stream = provider().open({});
    stream.push('A long sentence that is still being spoken when the user interrupts.');
    const reading = readAll(stream);
    await until(() => fake.stats.tts.frames > 0);
    stream.close();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    await until(() => fake.stats.tts.open === 0);
  });
});
