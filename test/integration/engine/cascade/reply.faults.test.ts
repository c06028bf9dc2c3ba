import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AudioSink } from '../../../../electron/engine/audio/playout.js';
import { systemClock } from '../../../../electron/engine/clock.js';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { AssistantReply, type ReplyDependencies } from '../../../../electron/engine/cascade/reply.js';
import { TurnLatency } from '../../../../electron/engine/metrics/latency.js';
import { AnthropicLlm, AnthropicSettingsSchema } from '../../../../electron/engine/providers/llm/anthropic.js';
import { OpenAiChatLlm, OpenAiChatSettingsSchema } from '../../../../electron/engine/providers/llm/openai-chat.js';
import { ElevenLabsSettingsSchema, ElevenLabsTts } from '../../../../electron/engine/providers/tts/elevenlabs.js';
import { OpenAiSpeechSettingsSchema, OpenAiSpeechTts } from '../../../../electron/engine/providers/tts/openai-speech.js';
import type { ChatMessage, LlmProvider } from '../../../../electron/engine/providers/types.js';
import { ToolRegistry } from '../../../../electron/engine/tools/registry.js';
import { startFakeAnthropic } from '../../../fakes/anthropic.js';
import { startFakeElevenLabs } from '../../../fakes/elevenlabs.js';
import type { Fault } from '../../../fakes/http.js';
import { startFakeOpenAi, type LlmScript } from '../../../fakes/openai.js';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A sound card that plays everything the moment it is written (what was written was heard). */
class InstantSink implements AudioSink {
  readonly sampleRate = 24000;
  private count = 0;
  write(samples: Float32Array, onStart?: () => void): void {
    this.count += samples.length;
    onStart?.();
  }
  flush(): void {
    this.count = 0;
  }
  pause(): void {}
  resume(): void {}
  played(): number {
    return this.count;
  }
  written(): number {
    return this.count;
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
}

/** The LLM under test through its own fake, and an OpenAI fake for speech. */
async function setup(vendor: 'openai' | 'anthropic', script: LlmScript, faults?: (Fault | undefined)[]) {
  const openai = await startFakeOpenAi({ llm: script, llmFaults: faults, tts: { msPerChar: 1 } });
  closers.push(openai.close);
  let llm: LlmProvider;
  let llmRequests = openai.requests.filter((r) => r.path === '/v1/chat/completions');
  if (vendor === 'openai') {
    llm = new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: openai.baseUrl }), openai.key, FAST_RETRY);
  } else {
    const anthropic = await startFakeAnthropic({ llm: script, faults });
    closers.push(anthropic.close);
    llm = new AnthropicLlm(AnthropicSettingsSchema.parse({ baseUrl: anthropic.url }), anthropic.key, FAST_RETRY);
    llmRequests = anthropic.requests;
  }
  const tts = new OpenAiSpeechTts(OpenAiSpeechSettingsSchema.parse({ baseUrl: openai.baseUrl }), openai.key, FAST_RETRY);
  return { llm, tts, openai, llmRequests: () => (vendor === 'openai' ? openai.requests.filter((r) => r.path === '/v1/chat/completions') : llmRequests) };
}

function reply(deps: Omit<ReplyDependencies, 'turnId' | 'sink' | 'now' | 'latency' | 'emit' | 'signal'> & { controller?: AbortController; onEvent?: (e: EngineEvent) => void }) {
  const events: EngineEvent[] = [];
  const controller = deps.controller ?? new AbortController();
  const sink = new InstantSink();
  const r = new AssistantReply({
    turnId: 1,
    sink,
    now: () => new Date(0),
    latency: new TurnLatency(systemClock),
    signal: controller.signal,
    emit: (e) => {
      events.push(e);
      deps.onEvent?.(e);
    },
    ...deps,
  });
  return { r, events, sink, controller };
}

const hasToolResult = (request: { messages: { role: string; content?: unknown }[] }) =>
  request.messages.some((m) => m.role === 'tool' || (Array.isArray(m.content) && m.content.some((b: { type?: string }) => b.type === 'tool_result')));

const history = (text: string): ChatMessage[] => [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: text },
];

describe.each(['openai', 'anthropic'] as const)('assistant reply on %s: history stays valid', (vendor) => {
  it('a tool call interrupted mid-run leaves a history the API still accepts', async () => {
    let toolStarted!: () => void;
    const started = new Promise<void>((r) => (toolStarted = r));
    const tools = new ToolRegistry().register({
      name: 'slow_lookup',
      description: 'A lookup that takes a while.',
      parameters: z.object({ query: z.string() }),
      run: (_args, { signal }) =>
        new Promise((_resolve, reject) => {
          toolStarted();
          signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        }),
    });
    const h = await setup(vendor, (req) => (hasToolResult(req) ? { text: 'Here is the answer.' } : { toolCalls: [{ name: 'slow_lookup', arguments: { query: 'x' } }] }));
    const turn1 = reply({ llm: h.llm, tts: h.tts, tools });
    const running = turn1.r.run(history('Look something up.'));
    await started;
    turn1.controller.abort(); // barge-in while the tool runs
    const result = await running;
    expect(result.interrupted).toBe(true);

    // The next turn sends that history back: the service must accept it.
    const next: ChatMessage[] = [...history('Look something up.'), ...result.messages, { role: 'user', content: 'Never mind. Say hi.' }];
    const turn2 = reply({ llm: h.llm, tts: h.tts, tools });
    const second = await turn2.r.run(next);
    expect(turn2.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(second.text).toBe('Here is the answer.');
  });
});

describe.each(['openai', 'anthropic'] as const)('assistant reply on %s: words before a tool call', (vendor) => {
  it('are in the transcript once and in the history once (with the call), not again in the final message', async () => {
    const tools = new ToolRegistry().register({ name: 'lookup', description: 'Looks up.', parameters: z.object({ query: z.string() }), run: () => 'sunny' });
    const h = await setup(vendor, (req) => (hasToolResult(req) ? { text: 'It is sunny.' } : { text: 'Let me check.', toolCalls: [{ name: 'lookup', arguments: { query: 'weather' } }] }));
    const turn = reply({ llm: h.llm, tts: h.tts, tools });
    const result = await turn.r.run(history('Weather?'));
    expect(result.text).toBe('Let me check. It is sunny.');
    expect(result.messages.map((m) => [m.role, m.content])).toEqual([
      ['assistant', 'Let me check.'],
      ['tool', 'sunny'],
      ['assistant', 'It is sunny.'],
    ]);
  });
});

describe.each(['openai', 'anthropic'] as const)('assistant reply on %s: a malformed tool call', (vendor) => {
  it('arguments that are not valid JSON are reported to the model, and the conversation goes on', async () => {
    const tools = new ToolRegistry().register({ name: 'lookup', description: 'Looks up.', parameters: z.object({ query: z.string() }), run: () => 'found' });
    const h = await setup(vendor, (req) => {
      const last = req.messages.at(-1)!;
      if (last.role === 'user' && typeof last.content === 'string') return { toolCalls: [{ name: 'lookup', argumentsJson: '{"query": "x", ' }] };
      return { text: 'I could not look that up.' };
    });
    const turn1 = reply({ llm: h.llm, tts: h.tts, tools });
    const first = await turn1.r.run(history('Look it up.'));
    expect(turn1.events.filter((e) => e.type === 'error').map((e) => (e as { stage: string }).stage)).toEqual(['tool']);
    expect(first.text).toBe('I could not look that up.');

    const turn2 = reply({ llm: h.llm, tts: h.tts, tools });
    const second = await turn2.r.run([...history('Look it up.'), ...first.messages, { role: 'user', content: 'And now?' }]);
    expect(turn2.events.filter((e) => e.type === 'error' && e.stage === 'llm')).toEqual([]);
    expect(h.llmRequests().length).toBe(4);
    expect(second.messages.length).toBeGreaterThan(0);
  });
});

describe.each(['openai', 'anthropic'] as const)('assistant reply on %s: deadlines', (vendor) => {
  const deadlines = { firstTokenMs: 400, replyMs: 1500 };

  it('a server that never answers (not even headers) ends the turn at the first-token deadline, without retries', async () => {
    const h = await setup(vendor, () => ({ text: 'never sent' }), [{ kind: 'hang' }]);
    const turn = reply({ llm: h.llm, tts: h.tts, llmDeadlines: deadlines });
    const result = await turn.r.run(history('Hello?'));
    expect(result.failed).toBe(true);
    const errors = turn.events.filter((e) => e.type === 'error') as Extract<EngineEvent, { type: 'error' }>[];
    expect(errors.map((e) => [e.stage, e.error.code])).toEqual([['llm', 'provider/timeout']]);
    expect(errors[0]!.error.message).toBe(`the language model (${vendor}) sent no reply within 0.4 s`);
    expect(h.llmRequests()).toHaveLength(1);
    await until(() => h.llmRequests()[0]!.abortedByClient === true);
  });

  it('a server that keeps sending nothing (empty deltas, pings) ends the turn at the first-token deadline', async () => {
    const h = await setup(vendor, () => ({ text: 'never sent' }), [{ kind: 'drip', after: 1, everyMs: 10 }]);
    const turn = reply({ llm: h.llm, tts: h.tts, llmDeadlines: deadlines });
    const result = await turn.r.run(history('Hello?'));
    expect(result.failed).toBe(true);
    expect(turn.events.filter((e) => e.type === 'error').map((e) => (e as { error: { message: string } }).error.message)).toEqual([`the language model (${vendor}) sent no reply within 0.4 s`]);
    await until(() => h.llmRequests()[0]!.abortedByClient === true);
  });

  it('a reply that starts and then drips nothing forever ends at the whole-reply deadline; the finished sentence is spoken', async () => {
    // OpenAI: role chunk + 4 words; Anthropic: message_start, block start, ping + 4 words.
    const h = await setup(vendor, () => ({ text: 'Here you are. And then some more words' }), [{ kind: 'drip', after: vendor === 'openai' ? 5 : 7, everyMs: 10 }]);
    const turn = reply({ llm: h.llm, tts: h.tts, llmDeadlines: deadlines });
    const result = await turn.r.run(history('Hello?'));
    expect(turn.events.filter((e) => e.type === 'error').map((e) => (e as { error: { message: string } }).error.message)).toEqual([`the language model (${vendor}) did not finish its reply within 1.5 s`]);
    expect(result.failed).toBe(true);
    expect(result.text).toBe('Here you are.');
  });
});

describe('assistant reply on openai: the stream fails during a tool call that follows the text', () => {
  it('the text before the call is complete: its last sentence was spoken when the call began', async () => {
    // Role chunk, 7 words, tool-call start: the stream drops before the call's arguments.
    const h = await setup('openai', () => ({ text: 'Sure. Let me check that for you.', toolCalls: [{ name: 'lookup', arguments: { query: 'x' } }] }), [{ kind: 'drop', after: 9 }]);
    const turn = reply({ llm: h.llm, tts: h.tts });
    const result = await turn.r.run(history('Hello?'));
    expect(turn.events.filter((e) => e.type === 'error').map((e) => (e as { stage: string }).stage)).toEqual(['llm']);
    expect(result).toMatchObject({ failed: true, text: 'Sure. Let me check that for you.' });
  });
});

describe('assistant reply on anthropic: a pause after the text', () => {
  it('the last sentence of a text block is spoken at once, not held for the next token (the pause outlives the reply)', async () => {
    // A slow server tool after "Let me check that." with pings all along, longer than the whole-reply deadline.
    const h = await setup('anthropic', () => ({ text: 'Sure. Let me check that for you.', pauseAfterTextMs: Infinity, toolCalls: [{ name: 'lookup', arguments: {} }] }));
    const turn = reply({ llm: h.llm, tts: h.tts, llmDeadlines: { firstTokenMs: 400, replyMs: 1500 } });
    const result = await turn.r.run(history('Hello?'));
    expect(turn.events.filter((e) => e.type === 'error').map((e) => (e as { error: { message: string } }).error.message)).toEqual(['the language model (anthropic) did not finish its reply within 1.5 s']);
    expect(turn.events.filter((e) => e.type === 'assistant-chunk').map((e) => (e as { text: string }).text)).toEqual(['Sure.', 'Let me check that for you.']);
    expect(result).toMatchObject({ failed: true, text: 'Sure. Let me check that for you.' });
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

const MID_REPLY_FAULTS = [
  ['openai', 'drop'],
  ['anthropic', 'drop'],
  ['anthropic', 'end'], // the stream ends without message_stop
  ['anthropic', 'malformed'], // an `error` event
] as const;

describe.each(MID_REPLY_FAULTS)('assistant reply on %s: the LLM fails mid-reply (%s)', (vendor, kind) => {
  it('the sentence already complete is spoken and recorded; the words after it are not', async () => {
    // OpenAI: role chunk + 4 words; Anthropic: message_start, block start, ping + 4 words.
    const h = await setup(vendor, () => ({ text: 'Sure thing, here it is. Anything else you need' }), [{ kind, after: vendor === 'openai' ? 7 : 9 }]);
    const turn = reply({ llm: h.llm, tts: h.tts });
    const result = await turn.r.run(history('Hello?'));
    expect(turn.events.filter((e) => e.type === 'error').map((e) => (e as { stage: string }).stage)).toEqual(['llm']);
    expect(turn.events.filter((e) => e.type === 'assistant-chunk').map((e) => (e as { text: string }).text)).toEqual(['Sure thing, here it is.']);
    expect(turn.sink.played()).toBeGreaterThan(0);
    expect(result).toMatchObject({ failed: true, text: 'Sure thing, here it is.' });
    expect(result.messages).toEqual([{ role: 'assistant', content: 'Sure thing, here it is.' }]);
  });
});

describe('assistant reply: TTS fallback', () => {
  it('ElevenLabs refuses (500 on every try): the fallback speaks the whole reply and the turn ends', async () => {
    const h = await setup('openai', () => ({ text: 'First sentence here. And a second one.' }));
    const elevenlabs = await startFakeElevenLabs({ faults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }] });
    closers.push(elevenlabs.close);
    const primary = new ElevenLabsTts(ElevenLabsSettingsSchema.parse({ baseUrl: elevenlabs.url }), elevenlabs.key, FAST_RETRY);
    const turn = reply({ llm: h.llm, tts: primary, fallbackTts: h.tts });
    const result = await turn.r.run(history('Hello?'));
    expect(elevenlabs.stats.connections).toBe(3);
    expect(turn.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(turn.events.find((e) => e.type === 'notice')).toMatchObject({ message: expect.stringMatching(/^elevenlabs failed .*; using openai$/) });
    expect(turn.events.filter((e) => e.type === 'assistant-chunk').map((e) => (e as { text: string }).text)).toEqual(['First sentence here.', 'And a second one.']);
    expect(result).toMatchObject({ failed: false, text: 'First sentence here. And a second one.' });
  }, 10_000);
});
