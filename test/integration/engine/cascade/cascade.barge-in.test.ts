import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { useCascadeHarness } from '../../../helpers/cascade.js';
import { feed, paddedSpeech } from '../../../helpers/speech.js';

const harness = useCascadeHarness();

const LONG_REPLY =
  'Well, that is a long story. The Dashwood family had lived at Norland for many generations. Their estate was large, and their residence was in the centre of their property. The late owner was a single man who lived to a very advanced age. And that is only the beginning of it.';

describe('cascade: barge-in', () => {
  it('the user talks over the reply: playback stops, every upstream request is cancelled, the history keeps what was heard', async () => {
    const h = await harness.start({
      deepgram: { utterances: ['he was not an ill disposed young man', 'unless to be rather cold hearted'] },
      // A slow LLM (still streaming when interrupted) and slow-to-play speech (40 ms per character).
      openai: { llm: () => ({ text: LONG_REPLY, tokenMs: 60 }), tts: { msPerChar: 40, chunkMs: 5 } },
    });
    const first = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.0);
    await feed((s) => h.session.pushAudio(s), first.audio);
    await h.waitFor((e) => e.type === 'state' && e.state === 'assistant-speaking');
    // Let it talk for a moment, then interrupt with real speech, fed in real time.
    await feed((s) => h.session.pushAudio(s), new Float32Array(16000 * 0.4), 20);
    const second = await paddedSpeech('librivox-ss01-0890.wav', 0, 1.0);
    const pushedAt = performance.now();
    let confirmedAt = 0;
    let playedAtConfirm = 0;
    h.session.subscribe((e) => {
      if (e.type === 'barge-in' && e.phase === 'confirmed') {
        confirmedAt = performance.now();
        playedAtConfirm = h.sink.played();
      }
    });
    await feed((s) => h.session.pushAudio(s), second.audio, 20);
    await h.session.finishInput();

    const phases = h.events.filter((e) => e.type === 'barge-in').map((e) => (e as { phase: string }).phase);
    expect(phases.slice(0, 2)).toEqual(['suspected', 'confirmed']);
    expect(confirmedAt - pushedAt).toBeLessThan(2000);

    // Every upstream request of turn 1 was cut off by the client.
    const turn1 = h.openai.requests.filter((r) => r.at < confirmedAt);
    expect(turn1.find((r) => r.path === '/v1/chat/completions')!.abortedByClient).toBe(true);
    expect(turn1.filter((r) => r.path === '/v1/audio/speech').some((r) => r.abortedByClient)).toBe(true);
    // Nothing of turn 1 played after the barge-in.
    expect(playedAtConfirm).toBeGreaterThan(0);

    const done1 = h.events.find((e) => e.type === 'assistant-done' && e.turnId === 1) as Extract<EngineEvent, { type: 'assistant-done' }>;
    expect(done1.interrupted).toBe(true);
    expect(done1.text.length).toBeGreaterThan(0);
    expect(LONG_REPLY.startsWith(done1.text)).toBe(true);
    expect(done1.text.length).toBeLessThan(LONG_REPLY.length / 2);
    const assistant1 = h.session.history.find((m) => m.role === 'assistant')!;
    expect(assistant1.content).toBe(done1.text);

    // The interruption became the next turn, answered in full.
    expect(h.events.filter((e) => e.type === 'user-final').map((e) => (e as { text: string }).text)).toEqual([
      'he was not an ill disposed young man',
      'unless to be rather cold hearted',
    ]);
    expect(h.session.history.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant']);
  }, 30_000);

  it('interrupting after the reply was fully generated (only playback left) ends the turn too', async () => {
    const h = await harness.start({
      deepgram: { utterances: ['he was not an ill disposed young man', 'unless to be rather cold hearted'] },
      // Fast LLM and TTS, slow playback: everything is generated long before it is heard.
      openai: { llm: () => ({ text: LONG_REPLY }), tts: { msPerChar: 30 } },
    });
    const first = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.0);
    await feed((s) => h.session.pushAudio(s), first.audio);
    await h.waitFor((e) => e.type === 'state' && e.state === 'assistant-speaking');
    // Wait until every sentence has been synthesised: only playback is left.
    const allDone = () => h.openai.requests.filter((r) => r.path === '/v1/audio/speech').length >= 5 && h.openai.requests.every((r) => r.endedAt !== undefined);
    for (let i = 0; i < 100 && !allDone(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(allDone()).toBe(true);
    expect(h.openai.requests.some((r) => r.abortedByClient)).toBe(false);
    const second = await paddedSpeech('librivox-ss01-0890.wav', 0, 1.0);
    await feed((s) => h.session.pushAudio(s), second.audio, 20);
    await h.session.finishInput();
    const done1 = h.events.find((e) => e.type === 'assistant-done' && e.turnId === 1) as Extract<EngineEvent, { type: 'assistant-done' }>;
    expect(done1.interrupted).toBe(true);
    expect(LONG_REPLY.startsWith(done1.text)).toBe(true);
    expect(h.events.filter((e) => e.type === 'user-final')).toHaveLength(2);
  }, 30_000);

  it('the assistant does not interrupt itself on silence or a quiet echo of its own voice', async () => {
    const h = await harness.start({
      deepgram: { utterances: ['he was not an ill disposed young man'] },
      openai: { llm: () => ({ text: 'A short answer that plays for a little while.' }), tts: { msPerChar: 20 } },
    });
    const first = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.0);
    await feed((s) => h.session.pushAudio(s), first.audio);
    await h.waitFor((e) => e.type === 'state' && e.state === 'assistant-speaking');
    // The mic hears the assistant's own voice 30 dB down (what an echo canceller leaves).
    const echo = new Float32Array(16000);
    const leaked = h.sink.recording();
    for (let i = 0; i < echo.length; i++) echo[i] = (leaked[Math.floor((i * 3) / 2)] ?? 0) * 0.03;
    await feed((s) => h.session.pushAudio(s), echo, 20);
    await h.session.idle();
    expect(h.events.filter((e) => e.type === 'barge-in')).toEqual([]);
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ interrupted: false });
  }, 20_000);
});
