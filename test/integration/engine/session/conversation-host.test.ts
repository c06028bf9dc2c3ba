import { describe, expect, it } from 'vitest';
import { isRunning, useConversationHost } from '../../../helpers/conversation-host.js';
import { RemotePlayer } from '../../../helpers/remote-player.js';
import { concat } from '../../../helpers/signals.js';
import { paddedSpeech } from '../../../helpers/speech.js';

// The desktop app's live conversation, end to end in Node: the real ConversationHost building a
// real cascade from saved settings and keys, real Silero, the real provider clients against the
// local fakes, and a player that plays the engine's frames in real time and reports back.

const setup = useConversationHost();

const running = isRunning;

describe('the live conversation (ConversationHost)', () => {
  it('answers a spoken question through the UI transport: transcript, reply text in step with the audio, latency', async () => {
    const h = await setup({ openai: { llm: () => ({ text: 'It is noon. Anything else?' }) } });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(running);
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2);
    await h.speak(audio);
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency', 15_000);

    expect(h.player.events('user-final').map((e) => e.text)).toEqual(['what time is it']);
    expect(h.player.events('assistant-done')).toEqual([{ type: 'assistant-done', turnId: 1, text: 'It is noon. Anything else?', interrupted: false }]);
    // Chunks are emitted when the player reports their first block sounding: text in step with audio.
    expect(h.player.events('assistant-chunk').map((e) => e.text)).toEqual(['It is noon.', 'Anything else?']);
    const states = h.player.events('state').map((e) => e.state);
    expect(states).toEqual(['listening', 'user-speaking', 'thinking', 'assistant-speaking', 'listening']);
    const latency = h.player.events('latency')[0]!.report;
    expect(Object.keys(latency.spans)).toEqual(['speechEnd', 'endOfTurn', 'sttFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstByte', 'firstAudioPlayed']);
    expect(latency.voiceToVoiceMs).toBeGreaterThan(0);
    // Everything sent was played (the reply waited for the player's drained report).
    expect(h.player.samplesPlayed).toBe(h.player.samplesReceived);
    // The fake speaks 5 ms per character: 26 characters = 130 ms at 24 kHz.
    expect(h.player.samplesReceived).toBe(('It is noon.'.length + 'Anything else?'.length) * 5 * 24);
  }, 30_000);

  it('the stop-talking button cuts the reply at what was heard and flushes the player', async () => {
    const h = await setup({ openai: { llm: () => ({ text: 'Here is a long story. It goes on and on. And on and on and on, for a long while yet, with many words to say.' }), tts: { msPerChar: 60 } } });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(running);
    await h.speak((await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2)).audio);
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-chunk');
    await new Promise((r) => setTimeout(r, 400));
    h.player.command({ type: 'interrupt' });
    const done = await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-done');
    const reply = done.type === 'event' && done.event.type === 'assistant-done' ? done.event : undefined;
    expect(reply?.interrupted).toBe(true);
    expect(reply?.text.length).toBeGreaterThan(0);
    expect('Here is a long story. It goes on and on. And on and on and on, for a long while yet, with many words to say.'.startsWith(reply!.text)).toBe(true);
    expect(reply!.text.length).toBeLessThan(60);
    expect(h.player.controls).toContain('flush');
    expect(h.player.events('barge-in').map((e) => e.phase)).toContain('confirmed');
  }, 30_000);

  it('push-to-talk: audio is ignored until the user holds talk; releasing ends the turn at once', async () => {
    const h = await setup({ utterances: ['first words', 'second words'] });
    await h.store.update((s) => void (s.mode = 'push-to-talk'));
    h.host.settingsChanged();
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(running);
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.2, 0.3);
    await h.speak(audio);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.player.events('user-final')).toEqual([]);
    expect(h.deepgram.stats.audioBytes).toBe(0);

    h.player.command({ type: 'talk', pressed: true });
    await h.player.waitFor((m) => m.type === 'session' && m.status.state === 'running' && m.status.talking);
    await h.speak(audio);
    const releasedAt = Date.now();
    h.player.command({ type: 'talk', pressed: false });
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'user-final');
    // No VAD hangover to wait out: the turn ends once the STT settles the words.
    expect(Date.now() - releasedAt).toBeLessThan(1500);
    expect(h.player.events('user-final').map((e) => e.text)).toEqual(['first words']);
  }, 30_000);

  it('applies changed settings without a restart, between turns, carrying the conversation over', async () => {
    const h = await setup({ utterances: ['my name is ada', 'what is my name'], openai: { llm: (r) => ({ text: `You said ${r.messages.filter((m) => m.role === 'user').length} things.` }) } });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(running);
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2);
    await h.speak(audio);
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency', 15_000);

    await h.store.update((s) => void (s.systemPrompt = 'Answer like a pirate.'));
    h.host.settingsChanged();
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'notice' && /Settings applied/.test(m.event.message));
    await h.speak(audio);
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency' && m.event.turnId === 1 && h.player.events('latency').length === 2, 15_000);

    const chats = h.openai.requests.filter((r) => r.path === '/v1/chat/completions');
    const last = chats.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(last.messages[0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
    expect(last.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['my name is ada', 'what is my name']);
    expect(h.player.events('assistant-done').map((e) => e.text)).toEqual(['You said 1 things.', 'You said 2 things.']);
  }, 40_000);

  it('a missing key fails the start with a typed error; bad messages are refused; the host keeps working', async () => {
    const h = await setup({ saveKeys: false });
    h.player.command({ type: 'start', inputRate: 16000 });
    const failed = await h.player.waitFor((m) => m.type === 'session' && m.status.state === 'failed');
    expect(failed).toMatchObject({ status: { error: { code: 'provider/missing-key', provider: 'deepgram' } } });
    h.player.handle.receive('{"type":"start","inputRate":"fast"}');
    h.player.handle.receive('not json');
    h.player.handle.receive(new Uint8Array([7, 0, 0, 0, 1]));
    expect(h.player.events('error').map((e) => e.error.code)).toEqual(['session/invalid-message', 'session/invalid-message']);
    // Keys saved: the next start works.
    await h.saveKey('deepgram', h.deepgram.key);
    await h.saveKey('openai', h.openai.key);
    h.player.command({ type: 'start', inputRate: 48000 });
    await h.player.waitFor(running);
  }, 20_000);

  it('a reconnecting UI gets the transcript replayed; the old one is closed', async () => {
    const h = await setup({ openai: { llm: () => ({ text: 'Hello again.' }) } });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(running);
    await h.speak(concat((await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2)).audio));
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'latency', 15_000);
    const second = new RemotePlayer();
    second.handle = h.host.attach(second);
    await second.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-done');
    expect(second.messages.filter((m) => m.type === 'event').every((m) => m.type === 'event' && m.replayed)).toBe(true);
    expect(second.events('user-final').map((e) => e.text)).toEqual(['what time is it']);
    await h.player.waitFor(() => h.player.closed);
  }, 30_000);

  it('a key the provider rejects is reported where it happened (STT) while the session stays up; a new key applies without a restart', async () => {
    const h = await setup({ deepgramKey: 'dg-wrong-key-123' });
    h.player.command({ type: 'start', inputRate: 16000 });
    await h.player.waitFor(running);
    const error = await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'error');
    expect(error).toMatchObject({ event: { stage: 'stt', error: { code: 'provider/invalid-key', provider: 'deepgram' } } });
    await h.saveKey('deepgram', h.deepgram.key);
    h.host.settingsChanged('keys');
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'notice' && /Settings applied/.test(m.event.message));
    await h.speak((await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2)).audio);
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'user-final', 15_000);
  }, 30_000);
});
