import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { systemClock } from '../../../../electron/engine/clock.js';
import { RetryBudget } from '../../../../electron/engine/providers/retry-budget.js';
import { useCascadeHarness, type HarnessOptions } from '../../../helpers/cascade.js';
import { feed, paddedSpeech } from '../../../helpers/speech.js';

// Every fault ends in its documented outcome, the session keeps running and the user's words are kept.
const harness = useCascadeHarness();

async function converse(options: Omit<HarnessOptions, 'vad'>, files = ['librivox-ss01-0880.wav']) {
  const h = await harness.start(options);
  for (const f of files) {
    const { audio } = await paddedSpeech(f, 0.3, 1.2);
    await feed((s) => h.session.pushAudio(s), audio, options.deepgram?.faults ? 1 : 0);
    await h.session.finishInput();
  }
  const errors = h.events.filter((e) => e.type === 'error') as Extract<EngineEvent, { type: 'error' }>[];
  return { h, errors };
}

describe('cascade: faults', () => {
  it('a rejected LLM key: a clear error, no retry, the user turn kept, the session goes on', async () => {
    const { h, errors } = await converse({ deepgram: { utterances: ['first question', 'second question'] }, openaiKey: 'revoked' }, ['librivox-ss01-0880.wav', 'librivox-ss01-0890.wav']);
    expect(errors.map((e) => [e.stage, e.error.code])).toEqual([
      ['llm', 'provider/invalid-key'],
      ['llm', 'provider/invalid-key'],
    ]);
    expect(errors[0]!.error.message).toMatch(/^invalid API key for OpenAI-compatible LLM/);
    expect(h.openai.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2);
    expect(h.session.history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['first question', 'second question']);
    expect(h.log.entries.filter((e) => e.kind === 'error')).toHaveLength(2);
    expect(h.session.conversationState).toBe('listening');
  });

  it('an LLM that keeps failing (500) is retried, then the fallback provider answers', async () => {
    const { h, errors } = await converse({
      deepgram: { utterances: ['hello'] },
      openai: { llmFaults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 502 }, { kind: 'status', status: 503 }] },
      fallbackAnthropic: { llm: () => ({ text: 'Anthropic here, all good.' }) },
    });
    expect(errors).toEqual([]);
    expect(h.openai.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(3);
    expect(h.anthropic!.requests).toHaveLength(1);
    expect(h.events.find((e) => e.type === 'notice')).toMatchObject({ message: expect.stringMatching(/openai failed .*using anthropic/) });
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'Anthropic here, all good.', interrupted: false });
  });

  it('a Deepgram socket dropped mid-utterance reconnects and loses none of the user\'s words', async () => {
    const { h, errors } = await converse({ deepgram: { utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'drop', afterAudioMs: 900 }] } });
    expect(errors).toEqual([]);
    expect(h.deepgram.stats.connections).toBe(2);
    expect(h.events.some((e) => e.type === 'notice' && /reconnected/.test(e.message))).toBe(true);
    expect(h.events.find((e) => e.type === 'user-final')).toMatchObject({ text: 'he was not an ill disposed young man' });
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ interrupted: false });
  });

  it('TTS down: a typed error at the tts stage, and the reply text is still in the transcript', async () => {
    const { h, errors } = await converse({
      deepgram: { utterances: ['hello'] },
      openai: { llm: () => ({ text: 'You will read this even if you cannot hear it.' }), ttsFaults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }] },
    });
    expect(errors.map((e) => [e.stage, e.error.code])).toEqual([['tts', 'provider/server-error']]);
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'You will read this even if you cannot hear it.' });
    expect(h.session.history.at(-1)).toEqual({ role: 'assistant', content: 'You will read this even if you cannot hear it.' });
    expect(h.session.conversationState).toBe('listening');
  });

  it('a stalled LLM stream times out with a typed error', async () => {
    // Every request stalls: a reply prepared early (preemptive) and dropped must not use up the fault.
    const stall = { kind: 'stall', after: 2 } as const;
    const { errors } = await converse({ deepgram: { utterances: ['hello'] }, openai: { llm: () => ({ text: 'one two three four' }), llmFaults: [stall, stall, stall] } });
    expect(errors.map((e) => [e.stage, e.error.code])).toEqual([['llm', 'provider/timeout']]);
  });

  it('a rejected Deepgram key: one attempt, one clear stt error, the session stops listening and says so', async () => {
    const h = await harness.start({ deepgramKey: 'revoked-key' });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2);
    await feed((s) => h.session.pushAudio(s), audio);
    await h.session.finishInput();
    // Not one new attempt per audio frame: the key will not fix itself.
    expect(h.deepgram.stats.attempts).toBe(1);
    const errors = h.events.filter((e) => e.type === 'error') as Extract<EngineEvent, { type: 'error' }>[];
    expect(errors.map((e) => [e.stage, e.error.code, e.error.message])).toEqual([['stt', 'provider/invalid-key', 'invalid API key for Deepgram: Invalid credentials.']]);
    expect(h.session.sttFailure).toMatchObject({ code: 'provider/invalid-key', provider: 'deepgram' });
    const statuses = h.events.flatMap((e) => (e.type === 'stt-status' ? [[e.provider, e.status.state]] : []));
    expect(statuses).toEqual([
      ['Deepgram', 'connecting'],
      ['Deepgram', 'stopped'],
    ]);
    expect(h.events.filter((e) => e.type === 'user-final')).toEqual([]);
    // The transcript log has the one error, not one per frame.
    expect(h.log.entries.filter((e) => e.kind === 'error')).toHaveLength(1);
  });

  it('Deepgram down for a while (503 with Retry-After): the user\'s audio is kept, replayed on recovery and answered', async () => {
    // Deepgram stays down (its retries wait) until all of the user's audio has been fed.
    const waits: number[] = [];
    let recover = () => {};
    const down = new Promise<void>((r) => (recover = r));
    const sttRetry = new RetryBudget(systemClock, {
      sleep: async (ms) => {
        waits.push(ms);
        await down;
      },
    });
    const h = await harness.start({
      deepgram: { utterances: ['he was not an ill disposed young man'], faults: [{ kind: 'status', status: 503, retryAfterS: 3 }, { kind: 'status', status: 503, retryAfterS: 3 }] },
      session: { sttRetry },
    });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2);
    await feed((s) => h.session.pushAudio(s), audio);
    expect(h.deepgram.stats.attempts).toBe(1);
    recover();
    await h.session.finishInput();
    expect(h.deepgram.stats.attempts).toBe(3);
    expect(waits).toEqual([3000, 3000]);
    expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(h.events.find((e) => e.type === 'user-final')).toMatchObject({ text: 'he was not an ill disposed young man' });
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ interrupted: false });
    const retrying = h.events.find((e) => e.type === 'stt-status' && e.status.state === 'retrying');
    expect(retrying).toMatchObject({ status: { attempt: 1, inMs: 3000, reason: { code: 'provider/server-error' } } });
  });
});
