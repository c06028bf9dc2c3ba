import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostEvent } from '../../../../../electron/engine/local/host.js';
import { LlamaCppLlm, LlamaCppSettingsSchema, defaultLlamaThreads } from '../../../../../electron/engine/providers/llm/llama-cpp.js';
import type { LlamaGenerateParams } from '../../../../../electron/engine/providers/llm/llama-cpp-protocol.js';
import { ManualClock } from '../../../../../electron/engine/clock.js';
import { createProvider, resolveProvider } from '../../../../../electron/engine/providers/registry.js';
import type { LlmEvent } from '../../../../../electron/engine/providers/types.js';

/** A models folder with one installed LLM, as ModelStore writes it. */
function modelsWith(id: string, files = ['model.gguf'], task = 'llm'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-llama-models-'));
  mkdirSync(path.join(dir, id));
  const manifest = { id, task, name: id, sha256: null, sizeBytes: null, license: 'MIT', source: '/x', files, installedAt: new Date(0).toISOString() };
  writeFileSync(path.join(dir, id, 'parley-model.json'), JSON.stringify(manifest));
  return dir;
}

/** Stands in for the local process: records the request, answers with the given events. */
function fakeHost(events: HostEvent[]) {
  const calls: { method: string; params: LlamaGenerateParams; signal: AbortSignal | undefined }[] = [];
  return {
    calls,
    async *stream(method: string, params: unknown, signal?: AbortSignal): AsyncGenerator<HostEvent> {
      calls.push({ method, params: params as LlamaGenerateParams, signal });
      yield* events;
    },
  };
}

async function collect(it: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

const settings = (extra: Record<string, unknown> = {}) => LlamaCppSettingsSchema.parse({ model: 'qwen3-0.6b-q8_0', threads: 1, ...extra });

describe('llama-cpp provider', () => {
  it('streams text, then text-end and done; the request carries the installed model file, the mapped history and the tools', async () => {
    const models = modelsWith('qwen3-0.6b-q8_0', ['Qwen3-0.6B-Q8_0.gguf']);
    const device = { requested: 'auto', backend: 'cpu', deviceNames: [], threads: 1, fallback: 'no supported GPU found: running on the CPU' };
    const host = fakeHost([
      { type: 'progress', stage: 'loading model', fraction: 0.5 },
      { type: 'event', data: { type: 'device', device } },
      { type: 'event', data: { type: 'text', text: 'It is ' } },
      { type: 'event', data: { type: 'text', text: 'noon.' } },
      { type: 'result', value: { stopReason: 'stop', functionCalls: [] } },
    ]);
    const logs: string[] = [];
    const llm = new LlamaCppLlm(settings(), { host, modelsDir: models, log: (m) => logs.push(m) });
    const ac = new AbortController();
    const tools = [{ name: 'get_time', description: 'the time', parameters: { type: 'object', properties: {} } }];
    const events = await collect(llm.stream({ messages: [{ role: 'user', content: 'time?' }], tools, signal: ac.signal }));
    expect(events).toEqual([{ type: 'text', text: 'It is ' }, { type: 'text', text: 'noon.' }, { type: 'text-end' }, { type: 'done', finishReason: 'stop' }]);
    const call = host.calls[0]!;
    expect(call.method).toBe('generate');
    expect(call.signal).toBe(ac.signal);
    expect(call.params.model).toEqual({ path: path.join(models, 'qwen3-0.6b-q8_0', 'Qwen3-0.6B-Q8_0.gguf'), id: 'qwen3-0.6b-q8_0', pullable: true, gpu: 'auto', threads: 1, contextSize: 4096 });
    expect(call.params.history).toEqual([{ type: 'user', text: 'time?' }, { type: 'model', response: [] }]);
    expect(call.params.functions).toEqual({ get_time: { description: 'the time', params: { type: 'object', properties: {}, required: [] } } });
    // The device actually used is reported, with the reason a GPU is not.
    expect(llm.device).toEqual(device);
    expect(logs).toEqual(['llama.cpp runs on cpu with 1 thread(s); no supported GPU found: running on the CPU']);
  });

  it("the model's function calls become tool-call events and done(tool-calls)", async () => {
    const host = fakeHost([{ type: 'result', value: { stopReason: 'tool-calls', functionCalls: [{ functionName: 'calculate', params: { expression: '2+2' } }] } }]);
    const llm = new LlamaCppLlm(settings({ modelPath: '/models/any.gguf' }), { host });
    expect(await collect(llm.stream({ messages: [{ role: 'user', content: '2+2?' }] }))).toEqual([
      { type: 'tool-call', call: { id: 'llama_1_0', name: 'calculate', arguments: { expression: '2+2' } } },
      { type: 'done', finishReason: 'tool-calls' },
    ]);
    expect(host.calls[0]!.params.model).toMatchObject({ path: '/models/any.gguf', id: 'any.gguf', pullable: false });
  });

  it('a model that is not installed: model/not-installed naming `parley models pull <id>`, before any process starts', async () => {
    const host = fakeHost([]);
    const llm = new LlamaCppLlm(settings(), { host, modelsDir: mkdtempSync(path.join(tmpdir(), 'parley-none-')) });
    await expect(collect(llm.stream({ messages: [{ role: 'user', content: 'hi' }] }))).rejects.toMatchObject({
      code: 'model/not-installed',
      provider: 'llama-cpp',
      message: expect.stringMatching(/the language model 'qwen3-0\.6b-q8_0' .*is not installed: run parley models pull qwen3-0\.6b-q8_0/),
    });
    expect(host.calls).toHaveLength(0);
  });

  it('an installed model of another task, or one without a GGUF file, is refused by name', async () => {
    const host = fakeHost([]);
    await expect(collect(new LlamaCppLlm(settings({ model: 'kokoro' }), { host, modelsDir: modelsWith('kokoro', ['model.onnx'], 'tts') }).stream({ messages: [] }))).rejects.toMatchObject({ code: 'settings/invalid', message: expect.stringMatching(/'kokoro' is a tts model/) });
    await expect(collect(new LlamaCppLlm(settings({ model: 'odd' }), { host, modelsDir: modelsWith('odd', ['weights.bin']) }).stream({ messages: [] }))).rejects.toMatchObject({ code: 'model/corrupt', message: expect.stringMatching(/'odd' has no GGUF file: run parley models pull odd/) });
  });

  it('a malformed event from the process is a typed protocol error, not a crash', async () => {
    const host = fakeHost([{ type: 'event', data: { type: 'text', text: 42 } }]);
    const llm = new LlamaCppLlm(settings({ modelPath: '/m.gguf' }), { host });
    await expect(collect(llm.stream({ messages: [] }))).rejects.toMatchObject({ code: 'local/protocol' });
  });

  it('preload evaluates the conversation without generating', async () => {
    const host = fakeHost([{ type: 'result', value: { stopReason: 'stop', functionCalls: [] } }]);
    const llm = new LlamaCppLlm(settings({ modelPath: '/m.gguf' }), { host });
    await llm.preload({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'what is' }] });
    expect(host.calls[0]!.params).toMatchObject({ preloadOnly: true, history: [{ type: 'system', text: 'Be brief.' }, { type: 'user', text: 'what is' }, { type: 'model', response: [] }] });
  });

  it('threads: 1 on two cores or fewer (sync cost beats the work there), else half the cores', () => {
    expect([1, 2, 3, 4, 8, 16].map((c) => defaultLlamaThreads(c))).toEqual([1, 1, 1, 2, 4, 8]);
  });

  it('is registered as a local provider: keyless, allowed in offline mode', () => {
    const resolved = resolveProvider('llm', 'llama-cpp', {}, {});
    expect(resolved.descriptor).toMatchObject({ displayName: 'Local LLM (llama.cpp)', local: true, requiresKey: false });
    expect(resolved.settings).toMatchObject({ model: 'qwen3-0.6b-q8_0', gpu: 'auto', contextSize: 4096 });
    expect(() => createProvider(resolved, { clock: new ManualClock(), offlineOnly: true })).not.toThrow();
    expect(() => resolveProvider('llm', 'llama-cpp', { gpu: 'tpu' }, {})).toThrow(/Local LLM \(llama\.cpp\): the gpu must be one of/);
  });
});
