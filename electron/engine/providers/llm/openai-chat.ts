import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { RetryPolicy } from '../retry.js';
import { openAiClient } from '../sdk-client.js';
import { sdkStream } from '../sdk-stream.js';
import type { ChatMessage, LlmEvent, LlmProvider, LlmRequest } from '../types.js';
import type { ToolCall, ToolSpec } from '../../tools/types.js';

export const OpenAiChatSettingsSchema = z.object({
  /** Any OpenAI-compatible server: OpenAI, Groq, OpenRouter, Together, Ollama, LM Studio, llama.cpp, vLLM. */
  baseUrl: z.string().url().default('https://api.openai.com/v1'),
  model: z.string().min(1).default('gpt-4o-mini'),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().optional(),
  /** Fail when the stream sends nothing for this long (ms). */
  stallTimeoutMs: z.number().int().positive().default(15_000),
});
export type OpenAiChatSettings = z.infer<typeof OpenAiChatSettingsSchema>;

/** OpenAI Chat Completions streaming through the official SDK (base URL configurable). */
export class OpenAiChatLlm implements LlmProvider {
  readonly id = 'openai';
  private readonly client: () => Promise<OpenAI>;

  constructor(
    private readonly settings: OpenAiChatSettings,
    apiKey: string | undefined,
    private readonly retry?: Partial<RetryPolicy>,
    /** What the stall timeout and the retry backoffs wait on (the system clock by default). */
    private readonly clock?: Clock,
  ) {
    this.client = openAiClient(settings, apiKey);
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const chunks = sdkStream<ChatCompletionChunk>(
      async (signal) =>
        (await this.client()).chat.completions.create(
          {
            model: this.settings.model,
            messages: request.messages.map(toOpenAiMessage),
            stream: true,
            ...(request.tools?.length ? { tools: request.tools.map(toOpenAiTool) } : {}),
            ...(this.settings.temperature !== undefined ? { temperature: this.settings.temperature } : {}),
            ...maxTokensParam(this.settings.model, this.settings.maxTokens),
          },
          { signal },
        ),
      { provider: this.id, displayName: 'OpenAI-compatible LLM', baseUrl: this.settings.baseUrl, signal: request.signal, retry: this.retry, stallTimeoutMs: this.settings.stallTimeoutMs, clock: this.clock },
    );
    const calls = new ToolCallAccumulator();
    let finish: LlmEvent & { type: 'done' } = { type: 'done', finishReason: 'stop' };
    let textOpen = false;
    for await (const chunk of chunks) {
      const choice = chunk.choices?.[0];
      if (!choice) continue; // the usage-only chunk
      const text = choice.delta?.content;
      if (text) {
        textOpen = true;
        yield { type: 'text', text };
      }
      // Tool calls or the finish come after all the text: its last sentence can be spoken now.
      if (textOpen && (choice.delta?.tool_calls?.length || choice.finish_reason)) {
        textOpen = false;
        yield { type: 'text-end' };
      }
      for (const tc of choice.delta?.tool_calls ?? []) calls.add(tc);
      if (choice.finish_reason) finish = { type: 'done', finishReason: mapFinish(choice.finish_reason) };
    }
    for (const call of calls.finish()) yield { type: 'tool-call', call };
    yield finish;
  }
}

/**
 * Tool-call fragments arrive by index; ids and names come first, argument text in pieces. Some
 * servers omit the index or reuse index 0 for parallel calls: a new id means a new call.
 */
export class ToolCallAccumulator {
  private slots: { id: string; name: string; args: string }[] = [];
  private byIndex = new Map<number, number>();

  add(fragment: { index?: number; id?: string; function?: { name?: string; arguments?: string } }): void {
    const index = fragment.index ?? -1;
    let slot = index >= 0 ? this.byIndex.get(index) : undefined;
    const existing = slot !== undefined ? this.slots[slot] : undefined;
    if (slot === undefined || (fragment.id && existing && existing.id && fragment.id !== existing.id)) {
      slot = this.slots.push({ id: fragment.id ?? `call_${this.slots.length}`, name: '', args: '' }) - 1;
      if (index >= 0) this.byIndex.set(index, slot);
    }
    const s = this.slots[slot]!;
    if (fragment.function?.name) s.name += fragment.function.name;
    if (fragment.function?.arguments) s.args += fragment.function.arguments;
  }

  finish(): ToolCall[] {
    return this.slots.map((s) => ({ id: s.id, name: s.name, arguments: parseArguments(s.args) }));
  }
}

export function parseArguments(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text; // the tool registry reports invalid arguments to the model
  }
}

/**
 * OpenAI's reasoning models (o-series, gpt-5 family) refuse `max_tokens` and take
 * `max_completion_tokens`; OpenAI-compatible local servers know only `max_tokens`.
 */
export function maxTokensParam(model: string, maxTokens: number | undefined): { max_tokens?: number; max_completion_tokens?: number } {
  if (maxTokens === undefined) return {};
  const name = model.replace(/^.*\//, ''); // "openai/gpt-5" on routers
  return /^(o\d|gpt-5)/.test(name) ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens };
}

function mapFinish(reason: string): 'stop' | 'length' | 'tool-calls' | 'other' {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool-calls';
  return 'other';
}

function toOpenAiTool(t: ToolSpec): ChatCompletionTool {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } };
}

function toOpenAiMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content || null,
        ...(m.toolCalls?.length
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
  }
}
