import { describe, expect, it } from 'vitest';
import { rms } from '../../../../electron/engine/audio/pcm.js';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { MoshiClient, MoshiSettingsSchema } from '../../../../electron/engine/providers/s2s/moshi.js';
import { ManualClock, systemClock } from '../../../../electron/engine/clock.js';
import { DeepgramSettingsSchema, DeepgramStt } from '../../../../electron/engine/providers/stt/deepgram.js';
import type { S2sSessionOptions } from '../../../../electron/engine/s2s/session.js';
import { startFakeDeepgram } from '../../../fakes/deepgram.js';
import { startFakeMoshi, type FakeMoshiOptions } from '../../../fakes/moshi.js';
import { outcomeOf, settleTurns, untilTrue } from '../../../helpers/event-loop.js';
import { concat, silence } from '../../../helpers/signals.js';
import { useS2sHarness } from '../../../helpers/s2s.js';
import { paddedSpeech } from '../../../helpers/speech.js';

// Speech-to-speech with Moshi: the real client (Ogg/Opus both ways) and S2sSession (real Silero
// measuring, real-time ClockedSink playing) against a fake Moshi server speaking the exact protocol.


const harness = useS2sHarness();

async function call(fake: FakeMoshiOptions = {}, settings: Record<string, unknown> = {}, options: Partial<S2sSessionOptions> = {}) {
  const moshi = await startFakeMoshi(fake);
  const client = new MoshiClient(MoshiSettingsSchema.parse({ baseUrl: moshi.baseUrl, ...settings }));
  return { moshi, ...harness(client, moshi, options) };
}

const question = async () => concat((await paddedSpeech('librivox-ss01-0880.wav', 0.3, 0)).audio, silence(16000, 2.2));

describe('speech-to-speech: Moshi', () => {
  it('full duplex: the microphone streams as Ogg/Opus, the answer plays with its text, latency and overlap are measured', async () => {
    const h = await call({ replies: [[' Hello', ' there', ',', ' friend', '.']] });
    await h.session.start();
    await h.speak(await question());
    await h.session.stop();
    // The server heard the microphone through its own Ogg/Opus decoder, in real time.
    expect(h.moshi.stats.secondsHeard).toBeGreaterThan(4);
    expect(h.moshi.stats.utterancesHeard).toBe(1);
    const assistant = h.events.find((e) => e.type === 'assistant-done');
    expect(assistant).toMatchObject({ text: 'Hello there, friend.', interrupted: false });
    expect(h.events.filter((e) => e.type === 'assistant-chunk').map((e) => (e as { text: string }).text)).toEqual([' Hello', ' there', ',', ' friend', '.']);
    const user = h.events.find((e) => e.type === 'user-final') as { text: string };
    expect(user.text).toMatch(/^\(spoke \d\.\d s\)$/);
    const latency = h.events.find((e) => e.type === 'latency') as Extract<EngineEvent, { type: 'latency' }>;
    // The fake answers after 400 ms of silence by its own energy measure (in 80 ms steps), which
    // ends the speech a little before Silero does: voice-to-voice is about that wait.
    expect(latency.report.voiceToVoiceMs).toBeGreaterThan(250);
    expect(latency.report.voiceToVoiceMs).toBeLessThan(1500);
    expect(latency.report.overlapMs).toBe(0);
    // What played: the model's voice (a tone per token), not silence.
    const played = h.sink.recording();
    expect(rms(played)).toBeGreaterThan(0.01);
    expect(h.events.map((e) => e.type)).not.toContain('error');
    expect(h.session.transcript.map((t) => t.role)).toEqual(['user', 'assistant']);
  }, 30_000);

  it("accepts the web client's handshake form; refuses a server that is not Moshi or speaks another version; names an unreachable one", async () => {
    const web = await call({ handshake: [0x00, 0x00, 0x00] });
    await web.session.start();
    const notMoshi = await call({ handshake: [0x02, 0x41] });
    await expect(notMoshi.session.start()).rejects.toMatchObject({ code: 'provider/protocol', message: expect.stringContaining("does not speak Moshi's protocol") });
    const newer = await call({ handshake: [0x00, 0x02, 0x00] });
    await expect(newer.session.start()).rejects.toMatchObject({ code: 'provider/protocol', message: expect.stringContaining('speaks protocol version 2; this version of Parley speaks version 0') });
    const nowhere = new MoshiClient(MoshiSettingsSchema.parse({ baseUrl: 'ws://127.0.0.1:9/api/chat' }));
    await expect(nowhere.connect()).rejects.toMatchObject({ code: 'provider/unreachable', message: expect.stringContaining('Is the Moshi server running?') });
  }, 20_000);

  it('a server that never says it is ready is given up on after exactly the handshake timeout, on the client clock', async () => {
    const moshi = await startFakeMoshi({ handshakeDelayMs: 'never' });
    const clock = new ManualClock();
    const client = new MoshiClient(MoshiSettingsSchema.parse({ baseUrl: moshi.baseUrl, handshakeTimeoutMs: 20_000 }), clock);
    try {
      const connecting = outcomeOf(client.connect());
      await untilTrue(() => moshi.stats.connections === 1 && clock.pendingTimers === 1, 'the socket open, waiting for the handshake');
      clock.advance(19_999);
      await settleTurns();
      expect(connecting.state).toBe('pending');
      clock.advance(1);
      await untilTrue(() => connecting.state !== 'pending', 'the connect to fail');
      expect(connecting.error).toMatchObject({ code: 'provider/timeout', message: expect.stringContaining('did not say it was ready within 20 s') });
    } finally {
      await client.close();
      await moshi.close();
    }
  });

  it('unknown kinds, malformed messages, server errors and garbage audio are reported and skipped; the call goes on', async () => {
    const h = await call({ faults: [{ kind: 'odd-messages', afterMs: 400 }, { kind: 'garbage', afterMs: 800 }, { kind: 'error-message', afterMs: 1200, message: 'sampling hiccup' }] });
    await h.session.start();
    await h.speak(await question());
    const notices = h.events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices).toContainEqual(expect.stringMatching(/kind this version does not know \(0x09\)/));
    expect(notices).toContainEqual(expect.stringMatching(/text frame/));
    const errors = h.events.filter((e) => e.type === 'error') as Extract<EngineEvent, { type: 'error' }>[];
    expect(errors.map((e) => e.error.code)).toEqual(['provider/protocol', 'provider/protocol', 'provider/server-error']);
    expect(errors[2]!.error.message).toBe('Moshi: sampling hiccup');
    expect(notices).toContainEqual("Moshi's audio arrived damaged; the damaged part was skipped");
    await h.session.stop();
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'Hello there.' });
    expect(h.session.failure).toBeUndefined();
  }, 30_000);

  it('a character split across two text messages comes out whole', async () => {
    const h = await call({ replies: [[' Un', ' café', ' noir.']], splitText: true });
    await h.session.start();
    await h.speak(await question());
    await h.session.stop();
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'Un café noir.' });
  }, 30_000);

  it('a dropped connection mid-call reconnects, says what was lost, and the call goes on', async () => {
    const h = await call({ faults: [{ kind: 'drop', afterMs: 1200, connection: 1 }] });
    await h.session.start();
    await h.speak(await question());
    expect(h.moshi.stats.connections).toBe(2);
    const notices = h.events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices).toContainEqual(expect.stringMatching(/^Moshi closed the connection mid-call .*; reconnecting to Moshi$/));
    expect(notices).toContainEqual(expect.stringMatching(/^Reconnected to Moshi after \d+\.\d s\. What you said in that time was not heard; Moshi starts fresh/));
    expect(h.session.failure).toBeUndefined();
    await h.session.stop();
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'Hello there.' }); // answered on the new connection
  }, 30_000);

  it('a server that is gone for good ends the call after the reconnect budget, with a typed error; the transcript so far is kept', async () => {
    const h = await call({ faults: [{ kind: 'drop', afterMs: 3600, connection: 1 }, { kind: 'drop', afterMs: 200, connection: 2 }, { kind: 'drop', afterMs: 200, connection: 3 }] }, {}, { maxReconnects: 2 });
    await h.session.start();
    await h.speak(await question());
    expect(h.moshi.stats.connections).toBe(3); // the first, then two reconnects that drop again
    expect(h.session.failure).toMatchObject({ code: 'provider/disconnected', message: expect.stringContaining('mid-call') });
    await h.session.stop();
    expect(h.session.transcript[0]).toMatchObject({ role: 'user' });
  }, 30_000);

  it('a model that stops sending is noticed, then taken as dead and reconnected', async () => {
    const h = await call({ faults: [{ kind: 'freeze', afterMs: 400, connection: 1 }] }, {}, { stallNoticeMs: 1000, stallReconnectMs: 2000 });
    await h.session.start();
    await h.speak(await question());
    const notices = h.events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices.filter((n) => /^Moshi has sent nothing for \d s$/.test(n))).toHaveLength(1);
    expect(notices).toContainEqual(expect.stringMatching(/^Moshi stopped responding \(nothing for 2 s\); reconnecting to Moshi$/));
    expect(h.moshi.stats.connections).toBe(2);
    expect(h.session.failure).toBeUndefined();
  }, 30_000);

  it('a model that stalls and then bursts is skipped ahead to stay live, says so once, and keeps the words of what it skipped', async () => {
    const h = await call({ replies: [Array.from({ length: 30 }, (_, i) => ` w${i}`)], faults: [{ kind: 'stall', afterMs: 3400, durationMs: 2000 }] });
    await h.session.start();
    await h.speak(concat(await question(), silence(16000, 1.5)));
    const notices = h.events.filter((e) => e.type === 'notice' && /fell \d+ ms behind real time; skipped ahead/.test(e.message));
    expect(notices).toHaveLength(1); // a 2 s burst needs several skips: one episode, one notice
    expect(h.session.skippedMs).toBeGreaterThan(1200);
    await h.session.stop();
    expect(h.moshi.stats.tokensOut).toHaveLength(30);
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: h.moshi.stats.tokensOut.join('').trim() });
  }, 30_000);

  it('a flood of audio in one message is cut to what can still play live, and a message over 1 MiB ends the call clearly', async () => {
    const h = await call({ faults: [{ kind: 'flood', afterMs: 400, seconds: 120 }] });
    await h.session.start();
    await h.speak(silence(16000, 1.5));
    expect(h.events.some((e) => e.type === 'notice' && /more than 2 s of audio in one message/.test(e.message))).toBe(true);
    expect(h.session.failure).toBeUndefined();
    await h.session.stop();

    const o = await call({ faults: [{ kind: 'oversize', afterMs: 400, bytes: 2 << 20 }] });
    await o.session.start();
    await o.speak(silence(16000, 1.5));
    expect(o.session.failure).toMatchObject({ code: 'provider/protocol', message: expect.stringContaining('over 1 MiB') });
  }, 30_000);

  it('a server sending raw PCM instead of Ogg/Opus is refused with a clear protocol error', async () => {
    const h = await call({ rawPcm: true });
    await h.session.start();
    await h.speak(silence(16000, 2));
    expect(h.session.failure).toMatchObject({ code: 'provider/protocol', message: expect.stringContaining('not an Ogg/Opus stream') });
  }, 20_000);

  it("optionally transcribes the user's side with the cascade's STT (Moshi gives no transcript)", async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['what time is it'] });
    try {
      const stt = new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: deepgram.url }), deepgram.key, { clock: systemClock });
      const h = await call({}, {}, { stt });
      await h.session.start();
      await h.speak(await question());
      await h.session.stop();
      const users = h.events.filter((e) => e.type === 'user-final').map((e) => (e as { text: string }).text);
      expect(users).toEqual(['what time is it']);
      expect(h.session.transcript[0]).toEqual({ role: 'user', text: 'what time is it' });
    } finally {
      await deepgram.close();
    }
  }, 30_000);

  it('echo: what the microphone said comes back through Ogg/Opus both ways, in real time', async () => {
    const h = await call({ echo: true });
    await h.session.start();
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 0);
    await h.speak(concat(audio, silence(16000, 0.6)));
    await h.session.stop();
    // The echo is the user's speech: loud where the speech was, decoded from the server's Opus.
    const played = h.sink.recording();
    expect(played.length).toBeGreaterThan(24000 * 2.5);
    expect(rms(played)).toBeGreaterThan(0.5 * rms(audio));
  }, 30_000);
});
