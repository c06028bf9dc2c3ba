import { describe, expect, it } from 'vitest';
import type { ConversationEvent, ConversationMessage, SessionStatus } from '../../../electron/shared/conversation.js';
import type { ErrorInfo } from '../../../electron/shared/errors.js';
import { clearBanners, emptyConversation, reduceConversation, type ConversationView } from '../../../renderer/src/conversation/model.js';

// Banners: one per problem, gone when the problem is, none carried into a new session or mode,
// none from before this page was there.
const apply = (v: ConversationView, ...messages: ConversationMessage[]) => messages.reduce(reduceConversation, v);
const event = (e: ConversationEvent, replayed?: boolean): ConversationMessage => ({ type: 'event', event: e, ...(replayed ? { replayed } : {}) });
const status = (s: SessionStatus): ConversationMessage => ({ type: 'session', status: s });
const running = (over: Partial<Extract<SessionStatus, { state: 'running' }>> = {}): ConversationMessage =>
  status({ state: 'running', architecture: 'cascade', providers: { stt: 'deepgram', llm: 'openai', tts: 'openai' }, playbackRate: 24000, mode: 'hands-free', muted: false, talking: false, ...over });
const error = (stage: 'stt' | 'llm' | 'tts' | 'session', e: ErrorInfo): ConversationMessage => event({ type: 'error', stage, error: e });
const unreachable = (s: number): ErrorInfo => ({ code: 'provider/unreachable', message: `Can't reach Deepgram at wss://api.deepgram.com; retrying in ${s} s`, provider: 'deepgram' });

describe('problem banners (renderer model)', () => {
  it('a retrying fault is one banner, updated in place, not one per attempt', () => {
    const v = apply(emptyConversation, running(), error('stt', unreachable(1)), error('stt', unreachable(2)), error('stt', unreachable(4)), error('stt', unreachable(1)));
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]!.error.message).toMatch(/retrying in 1 s$/);
    // Two different problems are two banners.
    const two = apply(v, error('llm', { code: 'provider/invalid-key', message: 'OpenAI rejected the key' }));
    expect(two.problems.map((p) => p.stage)).toEqual(['stt', 'llm']);
  });

  it('a problem is cleared when it is gone: words arrive again (STT), a reply is heard (LLM/TTS)', () => {
    let v = apply(emptyConversation, running(), error('stt', unreachable(1)), error('tts', { code: 'provider/server-error', message: 'OpenAI speech answered 503' }));
    v = apply(v, event({ type: 'user-partial', text: 'what' }));
    expect(v.problems.map((p) => p.stage)).toEqual(['tts']);
    v = apply(v, event({ type: 'user-final', turnId: 1, text: 'what time is it' }), event({ type: 'assistant-chunk', turnId: 1, text: 'It is noon.' }));
    expect(v.problems).toEqual([]);
  });

  it('a new session or a change of mode or architecture clears the banners of the one before', () => {
    const withProblem = apply(emptyConversation, running(), error('stt', unreachable(1)));
    expect(apply(withProblem, status({ state: 'starting' })).problems).toEqual([]);
    expect(apply(withProblem, running({ mode: 'push-to-talk' })).problems).toEqual([]);
    // A status update that changes nothing the problem depends on (mute) keeps it.
    expect(apply(withProblem, running({ muted: true })).problems).toHaveLength(1);
  });

  it('changing mode or architecture while stopped clears a failed start and its problems (the UI calls clearBanners)', () => {
    const failed = apply(emptyConversation, error('session', { code: 'session/invalid-message', message: 'refused a malformed message' }), status({ state: 'failed', error: { code: 'provider/missing-key', message: 'no API key for Deepgram' } }));
    expect(failed.problems).toHaveLength(1);
    const cleared = clearBanners(failed);
    expect(cleared.problems).toEqual([]);
    expect(cleared.status).toEqual({ state: 'idle' });
  });

  it('the fault that ended the session is one banner (the failure), not also a problem', () => {
    const dropped: ErrorInfo = { code: 'provider/disconnected', message: 'Moshi dropped the call mid-call' };
    const v = apply(emptyConversation, running(), event({ type: 'error', stage: 's2s', error: dropped }), status({ state: 'failed', error: dropped }));
    expect(v.problems).toEqual([]);
    expect(v.status).toEqual({ state: 'failed', error: dropped });
    // It had been running: it stopped, it did not fail to start.
    expect(v.failedAfterRunning).toBe(true);
    expect(apply(emptyConversation, status({ state: 'starting' }), status({ state: 'failed', error: dropped })).failedAfterRunning).toBe(false);
    // The retries said it with a countdown, the failure says it finally: still one problem, one banner.
    const gaveUp: ErrorInfo = { code: 'provider/unreachable', message: "Can't reach Deepgram at wss://api.deepgram.com; gave up", provider: 'deepgram' };
    expect(apply(emptyConversation, status({ state: 'starting' }), error('stt', unreachable(4)), status({ state: 'failed', error: gaveUp })).problems).toEqual([]);
  });

  it('problems replayed from before this page was opened are not shown; the transcript is', () => {
    const v = apply(
      emptyConversation,
      event({ type: 'error', stage: 'stt', error: unreachable(1) }, true),
      event({ type: 'user-final', turnId: 1, text: 'hello' }, true),
    );
    expect(v.problems).toEqual([]);
    expect(v.turns.map((t) => t.user)).toEqual(['hello']);
  });
});
