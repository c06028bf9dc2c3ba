import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../electron/engine/clock.js';
import { DeepgramFluxSettingsSchema, DeepgramFluxStt } from '../../../../electron/engine/providers/stt/deepgram-flux.js';
import type { SttEvent, SttStream } from '../../../../electron/engine/providers/types.js';
import { startFakeFlux, type FakeFluxOptions } from '../../../fakes/deepgram-flux.js';
import { concat, silence, sine } from '../../../helpers/signals.js';
import { feed, paddedSpeech } from '../../../helpers/speech.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const RATE = 16000;
const tone = (s: number) => sine(220, RATE, s, 0.3);

async function setup(options: FakeFluxOptions = {}, settings: Record<string, unknown> = {}) {
  const fake = await startFakeFlux(options);
  closers.push(fake.close);
  const logs: string[] = [];
  const provider = (key: string | undefined = fake.key) => new DeepgramFluxStt(DeepgramFluxSettingsSchema.parse({ baseUrl: fake.url, ...settings }), key, { clock: systemClock, log: (m) => logs.push(m) });
  return { fake, provider, logs };
}

/** Streams audio through a Flux stream in 20 ms blocks, ends it, and collects every event. */
async function transcribe(stream: SttStream, audio: Float32Array, paceMs = 0, beforeEnd?: () => void): Promise<SttEvent[]> {
  const events: SttEvent[] = [];
  const reading = (async () => {
    for await (const e of stream) events.push(e);
  })();
  await feed((s) => stream.push(s), audio, paceMs);
  await new Promise((r) => setTimeout(r, 50));
  beforeEnd?.();
  await stream.end();
  await reading;
  return events;
}

/** Waits (real time, a few seconds at most) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}

/** The turn signals in order, without connection status. */
const signals = (events: SttEvent[]) =>
  events.flatMap((e) => {
    if (e.type === 'final') return [`final:${e.text}`];
    if (e.type === 'eager-end-of-turn') return [`eager:${e.text}`];
    if (e.type === 'end-of-turn' || e.type === 'turn-resumed' || e.type === 'speech-started') return [e.type];
    return [];
  });
const finals = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' && e.text ? [e.text] : []));

/** Opens a bare socket to the fake, as another client would, and records what it hears. */
async function rawSocket(url: string, key: string, query = 'model=flux-general-en&encoding=linear16&sample_rate=16000') {
  const ws = new WebSocket(`${url}/v2/listen?${query}`, { headers: { Authorization: `Token ${key}` } });
  const messages: { type: string; sequence_id?: number; code?: string }[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  ws.on('message', (d: Buffer) => messages.push(JSON.parse(d.toString('utf8')) as (typeof messages)[number]));
  ws.on('error', () => undefined);
  const status = await new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
  return { ws, messages, closed, status };
}

describe('the Flux fake is as strict as /v2/listen', () => {
  it('says Connected first (sequence_id 0) and answers v1 control messages (Finalize, KeepAlive) with UNPARSABLE_CLIENT_MESSAGE, then closes without a status code', async () => {
    const { fake } = await setup();
    for (const type of ['Finalize', 'KeepAlive']) {
      const raw = await rawSocket(fake.url, fake.key);
      await new Promise((r) => setTimeout(r, 20));
      raw.ws.send(JSON.stringify({ type }));
      expect(await raw.closed).toBe(1005);
      expect(raw.messages.map((m) => [m.type, m.sequence_id])).toEqual([
        ['Connected', 0],
        ['Error', 1],
      ]);
      expect(raw.messages[1]).toMatchObject({ code: 'UNPARSABLE_CLIENT_MESSAGE' });
    }
    expect(fake.stats.rejected).toEqual(['Finalize', 'KeepAlive']);
  });

  it('refuses v1 models, v1 parameters and thresholds out of range with 400 at the upgrade', async () => {
    const { fake } = await setup();
    const base = 'encoding=linear16&sample_rate=16000';
    expect((await rawSocket(fake.url, fake.key, `model=nova-3&${base}`)).status).toBe(400);
    expect((await rawSocket(fake.url, fake.key, `model=flux-general-en&${base}&interim_results=true`)).status).toBe(400);
    expect((await rawSocket(fake.url, fake.key, `model=flux-general-en&${base}&eot_threshold=0.4`)).status).toBe(400);
    expect((await rawSocket(fake.url, fake.key, `model=flux-general-en&${base}&eager_eot_threshold=0.95`)).status).toBe(400);
    expect((await rawSocket(fake.url, fake.key, `model=flux-general-en&${base}&eot_timeout_ms=100`)).status).toBe(400);
    expect((await rawSocket(fake.url, fake.key, `model=flux-general-en&encoding=linear16&sample_rate=22050`)).status).toBe(400);
    const ok = await rawSocket(fake.url, fake.key, `model=flux-general-multi&${base}&eot_threshold=0.8&eager_eot_threshold=0.5&eot_timeout_ms=3000&language_hint=en`);
    expect(ok.status).toBe(101);
    ok.ws.close();
  });
});

describe('Deepgram Flux STT', () => {
  it('connects to /v2/listen with the documented query and maps a turn: speech-started, partials, final, end-of-turn', async () => {
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'] });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    const events = await transcribe(await provider().open({ sampleRate: RATE }), audio);
    expect(Object.fromEntries(fake.stats.queries[0]!)).toEqual({ model: 'flux-general-en', encoding: 'linear16', sample_rate: '16000', eot_threshold: '0.7', eot_timeout_ms: '5000' });
    expect(signals(events)).toEqual(['speech-started', 'final:he was not an ill disposed young man', 'end-of-turn']);
    const partials = events.flatMap((e) => (e.type === 'partial' ? [e.text] : []));
    expect(partials.length).toBeGreaterThan(1);
    expect(new Set(partials).size).toBe(partials.length); // no repeats of the same text
    expect(events.find((e) => e.type === 'end-of-turn')).toMatchObject({ probability: expect.any(Number) });
    expect((events.find((e) => e.type === 'end-of-turn') as { probability: number }).probability).toBeGreaterThanOrEqual(0.7);
    expect(events.find((e) => e.type === 'final')).toMatchObject({ endOfSpeech: true, fromFinalize: false });
    expect(events.some((e) => e.type === 'turn-probability')).toBe(true);
    expect(fake.stats.audioBytes).toBe(audio.length * 2);
    expect(fake.stats.closeStream).toBe(1);
    expect(fake.stats.rejected).toEqual([]);
  });

  it('eager mode: a hesitation gives eager-end-of-turn then turn-resumed; the real end gives eager, final and end-of-turn with the same text', async () => {
    const { fake, provider } = await setup({ utterances: ['I need a flight to | Boston please'] }, { eagerEndOfTurnThreshold: 0.4 });
    // Speech, a 0.45 s hesitation (past eager, short of EndOfTurn), speech, then a long pause.
    const audio = concat(silence(RATE, 0.3), tone(1.2), silence(RATE, 0.45), tone(0.8), silence(RATE, 1.5));
    const events = await transcribe(await provider().open({ sampleRate: RATE }), audio);
    expect(fake.stats.queries[0]!.get('eager_eot_threshold')).toBe('0.4');
    expect(signals(events)).toEqual(['speech-started', 'eager:I need a flight to', 'turn-resumed', 'eager:I need a flight to Boston please', 'final:I need a flight to Boston please', 'end-of-turn']);
  });

  it('an unfinished sentence the model is not sure of ends only at eot_timeout_ms', async () => {
    const { fake, provider } = await setup({ utterances: [{ text: 'my number is five five', eotConfidence: 0.5 }] }, { endOfTurnTimeoutMs: 1500 });
    const stream = await provider().open({ sampleRate: RATE });
    const events: SttEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    const first = concat(tone(1), silence(RATE, 1.2));
    await feed((s) => stream.push(s), first);
    // 1.2 s of silence, the confidence stuck at 0.5: the service has not ended the turn.
    await until(() => fake.stats.audioBytes === first.length * 2);
    expect(fake.stats.turns).toEqual([]);
    await feed((s) => stream.push(s), silence(RATE, 0.5));
    await until(() => events.some((e) => e.type === 'end-of-turn'));
    expect(events.find((e) => e.type === 'end-of-turn')).toMatchObject({ probability: 0.5 });
    expect(signals(events)).toEqual(['speech-started', 'final:my number is five five', 'end-of-turn']);
    stream.close();
    await reading;
  });

  it('configure() changes the thresholds mid-stream (Configure) and for reconnects', async () => {
    const { fake, provider } = await setup({ utterances: ['first turn', 'second turn'] });
    const stream = await provider().open({ sampleRate: RATE });
    const events: SttEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    await feed((s) => stream.push(s), concat(tone(0.8), silence(RATE, 1)));
    await until(() => events.some((e) => e.type === 'end-of-turn'));
    stream.configure({ eagerEndOfTurnThreshold: 0.3, endOfTurnThreshold: 0.9 });
    await feed((s) => stream.push(s), concat(tone(0.8), silence(RATE, 1.2)));
    await until(() => events.filter((e) => e.type === 'end-of-turn').length === 2);
    expect(fake.stats.configures).toEqual([{ type: 'Configure', thresholds: { eot_threshold: 0.9, eager_eot_threshold: 0.3 } }]);
    // Only the second turn, after Configure, has an eager end of turn.
    expect(signals(events)).toEqual(['speech-started', 'final:first turn', 'end-of-turn', 'speech-started', 'eager:second turn', 'final:second turn', 'end-of-turn']);
    fake.dropConnections();
    await until(() => fake.stats.queries.length === 2);
    expect(fake.stats.queries[1]!.get('eot_threshold')).toBe('0.9');
    expect(fake.stats.queries[1]!.get('eager_eot_threshold')).toBe('0.3');
    stream.close();
    await reading;
    expect(() => stream.configure({ endOfTurnThreshold: 0.2 })).toThrow();
  });

  it('configure() while still connecting is not lost: the connection gets the new thresholds', async () => {
    const { fake, provider } = await setup({ utterances: ['right away'] });
    const stream = await provider().open({ sampleRate: RATE });
    const events: SttEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })();
    // The URL may already be on its way: the change must still reach this connection.
    await new Promise((r) => setImmediate(r));
    stream.configure({ eagerEndOfTurnThreshold: 0.3 });
    await feed((s) => stream.push(s), concat(tone(0.8), silence(RATE, 1)));
    await until(() => events.some((e) => e.type === 'end-of-turn'));
    expect(signals(events)).toEqual(['speech-started', 'eager:right away', 'final:right away', 'end-of-turn']);
    expect(fake.stats.connections).toBe(1);
    stream.close();
    await reading;
  });

  it('finalize() sends nothing (Flux would close the connection on Finalize); end() sends CloseStream and the last Update is the final', async () => {
    const { fake, provider } = await setup({ utterances: ['still talking when it ends'] });
    const stream = await provider().open({ sampleRate: RATE });
    // The audio stops mid-turn: no EndOfTurn comes, CloseStream ends the stream.
    const events = await transcribe(stream, concat(silence(RATE, 0.2), tone(2.5)), 0, () => stream.finalize());
    expect(fake.stats.rejected).toEqual([]);
    expect(fake.stats.closeStream).toBe(1);
    expect(fake.stats.turns).toEqual([]);
    expect(signals(events)).toEqual(['speech-started', 'final:still talking when it ends']);
  });

  it('a bad key ends the stream with the server\'s reason; a missing key names DEEPGRAM_API_KEY; an unsupported rate is refused', async () => {
    const { fake, provider } = await setup();
    const events: SttEvent[] = [];
    for await (const e of await provider('bad').open({ sampleRate: RATE })) events.push(e);
    expect(fake.stats.attempts).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { code: 'provider/invalid-key', provider: 'deepgram-flux', message: 'invalid API key for Deepgram Flux: Invalid credentials.' } });
    await expect(provider('').open({ sampleRate: RATE })).rejects.toMatchObject({ code: 'provider/missing-key', message: expect.stringMatching(/DEEPGRAM_API_KEY/) });
    await expect(provider().open({ sampleRate: 22050 })).rejects.toMatchObject({ code: 'provider/bad-request' });
  });

  it('a drop mid-turn reconnects and replays the audio: the turn still ends with all its words', async () => {
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'drop', afterAudioMs: 1200 }] });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    const events = await transcribe(await provider().open({ sampleRate: RATE }), audio, 2);
    expect(events.some((e) => e.type === 'reconnected')).toBe(true);
    expect(fake.stats.connections).toBe(2);
    expect(fake.stats.audioBytes).toBeGreaterThan(audio.length * 2);
    expect(finals(events)).toEqual(['he was not an ill disposed young man']);
  });

  it('a drop after an eager end of turn says turn-resumed: the prepared reply cannot be vouched for', async () => {
    const { provider } = await setup({ utterances: ['book it | for tomorrow'], faults: [{ kind: 'drop', afterAudioMs: 1600 }] }, { eagerEndOfTurnThreshold: 0.3 });
    // Eager about 0.32 s into the pause (at 1.52 s), the drop at 1.6 s, before speech resumes at 1.65 s.
    const events = await transcribe(await provider().open({ sampleRate: RATE }), concat(silence(RATE, 0.2), tone(1), silence(RATE, 0.45), tone(0.8), silence(RATE, 1.5)), 2);
    const s = signals(events);
    expect(s.slice(0, 3)).toEqual(['speech-started', 'eager:book it', 'turn-resumed']);
    expect(finals(events)).toEqual(['book it for tomorrow']);
  });

  it('a malformed frame is a typed fault: it carries on over a fresh connection and the words arrive', async () => {
    const { fake, provider } = await setup({ utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'malformed', afterAudioMs: 800 }] });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav');
    const events = await transcribe(await provider().open({ sampleRate: RATE }), audio, 2);
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({ status: { reason: { code: 'provider/protocol' } } });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(fake.stats.connections).toBe(2);
    expect(finals(events)).toEqual(['he was not an ill disposed young man']);
  });

  it("the server's fatal Error names its code and description, and the stream reconnects", async () => {
    const { fake, provider } = await setup({ utterances: ['after the error'], faults: [{ kind: 'error', afterAudioMs: 300 }] });
    const events = await transcribe(await provider().open({ sampleRate: RATE }), concat(silence(RATE, 0.5), tone(1), silence(RATE, 1)), 2);
    expect(events.find((e) => e.type === 'status' && e.status.state === 'retrying')).toMatchObject({
      status: { reason: { code: 'provider/server-error', message: 'Deepgram Flux error: fake internal error (INTERNAL_SERVER_ERROR)' } },
    });
    expect(fake.stats.connections).toBe(2);
    expect(finals(events)).toEqual(['after the error']);
  });

  it('close() frees the socket; an aborted signal does too', async () => {
    const { fake, provider } = await setup();
    const stream = await provider().open({ sampleRate: RATE });
    await until(() => fake.stats.openSockets === 1);
    stream.close();
    await until(() => fake.stats.openSockets === 0);
    const controller = new AbortController();
    const aborted = await provider().open({ sampleRate: RATE, signal: controller.signal });
    await until(() => fake.stats.openSockets === 1);
    controller.abort();
    const events: SttEvent[] = [];
    for await (const e of aborted) events.push(e);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    await until(() => fake.stats.openSockets === 0);
  });
});
