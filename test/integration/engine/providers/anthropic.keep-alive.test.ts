import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicLlm, AnthropicSettingsSchema } from '../../../../electron/engine/providers/llm/anthropic.js';
import type { LlmEvent } from '../../../../electron/engine/providers/types.js';
import { startFakeAnthropic } from '../../../fakes/anthropic.js';
import type { LlmScript } from '../../../fakes/openai.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function collect(script: LlmScript, stallTimeoutMs: number, pingEveryMs?: number): Promise<LlmEvent[]> {
  const fake = await startFakeAnthropic({ llm: script, pingEveryMs });
  closers.push(fake.close);
  const llm = new AnthropicLlm(AnthropicSettingsSchema.parse({ baseUrl: fake.url, stallTimeoutMs }), fake.key, { baseDelayMs: 5, maxDelayMs: 20 });
  const out: LlmEvent[] = [];
  for await (const e of llm.stream({ messages: [{ role: 'user', content: 'Look it up.' }] })) out.push(e);
  return out;
}

describe('Anthropic LLM: keep-alive pings', () => {
  it('a pause longer than the stall timeout, with pings all along (a slow server tool), is not a stall', async () => {
    const events = await collect(() => ({ text: 'Let me look.', pauseAfterTextMs: 1500, toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] }), 500, 50);
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('')).toBe('Let me look.');
    expect(events.filter((e) => e.type === 'tool-call')).toHaveLength(1);
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'tool-calls' });
  });

  it('the same pause without pings is a stall', async () => {
    await expect(collect(() => ({ text: 'Let me look.', pauseAfterTextMs: 1500 }), 500, 60_000)).rejects.toMatchObject({ code: 'provider/timeout' });
  });

  it('says when a text block has ended, before the pause that follows it', async () => {
    const events = await collect(() => ({ text: 'Let me look.', pauseAfterTextMs: 200, toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }] }), 5000, 50);
    expect(events.map((e) => e.type)).toEqual(['text', 'text', 'text', 'text-end', 'tool-call', 'done']);
  });
});
