import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { errorFromStatus, retryAfterMs } from '../../../../electron/engine/providers/http-errors.js';
import { toAnthropicMessages } from '../../../../electron/engine/providers/llm/anthropic.js';
import { ToolCallAccumulator } from '../../../../electron/engine/providers/llm/openai-chat.js';
import { backoffDelay, DEFAULT_RETRY, withRetry } from '../../../../electron/engine/providers/retry.js';
import { Pcm16Decoder } from '../../../../electron/engine/providers/tts/pcm-chunks.js';
import { AsyncQueue } from '../../../../electron/engine/util/async-queue.js';

describe('retry policy', () => {
  it('backs off exponentially with jitter between half and all of the step, capped', () => {
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0)).toBe(125);
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0.999)).toBeCloseTo(250, 0);
    expect(backoffDelay(3, DEFAULT_RETRY, () => 1)).toBe(1000);
    expect(backoffDelay(10, DEFAULT_RETRY, () => 1)).toBe(4000);
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0, 1500)).toBe(1500); // the server's Retry-After wins
    expect(backoffDelay(1, DEFAULT_RETRY, () => 0, 60_000)).toBe(4000);
  });

  it('retries only retryable errors, and only so often', async () => {
    const sleeps: number[] = [];
    const sleep = async (ms: number) => void sleeps.push(ms);
    let n = 0;
    await expect(withRetry(async () => (++n < 3 ? Promise.reject(new ParleyError('provider/rate-limited', '429')) : 'ok'), { sleep, random: () => 0 })).resolves.toBe('ok');
    expect(sleeps).toEqual([125, 250]);
    n = 0;
    await expect(withRetry(async () => (++n, Promise.reject(new ParleyError('provider/invalid-key', 'bad'))), { sleep })).rejects.toMatchObject({ code: 'provider/invalid-key' });
    expect(n).toBe(1);
    n = 0;
    await expect(withRetry(async () => (++n, Promise.reject(new ParleyError('provider/server-error', '500'))), { sleep, policy: { maxAttempts: 4 } })).rejects.toMatchObject({ code: 'provider/server-error' });
    expect(n).toBe(4);
  });

  it('reads Retry-After in all its forms', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(retryAfterMs(h({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 4000)).toBe(6000);
    expect(retryAfterMs(h({}))).toBeUndefined();
  });

  it('maps statuses to typed errors', () => {
    expect(errorFromStatus('x', 'X', 401).message).toBe('invalid API key for X');
    expect(errorFromStatus('x', 'X', 403).code).toBe('provider/invalid-key');
    expect(errorFromStatus('x', 'X', 429).code).toBe('provider/rate-limited');
    expect(errorFromStatus('x', 'X', 529).code).toBe('provider/server-error');
    expect(errorFromStatus('x', 'X', 400, 'bad model').message).toBe('X rejected the request (400): bad model');
  });
});

describe('ToolCallAccumulator (OpenAI-compatible quirks)', () => {
  it('joins argument fragments by index', () => {
    const a = new ToolCallAccumulator();
    a.add({ index: 0, id: 'call_a', function: { name: 'calc', arguments: '' } });
    a.add({ index: 1, id: 'call_b', function: { name: 'time', arguments: '{}' } });
    a.add({ index: 0, function: { arguments: '{"expression":' } });
    a.add({ index: 0, function: { arguments: '"1+1"}' } });
    expect(a.finish()).toEqual([
      { id: 'call_a', name: 'calc', arguments: { expression: '1+1' } },
      { id: 'call_b', name: 'time', arguments: {} },
    ]);
  });

  it('treats a new id at a reused index (Ollama) and a missing index as new calls', () => {
    const a = new ToolCallAccumulator();
    a.add({ index: 0, id: 'one', function: { name: 'f', arguments: '{"x":1}' } });
    a.add({ index: 0, id: 'two', function: { name: 'g', arguments: '{"y":2}' } });
    a.add({ id: 'three', function: { name: 'h', arguments: '{}' } });
    expect(a.finish().map((c) => [c.id, c.name, c.arguments])).toEqual([
      ['one', 'f', { x: 1 }],
      ['two', 'g', { y: 2 }],
      ['three', 'h', {}],
    ]);
  });

  it('keeps invalid JSON as text for the registry to reject', () => {
    const a = new ToolCallAccumulator();
    a.add({ index: 0, id: 'c', function: { name: 'f', arguments: '{"x":' } });
    expect(a.finish()[0]!.arguments).toBe('{"x":');
  });
});

describe('toAnthropicMessages', () => {
  it('moves tool calls into tool_use blocks and merges consecutive results into one user turn', () => {
    const out = toAnthropicMessages([
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'a', arguments: {} }, { id: 't2', name: 'b', arguments: { z: 1 } }] },
      { role: 'tool', toolCallId: 't1', name: 'a', content: '1' },
      { role: 'tool', toolCallId: 't2', name: 'b', content: '2' },
      { role: 'assistant', content: 'done' },
    ]);
    expect(out).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'a', input: {} }, { type: 'tool_use', id: 't2', name: 'b', input: { z: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '1' }, { type: 'tool_result', tool_use_id: 't2', content: '2' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'done' }] },
    ]);
  });
});

describe('Pcm16Decoder', () => {
  it('carries a sample split across chunks', () => {
    const d = new Pcm16Decoder();
    const bytes = new Uint8Array(new Int16Array([1000, -2000, 3000]).buffer);
    const a = d.decode(bytes.subarray(0, 3));
    const b = d.decode(bytes.subarray(3));
    expect([...a, ...b]).toEqual([1000, -2000, 3000]);
  });
});

describe('AsyncQueue', () => {
  it('delivers pushed items in order, then ends or fails', async () => {
    const q = new AsyncQueue<number>();
    q.push(1);
    setTimeout(() => {
      q.push(2);
      q.end();
    }, 5);
    const got: number[] = [];
    for await (const x of q) got.push(x);
    expect(got).toEqual([1, 2]);
    const f = new AsyncQueue<number>();
    f.push(1);
    f.fail(new Error('boom'));
    const it = f[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    await expect(it.next()).rejects.toThrow('boom');
  });
});
