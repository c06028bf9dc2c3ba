import { describe, expect, it } from 'vitest';
import { ConversationMessageSchema, type ConversationMessage } from '../../../electron/shared/conversation.js';
import { emptyConversation, isListening, liveStatusLabel, reduceConversation, transcriptHint, type ConversationView } from '../../../renderer/src/conversation/model.js';

const running: ConversationMessage = { type: 'session', status: { state: 'running', architecture: 'cascade', providers: { stt: 'deepgram', llm: 'openai', tts: 'openai' }, playbackRate: 24000, mode: 'hands-free', muted: false, talking: false } };
const stt = (status: Record<string, unknown>) => ({ type: 'event', event: { type: 'stt-status', provider: 'Deepgram', status } });

/** Messages as they arrive over the wire: validated by the contract first. */
const play = (messages: unknown[], from: ConversationView = emptyConversation) => messages.reduce<ConversationView>((v, m) => reduceConversation(v, ConversationMessageSchema.parse(m)), from);

describe('the live state tells the truth about speech-to-text (renderer)', () => {
  it('retrying: not "Listening" but when the next attempt comes; the transcript does not invite speech', () => {
    const v = play([running, stt({ state: 'connecting' }), stt({ state: 'retrying', attempt: 2, inMs: 4000, reason: { code: 'provider/unreachable', message: 'cannot reach Deepgram at ws://x/v1/listen: ECONNREFUSED', provider: 'deepgram' } })]);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: "Can't reach Deepgram (speech recognition). Retrying in 4 s…", tone: 'warn', speaker: 'none' });
    expect(isListening(v)).toBe(false);
    expect(transcriptHint(v)).toBe('Parley cannot hear you yet.');
  });

  it('back to ok: Listening again', () => {
    const v = play([running, stt({ state: 'retrying', attempt: 1, inMs: 500, reason: { code: 'provider/server-error', message: '503' } }), stt({ state: 'ok' })]);
    expect(liveStatusLabel(v, false).text).toBe('Listening');
    expect(transcriptHint(v)).toBe('Say something: Parley is listening.');
  });

  it('a rejected key: "Stopped: Deepgram rejected the key", also once the engine has ended the session', () => {
    const error = { code: 'provider/invalid-key', message: 'invalid API key for Deepgram: Invalid credentials.', provider: 'deepgram' };
    let v = play([running, stt({ state: 'connecting' }), stt({ state: 'stopped', error })]);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: 'Stopped: Deepgram (speech recognition) rejected the key', tone: 'error', advice: 'Check the Deepgram key in Settings.' });
    expect(transcriptHint(v)).toBe('Parley cannot hear you: Deepgram rejected the key.');
    v = play([{ type: 'session', status: { state: 'idle' } }, { type: 'session', status: { state: 'failed', error } }], v);
    expect(liveStatusLabel(v, false).text).toBe('Stopped: Deepgram (speech recognition) rejected the key');
    // A new session starts from scratch.
    v = play([{ type: 'session', status: { state: 'starting' } }], v);
    expect(liveStatusLabel(v, true).text).toBe('Starting…');
  });

  it('the retry budget spent: "Stopped: can\'t reach Deepgram (speech recognition)" and what to check', () => {
    const v = play([running, stt({ state: 'stopped', error: { code: 'provider/server-error', message: 'Deepgram server error (503); gave up after 6 attempts', provider: 'deepgram' } })]);
    expect(liveStatusLabel(v, false)).toMatchObject({ text: "Stopped: can't reach Deepgram (speech recognition)", advice: 'Deepgram is not answering; check its address in Settings, or try again.' });
  });

  it('the contract refuses a malformed STT status', () => {
    expect(() => ConversationMessageSchema.parse(stt({ state: 'retrying', attempt: 0, inMs: -1 }))).toThrow();
    expect(() => ConversationMessageSchema.parse(stt({ state: 'sleeping' }))).toThrow();
  });
});
