import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../../../electron/engine/clock.js';
import { isAbort } from '../../../../electron/engine/errors.js';
import { AnthropicLlm, AnthropicSettingsSchema } from '../../../../electron/engine/providers/llm/anthropic.js';
import { OpenAiChatLlm, OpenAiChatSettingsSchema } from '../../../../electron/engine/providers/llm/openai-chat.js';
import type { LlmEvent, LlmProvider } from '../../../../electron/engine/providers/types.js';
import { startFakeAnthropic } from '../../../fakes/anthropic.js';
import type { Fault } from '../../../fakes/http.js';
import { startFakeOpenAi, type LlmScript } from '../../../fakes/openai.js';
import { outcomeOf, settleTurns, untilTrue } from '../../../helpers/event-loop.js';

const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

interface Harness {
  provider: (key?: string, stallMs?: number, clock?: Clock) => LlmProvider;
  requests: { abortedByClient?: boolean; body: Record<string, unknown> }[];
  url: string;
}

// The same scenarios against both LLM providers, each through its own fake wire protocol.
// `stallAfterTexts(n)`: the fault that stalls the stream once n text deltas are out (the wire events before the first text differ).
const vendors: Record<string, { start: (script: LlmScript, faults?: (Fault | undefined)[]) => Promise<Harness>; stallAfterTexts: (n: number) => Fault }> = {
  openai: {
    start: async (script, faults) => {
      const fake = await startFakeOpenAi({ llm: script, llmFaults: faults });
      closers.push(fake.close);
      return {
        url: fake.baseUrl,
        requests: fake.requests,
        provider: (key = fake.key, stallMs = 15_000, clock?: Clock) => new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: fake.baseUrl, stallTimeoutMs: stallMs }), key, FAST_RETRY, clock),
      };
    },
    stallAfterTexts: (n) => ({ kind: 'stall', after: n + 1 }), // after the role chunk
  },
  anthropic: {
    start: async (script, faults) => {
      const fake = await startFakeAnthropic({ llm: script, faults });
      closers.push(fake.close);
      return {
        url: fake.url,
        requests: fake.requests,
        provider: (key = fake.key, stallMs = 15_000, clock?: Clock) => new AnthropicLlm(AnthropicSettingsSchema.parse({ baseUrl: fake.url, stallTimeoutMs: stallMs }), key, FAST_RETRY, clock),
      };
    },
    stallAfterTexts: (n) => ({ kind: 'stall', after: n + 3 }), // after message_start, content_block_start and a ping
  },
};

async function collect(provider: LlmProvider, signal?: AbortSignal): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const e of provider.stream({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], signal })) out.push(e);
  return out;
}

const textOf = (events: LlmEvent[]) => events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe.each(Object.keys(vendors))('%s LLM provider', (vendor) => {
  const { start, stallAfterTexts } = vendors[vendor]!;

  it('streams text deltas and a stop', async () => {
    const h = await start(() => ({ text: 'Hello, how can I help you today?' }));
    const events = await collect(h.provider());
    expect(textOf(events)).toBe('Hello, how can I help you today?');
    expect(events.filter((e) => e.type === 'text').length).toBeGreaterThan(3);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
  });

  it('assembles fragmented tool calls with parsed arguments', async () => {
    const h = await start(() => ({ toolCalls: [{ name: 'calculate', arguments: { expression: '2+2' } }, { name: 'get_current_datetime', arguments: {} }] }));
    const events = await collect(h.provider());
    const calls = events.filter((e) => e.type === 'tool-call').map((e) => (e as { call: { name: string; arguments: unknown } }).call);
    expect(calls.map((c) => [c.name, c.arguments])).toEqual([
      ['calculate', { expression: '2+2' }],
      ['get_current_datetime', {}],
    ]);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool-calls' });
  });

  it('reports a bad key as "invalid API key" without retrying', async () => {
    const h = await start(() => ({ text: 'x' }));
    await expect(collect(h.provider('wrong-key'))).rejects.toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/^invalid API key for /) });
    expect(h.requests).toHaveLength(1);
  });

  it('retries 429 and 5xx with backoff, then succeeds', async () => {
    const h = await start(() => ({ text: 'Finally.' }), [{ kind: 'status', status: 429 }, { kind: 'status', status: 503 }]);
    expect(textOf(await collect(h.provider()))).toBe('Finally.');
    expect(h.requests).toHaveLength(3);
  });

  it('gives up after the bounded retries with a typed error', async () => {
    const h = await start(() => ({ text: 'never' }), [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }]);
    await expect(collect(h.provider())).rejects.toMatchObject({ code: 'provider/server-error' });
    expect(h.requests).toHaveLength(3);
  });

  it('turns a dropped stream into a typed error', async () => {
    const h = await start(() => ({ text: 'one two three four five' }), [{ kind: 'drop', after: 3 }]);
    await expect(collect(h.provider())).rejects.toMatchObject({ code: expect.stringMatching(/^provider\/(disconnected|protocol)$/) });
  });

  it('times out a stream that goes quiet, after exactly the stall timeout on its clock', async () => {
    const h = await start(() => ({ text: 'one two three four five' }), [stallAfterTexts(2)]);
    const clock = new ManualClock();
    const events: LlmEvent[] = [];
    const run = outcomeOf(
      (async () => {
        for await (const e of h.provider(undefined, 15_000, clock).stream({ messages: [{ role: 'user', content: 'Hi' }] })) events.push(e);
      })(),
    );
    await untilTrue(() => events.filter((e) => e.type === 'text').length === 2 && clock.pendingTimers === 1, 'two words, then the wait for more');
    clock.advance(14_999);
    await settleTurns();
    expect(run.state).toBe('pending');
    clock.advance(1);
    await untilTrue(() => run.state !== 'pending', 'the stream to fail');
    expect(run.error).toMatchObject({ code: 'provider/timeout', message: expect.stringMatching(/stopped sending data for 15 s/) });
    expect(clock.pendingTimers).toBe(0);
  });

  it('turns a malformed or error event into a typed error', async () => {
    const h = await start(() => ({ text: 'one two three four five' }), [{ kind: 'malformed', after: 2 }]);
    await expect(collect(h.provider())).rejects.toMatchObject({ code: expect.stringMatching(/^provider\/(protocol|server-error)$/) });
  });

  it('cancels the request when aborted and the server sees the client leave', async () => {
    const h = await start(() => ({ text: 'a b c d e f g h i j k l m n o p', tokenMs: 30 }));
    const controller = new AbortController();
    const events: LlmEvent[] = [];
    let caught: unknown;
    try {
      for await (const e of h.provider().stream({ messages: [{ role: 'user', content: 'Hi' }], signal: controller.signal })) {
        events.push(e);
        if (events.length === 3) controller.abort();
      }
    } catch (e) {
      caught = e;
    }
    expect(isAbort(caught)).toBe(true);
    await untilTrue(() => h.requests[0]!.abortedByClient === true, 'the server to see the client leave');
  });

  it('names the URL when the server is unreachable', async () => {
    const h = await start(() => ({ text: 'x' }));
    const dead = vendor === 'openai' ? new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: 'http://127.0.0.1:9/v1' }), 'k', FAST_RETRY) : new AnthropicLlm(AnthropicSettingsSchema.parse({ baseUrl: 'http://127.0.0.1:9' }), 'k', FAST_RETRY);
    expect(h.url).toMatch(/^http/);
    await expect(collect(dead)).rejects.toMatchObject({ code: 'provider/unreachable', message: expect.stringContaining('http://127.0.0.1:9') });
  });
});

describe('OpenAI LLM provider: reasoning models', () => {
  it.each(['gpt-5-mini', 'o4-mini'])('%s: the reply length limit goes as max_completion_tokens (max_tokens is refused)', async (model) => {
    const fake = await startFakeOpenAi({ llm: () => ({ text: 'Short and sweet.' }) });
    closers.push(fake.close);
    const llm = new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: fake.baseUrl, model, maxTokens: 200 }), fake.key, FAST_RETRY);
    expect(textOf(await collect(llm))).toBe('Short and sweet.');
    expect(fake.requests[0]!.body).toMatchObject({ max_completion_tokens: 200 });
    expect(fake.requests[0]!.body.max_tokens).toBeUndefined();
  });

  it('other models keep max_tokens (what OpenAI-compatible local servers understand)', async () => {
    const fake = await startFakeOpenAi({ llm: () => ({ text: 'Fine.' }) });
    closers.push(fake.close);
    const llm = new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: fake.baseUrl, model: 'llama3.2', maxTokens: 50 }), fake.key, FAST_RETRY);
    expect(textOf(await collect(llm))).toBe('Fine.');
    expect(fake.requests[0]!.body).toMatchObject({ max_tokens: 50 });
  });
});
