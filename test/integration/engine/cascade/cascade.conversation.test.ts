import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { LATENCY_MARKS } from '../../../../electron/engine/metrics/latency.js';
import type { LlmProvider } from '../../../../electron/engine/providers/types.js';
import { ToolRegistry } from '../../../../electron/engine/tools/registry.js';
import { calculatorTool } from '../../../../electron/engine/tools/builtins.js';
import { useCascadeHarness } from '../../../helpers/cascade.js';
import { feed, paddedSpeech } from '../../../helpers/speech.js';

// A spoken conversation: real recordings through the real Silero VAD, the real Deepgram, OpenAI
// LLM and OpenAI speech clients against local fakes of their wire protocols, into a real-time sink.
const harness = useCascadeHarness();

const REPLY = "Not at all. He sounds **perfectly** kind to me, though perhaps a little careful with money! Shall I tell you more about Mr. Dashwood?";

describe('cascade: a spoken turn', () => {
  it('answers a real spoken sentence with streamed, overlapped speech and a complete latency waterfall', async () => {
    const h = await harness.start({
      deepgram: { utterances: ['he was not an ill disposed young man'], finalDelayMs: 30 },
      openai: { llm: () => ({ text: REPLY, firstTokenMs: 60, tokenMs: 25 }), tts: { msPerChar: 4, firstByteMs: 20 } },
    });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.5, 1.2);
    await feed((s) => h.session.pushAudio(s), audio);
    await h.session.finishInput();

    const types = (t: EngineEvent['type']) => h.events.filter((e) => e.type === t);
    expect(types('user-final')).toEqual([{ type: 'user-final', turnId: 1, text: 'he was not an ill disposed young man' }]);
    const done = types('assistant-done')[0] as Extract<EngineEvent, { type: 'assistant-done' }>;
    expect(done.interrupted).toBe(false);
    // Markdown stripped, every sentence spoken, abbreviation kept whole.
    expect(done.text).toBe('Not at all. He sounds perfectly kind to me, though perhaps a little careful with money! Shall I tell you more about Mr. Dashwood?');
    const chunks = types('assistant-chunk').map((e) => (e as { text: string }).text);
    expect(chunks[0]).toBe('Not at all.');
    expect(chunks.join(' ')).toBe(done.text);

    // Overlap: the first sentence went to TTS while the LLM was still streaming.
    const chat = h.openai.requests.find((r) => r.path === '/v1/chat/completions')!;
    const firstSpeech = h.openai.requests.find((r) => r.path === '/v1/audio/speech')!;
    expect(firstSpeech.body.input).toBe('Not at all.');
    expect(firstSpeech.at).toBeLessThan(chat.endedAt!);

    const latency = types('latency')[0] as Extract<EngineEvent, { type: 'latency' }>;
    const spans = latency.report.spans;
    for (const mark of LATENCY_MARKS) expect(spans[mark], mark).toBeTypeOf('number');
    expect(spans.speechEnd).toBe(0);
    expect(spans.endOfTurn!).toBeLessThanOrEqual(spans.llmFirstToken!);
    expect(spans.llmFirstToken!).toBeLessThanOrEqual(spans.firstSentence!);
    expect(spans.firstSentence!).toBeLessThanOrEqual(spans.ttsFirstByte!);
    expect(spans.ttsFirstByte!).toBeLessThanOrEqual(spans.firstAudioPlayed!);
    expect(latency.report.voiceToVoiceMs).toBe(spans.firstAudioPlayed);
    // The fake LLM waits 60 ms before its first token, the fake TTS 20 ms before its first byte.
    // A reply prepared before the end of turn (preemptive) has had part of that wait already: then
    // the one chat request is the prepared one, and it was used.
    expect(latency.report.decision).toMatchObject({ turnClass: expect.any(String), delayMs: expect.any(Number) });
    if (latency.report.decision!.preempted) expect(h.session.preemptive).toMatchObject({ used: 1 });
    else expect(spans.llmFirstToken! - spans.endOfTurn!).toBeGreaterThanOrEqual(55);
    expect(h.openai.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);

    expect(h.session.history.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(h.sink.recording().length).toBeGreaterThan(24000 * 0.004 * done.text.length * 0.9);
    expect(h.log.entries.map((e) => e.kind)).toEqual(['session-start', 'user', 'assistant', 'latency']);
    const states = types('state').map((e) => (e as { state: string }).state);
    expect(states).toEqual(['listening', 'user-speaking', 'thinking', 'assistant-speaking', 'listening']);
  });

  it('a local LLM evaluates the system prompt and history while the user speaks; the preload stops when the reply starts', async () => {
    const h = await harness.start({
      deepgram: { utterances: ['he was not an ill disposed young man'] },
      openai: { llm: () => ({ text: 'I see.' }) },
    });
    // The OpenAI client has no preload; give it one, as llama.cpp has, to watch the session use it.
    const llm = (h.session as unknown as { options: { llm: LlmProvider } }).options.llm;
    const preloads: { roles: string[]; stoppedAtEvent: number | undefined }[] = [];
    llm.preload = (request) =>
      new Promise<void>((resolve) => {
        const entry = { roles: request.messages.map((m) => m.role), stoppedAtEvent: undefined as number | undefined };
        preloads.push(entry);
        request.signal?.addEventListener('abort', () => {
          entry.stoppedAtEvent = h.events.length;
          resolve();
        });
      });
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2);
    await feed((s) => h.session.pushAudio(s), audio);
    await h.session.finishInput();
    // One preload, started on the user's speech with what came before the words (the system prompt).
    expect(preloads).toHaveLength(1);
    expect(preloads[0]!.roles).toEqual(['system']);
    // Stopped before the turn was answered (a reply prepared early, or the turn itself, takes the LLM).
    const answered = h.events.findIndex((e) => e.type === 'user-final');
    expect(preloads[0]!.stoppedAtEvent).toBeDefined();
    expect(preloads[0]!.stoppedAtEvent!).toBeLessThanOrEqual(answered);
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'I see.', interrupted: false });
  });

  /** Two phrases 450 ms apart (the STT finalises the first in the pause), the reply to the whole. */
  async function pausedSentence(first: string) {
    const h = await harness.start({
      deepgram: { utterances: [first, 'unless to be rather cold hearted'], utteranceGapMs: 350 },
      openai: { llm: () => ({ text: 'I see.', firstTokenMs: 600 }) },
    });
    const a = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 0.45);
    const b = await paddedSpeech('librivox-ss01-0890.wav', 0, 1.2);
    const audio = new Float32Array(a.audio.length + b.audio.length);
    audio.set(a.audio);
    audio.set(b.audio, a.audio.length);
    await feed((s) => h.session.pushAudio(s), audio, 20);
    await h.session.finishInput();
    const whole = `${first} unless to be rather cold hearted`;
    const finals = h.events.filter((e) => e.type === 'user-final').map((e) => (e as { text: string }).text);
    expect(finals.at(-1)).toBe(whole);
    expect(h.events.filter((e) => e.type === 'assistant-done')).toEqual([expect.objectContaining({ text: 'I see.', interrupted: false })]);
    expect(h.session.history.map((m) => [m.role, m.content])).toEqual([
      ['system', 'You are Parley, a helpful voice assistant.'],
      ['user', whole],
      ['assistant', 'I see.'],
    ]);
    return { h, finals };
  }

  it('a pause after unfinished words is not answered: one turn, one LLM request', async () => {
    const { h, finals } = await pausedSentence('he was not an ill disposed young man and');
    expect(finals).toHaveLength(1);
    const chats = h.openai.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chats).toHaveLength(1);
    expect(chats[0]!.abortedByClient).toBe(false);
    // Unfinished words are never prepared on.
    expect(h.session.preemptive).toEqual({ prepared: 1, used: 1, discarded: 0 });
  }, 20_000);

  it('a pause after plain, complete-looking words: whatever was prepared or started in it is dropped unheard when the user speaks on', async () => {
    const { h } = await pausedSentence('he was not an ill disposed young man');
    // The first phrase's settled words had a reply prepared (and perhaps started); it was cancelled
    // when the user went on, and the reply to all the words was the one heard.
    // (Under load the STT's words can settle twice in the pause: each settle prepares anew.)
    const chats = h.openai.requests.filter((r) => r.path === '/v1/chat/completions');
    // (Prepared early or started as a turn; under load one may even finish, unheard, before the user goes on.)
    expect(chats.length).toBeGreaterThanOrEqual(2);
    const asked = (c: (typeof chats)[number]) => (c.body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').at(-1)?.content;
    expect(chats.slice(0, -1).map(asked)).toEqual(chats.slice(0, -1).map(() => 'he was not an ill disposed young man'));
    expect(asked(chats.at(-1)!)).toBe('he was not an ill disposed young man unless to be rather cold hearted');
    expect(chats.at(-1)!.abortedByClient).toBe(false);
    expect(h.session.preemptive.prepared).toBeGreaterThanOrEqual(1);
  }, 20_000);

  it('runs a tool round trip: the model calls the calculator and speaks the result', async () => {
    const h = await harness.start({
      deepgram: { utterances: ['what is twelve times seven'] },
      openai: {
        llm: (req) =>
          req.messages.some((m) => m.role === 'tool') ? { text: 'Twelve times seven is 84.' } : { toolCalls: [{ name: 'calculate', arguments: { expression: '12*7' } }] },
      },
      session: { tools: new ToolRegistry().register(calculatorTool) },
    });
    const { audio } = await paddedSpeech('librivox-ss01-0890.wav', 0.3, 1.2);
    await feed((s) => h.session.pushAudio(s), audio);
    await h.session.finishInput();

    expect(h.events.find((e) => e.type === 'tool-call')).toMatchObject({ call: { name: 'calculate', arguments: { expression: '12*7' } } });
    expect(h.events.find((e) => e.type === 'tool-result')).toMatchObject({ name: 'calculate', ok: true, content: '{"expression":"12*7","value":84}' });
    expect(h.events.find((e) => e.type === 'assistant-done')).toMatchObject({ text: 'Twelve times seven is 84.' });
    // The second LLM request carried the tool call and its result, in OpenAI's shape.
    const second = h.openai.requests.filter((r) => r.path === '/v1/chat/completions')[1]!;
    const msgs = second.body.messages as { role: string; tool_calls?: unknown[]; tool_call_id?: string; content?: string }[];
    expect(msgs.find((m) => m.role === 'assistant')?.tool_calls).toHaveLength(1);
    expect(msgs.find((m) => m.role === 'tool')).toMatchObject({ tool_call_id: 'call_0', content: '{"expression":"12*7","value":84}' });
    expect((second.body.tools as unknown[]).length).toBe(1);
    expect(h.session.history.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
  });
});
