import type Anthropic from '@anthropic-ai/sdk';
import type { APIError } from '@anthropic-ai/sdk';
import type { Stream } from '@anthropic-ai/sdk/streaming';
import type { ContentBlockParam, MessageCreateParamsStreaming, MessageParam, RawMessageStreamEvent, Tool } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { ParleyError } from '../../errors.js';
import type { RetryPolicy } from '../retry.js';
import { onFirstUse } from '../sdk-client.js';
import { sdkStream } from '../sdk-stream.js';
import type { ChatMessage, LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import type { ToolSpec } from '../../tools/types.js';
import { parseArguments } from './openai-chat.js';

export const AnthropicSettingsSchema = z.object({
  baseUrl: z.string().url().default('https://api.anthropic.com'),
  model: z.string().min(1).default('claude-haiku-4-5'),
  maxTokens: z.number().int().positive().default(1024),
  temperature: z.number().min(0).max(1).optional(),
  stallTimeoutMs: z.number().int().positive().default(15_000),
});
export type AnthropicSettings = z.infer<typeof AnthropicSettingsSchema>;

const NAME = 'Anthropic';

/** The SDK's parts this provider uses, loaded when it first talks. */
interface AnthropicSdk {
  client: Anthropic;
  APIError: typeof APIError;
  Stream: typeof Stream;
}

/** Anthropic Messages streaming through the official SDK. */
export class AnthropicLlm implements LlmProvider {
  readonly id = 'anthropic';
  private readonly sdk: () => Promise<AnthropicSdk>;

  constructor(
    private readonly settings: AnthropicSettings,
    apiKey: string | undefined,
    private readonly retry?: Partial<RetryPolicy>,
    /** What the stall timeout and the retry backoffs wait on (the system clock by default). */
    private readonly clock?: Clock,
  ) {
    this.sdk = onFirstUse(async () => {
      const [{ default: AnthropicClient, APIError }, { Stream }] = await Promise.all([import('@anthropic-ai/sdk'), import('@anthropic-ai/sdk/streaming')]);
      const client = new AnthropicClient({ apiKey: apiKey ?? '', baseURL: settings.baseUrl, maxRetries: 0, timeout: settings.stallTimeoutMs });
      return { client, APIError, Stream };
    });
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
    const params: MessageCreateParamsStreaming = {
      model: this.settings.model,
      max_tokens: this.settings.maxTokens,
      messages: toAnthropicMessages(request.messages),
      stream: true,
      ...(system ? { system } : {}),
      ...(request.tools?.length ? { tools: request.tools.map(toAnthropicTool) } : {}),
      ...(this.settings.temperature !== undefined ? { temperature: this.settings.temperature } : {}),
    };
    const events = sdkStream<WireEvent>(
      // The raw response, read as SSE here: the SDK's own stream drops `ping`, and pings are what
      // keeps a paused reply (a slow server tool, a long thought) from looking stalled.
      async (signal) => {
        const sdk = await this.sdk();
        return wireEvents(sdk, await sdk.client.messages.create(params, { signal }).asResponse());
      },
      { provider: this.id, displayName: NAME, baseUrl: this.settings.baseUrl, signal: request.signal, retry: this.retry, stallTimeoutMs: this.settings.stallTimeoutMs, clock: this.clock },
    );
    const blocks = new Map<number, { id: string; name: string; json: string }>();
    const textBlocks = new Set<number>();
    let finish: LlmEvent & { type: 'done' } = { type: 'done', finishReason: 'stop' };
    let stopped = false;
    for await (const event of events) {
      switch (event.type) {
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' });
          if (event.content_block.type === 'text') textBlocks.add(event.index);
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') {
            if (event.delta.text) yield { type: 'text', text: event.delta.text };
          } else if (event.delta.type === 'input_json_delta') {
            const b = blocks.get(event.index);
            if (b) b.json += event.delta.partial_json;
          }
          break;
        case 'content_block_stop': {
          const b = blocks.get(event.index);
          if (b) yield { type: 'tool-call', call: { id: b.id, name: b.name, arguments: parseArguments(b.json) } };
          // The text is complete: its last sentence can be spoken now, not after what comes next.
          if (textBlocks.has(event.index)) yield { type: 'text-end' };
          break;
        }
        case 'message_delta':
          finish = { type: 'done', finishReason: mapStop(event.delta.stop_reason) };
          break;
        case 'message_stop':
          stopped = true;
          break;
        default:
          break; // ping and future event kinds
      }
    }
    if (!stopped) throw new ParleyError('provider/disconnected', `${NAME} closed the stream before message_stop`, { provider: this.id });
    yield finish;
  }
}

/** A keep-alive: carries nothing, but proves the stream is alive. */
type WireEvent = RawMessageStreamEvent | { type: 'ping' };

/**
 * The response's SSE events as the SDK would parse them (an `error` event throws the SDK's APIError,
 * so it maps to the same typed error), but with the pings kept.
 */
async function* wireEvents({ Stream, APIError }: AnthropicSdk, response: Response): AsyncGenerator<WireEvent> {
  for await (const sse of Stream.rawEvents(response)) {
    if (sse.event === 'ping') {
      yield { type: 'ping' };
      continue;
    }
    if (sse.event === null || !sse.data) continue;
    if (sse.event === 'error') {
      const body: unknown = safeJson(sse.data) ?? sse.data;
      throw new APIError(undefined, body as object, undefined, response.headers);
    }
    yield JSON.parse(sse.data) as WireEvent;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mapStop(reason: string | null): 'stop' | 'length' | 'tool-calls' | 'other' {
  if (reason === 'end_turn' || reason === 'stop_sequence') return 'stop';
  if (reason === 'max_tokens') return 'length';
  if (reason === 'tool_use') return 'tool-calls';
  return 'other';
}

function toAnthropicTool(t: ToolSpec): Tool {
  return { name: t.name, description: t.description, input_schema: { type: 'object', ...t.parameters } as Tool['input_schema'] };
}

/** System messages go to the top-level field; consecutive tool results become one user message. */
export function toAnthropicMessages(messages: ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') {
      const content: ContentBlockParam[] = [];
      if (m.content) content.push({ type: 'text', text: m.content });
      // The API takes only an object here: malformed arguments (kept as text, and already answered
      // with an "invalid arguments" result) would poison every later request.
      for (const c of m.toolCalls ?? []) content.push({ type: 'tool_use', id: c.id, name: c.name, input: isPlainObject(c.arguments) ? c.arguments : {} });
      out.push({ role: 'assistant', content: content.length ? content : '' });
    } else {
      const result = { type: 'tool_result' as const, tool_use_id: m.toolCallId, content: m.content };
      const last = out[out.length - 1];
      if (last && last.role === 'user' && Array.isArray(last.content) && last.content.every((b) => b.type === 'tool_result')) last.content.push(result);
      else out.push({ role: 'user', content: [result] });
    }
  }
  return out;
}
