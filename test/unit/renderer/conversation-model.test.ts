import { describe, expect, it } from 'vitest';
import type { ConversationEvent, ConversationMessage } from '../../../electron/shared/conversation.js';
import { emptyConversation, errorAction, reduceConversation, voiceToVoiceStats, type ConversationView } from '../../../renderer/src/conversation/model.js';

const play = (events: ConversationEvent[], from: ConversationView = emptyConversation) =>
  events.reduce((v, event) => reduceConversation(v, { type: 'event', event } satisfies ConversationMessage), from);

describe('the conversation view model (renderer)', () => {
  it('partials are provisional until the turn; reply text grows with the audio and settles; interruption marks the turn', () => {
    let v = play([
      { type: 'state', state: 'user-speaking' },
      { type: 'user-partial', text: 'what time' },
    ]);
    expect(v.partial).toBe('what time');
    expect(v.turns).toEqual([]);
    v = play(
      [
        { type: 'user-final', turnId: 1, text: 'what time is it' },
        { type: 'assistant-chunk', turnId: 1, text: 'It is noon.' },
      ],
      v,
    );
    expect(v.partial).toBe('');
    expect(v.turns[0]).toMatchObject({ user: 'what time is it', assistant: 'It is noon.', speaking: true });
    v = play(
      [
        { type: 'assistant-chunk', turnId: 1, text: 'Anything else' },
        { type: 'barge-in', turnId: 1, phase: 'suspected' },
      ],
      v,
    );
    expect(v.bargeInSuspected).toBe(true);
    v = play(
      [
        { type: 'barge-in', turnId: 1, phase: 'confirmed' },
        { type: 'assistant-done', turnId: 1, text: 'It is noon. Anything', interrupted: true },
      ],
      v,
    );
    expect(v.turns[0]).toMatchObject({ assistant: 'It is noon. Anything', speaking: false, interrupted: true });
    expect(v.bargeInSuspected).toBe(false);
  });

  it('tool calls attach to their turn; errors go to their turn or become one deduplicated problem', () => {
    const v = play([
      { type: 'user-final', turnId: 1, text: 'what is 2 plus 2' },
      { type: 'tool-call', turnId: 1, call: { id: 'c1', name: 'calculator', arguments: { expression: '2+2' } } },
      { type: 'tool-result', turnId: 1, callId: 'c1', name: 'calculator', ok: true, content: '4' },
      { type: 'error', stage: 'tts', turnId: 1, error: { code: 'provider/server-error', message: 'TTS 500' } },
      { type: 'error', stage: 'stt', error: { code: 'provider/invalid-key', message: 'Deepgram rejected the key', provider: 'deepgram' } },
      { type: 'error', stage: 'stt', error: { code: 'provider/invalid-key', message: 'Deepgram rejected the key', provider: 'deepgram' } },
    ]);
    expect(v.turns[0]!.tools).toEqual([{ callId: 'c1', name: 'calculator', arguments: { expression: '2+2' }, ok: true, result: '4' }]);
    expect(v.turns[0]!.errors.map((e) => e.error.message)).toEqual(['TTS 500']);
    expect(v.problems.map((p) => p.error.message)).toEqual(['Deepgram rejected the key']);
    expect(errorAction(v.problems[0]!.error)).toBe('open-settings');
    expect(errorAction({ code: 'provider/unreachable', message: '' })).toBe('retry');
  });

  it('session stats: median and p90 (nearest rank) of voice-to-voice over the measured turns', () => {
    const turns = [400, 900, 500, 700, 600, 800, 300, 1000, 200, 1100].map((ms, i) => ({ type: 'latency' as const, turnId: i + 1, report: { spans: {}, voiceToVoiceMs: ms } }));
    const v = play([...turns.map((t) => ({ type: 'user-final' as const, turnId: t.turnId, text: 'x' })), ...turns, { type: 'user-final', turnId: 11, text: 'not answered yet' }]);
    const stats = voiceToVoiceStats(v.turns);
    expect(stats.values).toHaveLength(10);
    expect(stats.median).toBe(600);
    expect(stats.p90).toBe(1000);
    expect(voiceToVoiceStats([])).toEqual({ values: [] });
  });

  it('joins sentence chunks with a space and speech-to-speech pieces as written', () => {
    const cascade = play([
      { type: 'user-final', turnId: 1, text: 'hi' },
      { type: 'assistant-chunk', turnId: 1, text: 'Hello there.' },
      { type: 'assistant-chunk', turnId: 1, text: 'How are you?' },
    ]);
    expect(cascade.turns[0]!.assistant).toBe('Hello there. How are you?');
    const moshi = play([' Hello', ' there', ',', ' friend', '.'].map((text) => ({ type: 'assistant-chunk' as const, turnId: 1, text })), play([{ type: 'user-final', turnId: 1, text: '(spoke 1.2 s)' }]));
    expect(moshi.turns[0]!.assistant).toBe('Hello there, friend.');
  });

  it('a stopped session resets the live state but keeps the transcript', () => {
    let v = play([
      { type: 'user-final', turnId: 1, text: 'hi' },
      { type: 'state', state: 'thinking' },
    ]);
    v = reduceConversation(v, { type: 'session', status: { state: 'idle' } });
    expect(v.state).toBe('listening');
    expect(v.turns).toHaveLength(1);
  });
});

describe('audio dropped for arriving faster than real time', () => {
  it('shows one notice with the running total, updated in place', () => {
    let v = reduceConversation(emptyConversation, { type: 'event', event: { type: 'notice', message: 'Settings applied.' } });
    v = reduceConversation(v, { type: 'audio-dropped', frames: 1, droppedMs: 20 });
    v = reduceConversation(v, { type: 'audio-dropped', frames: 2500, droppedMs: 50_000 });
    expect(v.notices.map((n) => n.text)).toEqual(['Settings applied.', 'Microphone audio arrived faster than real time, so 50.0 s of it was left out (2500 frames).']);
  });
});
