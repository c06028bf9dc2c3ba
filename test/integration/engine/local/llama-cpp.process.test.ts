import { copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, writeFileSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { LocalProcessHost } from '../../../../electron/engine/local/host.js';
import { forkSpawner, type Spawner } from '../../../../electron/engine/local/spawner.js';
import { LlamaCppLlm, LlamaCppSettingsSchema } from '../../../../electron/engine/providers/llm/llama-cpp.js';
import type { LlmEvent, LlmRequest } from '../../../../electron/engine/providers/types.js';
import { TimerService, builtinTools } from '../../../../electron/engine/tools/builtins.js';
import { ROOT, SHARED_MODELS } from '../../../paths.js';

// The real tiny GGUF (random weights: gibberish, but real loading, tokenising and sampling) run by
// node-llama-cpp's prebuilt CPU binary in a real child process (the compiled worker, as shipped).
const TINY = path.join(SHARED_MODELS, 'llama-2-tiny-random', 'llama-2-tiny-random.gguf');
const OUT = path.join(ROOT, 'out', 'node', 'electron', 'engine');
const WORKER = path.join(OUT, 'providers', 'llm', 'llama-cpp-worker.js');
const ENTRY = path.join(OUT, 'local', 'child-entry.js');

/** forkSpawner, recording what each child sends (to see what happened inside it). */
function recordingSpawner() {
  const sent: unknown[][] = [];
  const spawn: Spawner = (o) => {
    const child = forkSpawner(o);
    const log: unknown[] = [];
    sent.push(log);
    child.onMessage((m) => log.push(m));
    return child;
  };
  return { spawn, sent };
}

const hosts: LocalProcessHost[] = [];
function newHost(spawn: Spawner = forkSpawner, maxRestarts?: number): LocalProcessHost {
  const host = new LocalProcessHost({ module: WORKER, entry: ENTRY, name: 'local LLM (llama.cpp)', spawn, ...(maxRestarts !== undefined ? { maxRestarts } : {}) });
  hosts.push(host);
  return host;
}
afterAll(() => hosts.forEach((h) => h.close()));

/** A models folder where `id` is installed with `file` as its GGUF. */
function installed(id: string, file: string | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-llama-it-'));
  mkdirSync(path.join(dir, id));
  if (file) copyFileSync(file, path.join(dir, id, 'model.gguf'));
  const manifest = { id, task: 'llm', name: id, sha256: null, sizeBytes: null, license: 'MIT', source: TINY, files: ['model.gguf'], installedAt: new Date(0).toISOString() };
  writeFileSync(path.join(dir, id, 'parley-model.json'), JSON.stringify(manifest));
  return dir;
}

/** The first `bytes` of the tiny GGUF: a download cut short. */
function truncatedCopy(bytes: number): string {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'parley-trunc-')), 'cut.gguf');
  const buf = Buffer.alloc(bytes);
  const fd = openSync(TINY, 'r');
  readSync(fd, buf, 0, bytes, 0);
  closeSync(fd);
  writeFileSync(out, buf);
  return out;
}

const settings = (extra: Record<string, unknown> = {}) => LlamaCppSettingsSchema.parse({ modelPath: TINY, threads: 1, temperature: 0, maxTokens: 24, contextSize: 512, gpu: 'off', ...extra });
const ask: LlmRequest = { messages: [{ role: 'system', content: 'You are Parley. Answer briefly.' }, { role: 'user', content: 'What time is it?' }] };

async function collect(it: AsyncIterable<LlmEvent>): Promise<LlmEvent[]> {
  const out: LlmEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const textOf = (events: LlmEvent[]) => events.map((e) => (e.type === 'text' ? e.text : '')).join('');

describe('llama-cpp in a local process, with the real tiny GGUF', () => {
  const shared = newHost();

  it('loads in a child process and streams tokens; deterministic at temperature 0; the device used is reported', async () => {
    const logs: string[] = [];
    const llm = new LlamaCppLlm(settings({ gpu: 'auto' }), { host: shared, log: (m) => logs.push(m) });
    const first = await collect(llm.stream(ask));
    expect(shared.pid).toBeGreaterThan(0);
    expect(shared.pid).not.toBe(process.pid);
    const texts = first.filter((e) => e.type === 'text');
    expect(texts.length).toBeGreaterThan(3);
    expect(first.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
    expect(first.at(-2)).toEqual({ type: 'text-end' });
    // No GPU on this machine: auto falls back to the CPU, and says so.
    expect(llm.device).toMatchObject({ requested: 'auto', backend: 'cpu', threads: 1, fallback: expect.stringMatching(/running on the CPU/) });
    expect(logs[0]).toMatch(/^llama\.cpp runs on cpu with 1 thread\(s\); /);
    const again = await collect(new LlamaCppLlm(settings({ gpu: 'auto' }), { host: shared }).stream(ask));
    expect(textOf(again)).toBe(textOf(first));
  });

  it("with Parley's tools offered, the model's chat wrapper takes them and the reply still streams", async () => {
    const tools = builtinTools(new TimerService(() => undefined)).specs();
    const events = await collect(new LlamaCppLlm(settings(), { host: shared }).stream({ ...ask, tools }));
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    expect(events.some((e) => e.type === 'text' || e.type === 'tool-call')).toBe(true);
  });

  it('an explicit GPU that is not here (vulkan) falls back to the CPU visibly', async () => {
    const llm = new LlamaCppLlm(settings({ gpu: 'vulkan', maxTokens: 2 }), { host: newHost() });
    await collect(llm.stream(ask));
    expect(llm.device).toMatchObject({ requested: 'vulkan', backend: 'cpu', fallback: expect.stringMatching(/^vulkan is not available here.*running on the CPU$/) });
  });

  it('abort (barge-in) stops generation in the child at once; the same process serves the next request', async () => {
    const { spawn, sent } = recordingSpawner();
    const host = newHost(spawn);
    const llm = new LlamaCppLlm(settings({ maxTokens: 400 }), { host });
    const ac = new AbortController();
    let received = 0;
    const run = (async () => {
      for await (const e of llm.stream({ ...ask, signal: ac.signal })) {
        if (e.type !== 'text') continue;
        if (++received === 2) ac.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(received).toBe(2);
    const messages = () => sent[0]! as { type: string; id?: number; error?: unknown; data?: { type: string } }[];
    // The child ends the request as cancelled (error: null) long before its 400 tokens.
    await expect.poll(() => messages().some((m) => m.type === 'error' && m.id === 1 && m.error === null), { timeout: 10_000 }).toBe(true);
    const tokensSent = messages().filter((m) => m.type === 'event' && m.id === 1 && m.data?.type === 'text').length;
    expect(tokensSent).toBeLessThan(50);
    const pid = host.pid;
    const next = await collect(new LlamaCppLlm(settings({ maxTokens: 4 }), { host }).stream(ask));
    expect(next.at(-1)).toEqual({ type: 'done', finishReason: 'length' });
    expect(host.pid).toBe(pid);
  });

  it('a crash of the child mid-reply is a typed error (local/crashed); the next request starts a new process and works', async () => {
    const host = newHost();
    const llm = new LlamaCppLlm(settings({ maxTokens: 400 }), { host });
    let killed: number | undefined;
    const run = (async () => {
      for await (const e of llm.stream(ask)) {
        if (e.type === 'text' && killed === undefined) {
          killed = host.pid!;
          process.kill(killed, 'SIGKILL');
        }
      }
    })();
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error).toMatchObject({ code: 'local/crashed', provider: 'llama-cpp', message: expect.stringMatching(/the local LLM \(llama\.cpp\) process was killed \(SIGKILL\); it starts again on the next request/) });
    const next = await collect(new LlamaCppLlm(settings({ maxTokens: 4 }), { host }).stream(ask));
    expect(next.filter((e) => e.type === 'text').length).toBeGreaterThan(0);
    expect(host.pid).not.toBe(killed);
    expect(host.crashCount).toBe(1);
  });

  it('a corrupt (truncated) GGUF of an installed model: model/corrupt naming the model and `parley models pull <id>`; the process survives', async () => {
    const size = statSync(TINY).size;
    const models = installed('qwen3-0.6b-q8_0', truncatedCopy(Math.floor(size / 2)));
    const host = newHost();
    const llm = new LlamaCppLlm(LlamaCppSettingsSchema.parse({ model: 'qwen3-0.6b-q8_0', threads: 1, temperature: 0, gpu: 'off' }), { host, modelsDir: models });
    await expect(collect(llm.stream(ask))).rejects.toMatchObject({
      code: 'model/corrupt',
      provider: 'llama-cpp',
      message: expect.stringMatching(/^the language model 'qwen3-0\.6b-q8_0' cannot be loaded \(.*(corrupt|incomplete|bounds|failed).*\): run parley models pull qwen3-0\.6b-q8_0 to get it again$/),
    });
    expect(host.crashCount).toBe(0);
    // A GGUF given by path that is not a model at all.
    const notGguf = path.join(mkdtempSync(path.join(tmpdir(), 'parley-notgguf-')), 'x.gguf');
    writeFileSync(notGguf, 'this is not a model');
    await expect(collect(new LlamaCppLlm(settings({ modelPath: notGguf }), { host }).stream(ask))).rejects.toMatchObject({ code: 'model/corrupt', message: expect.stringMatching(/^the GGUF file .*x\.gguf cannot be loaded/) });
  });

  it("an installed model whose file is gone: model/not-installed naming `parley models pull <id>`", async () => {
    const models = installed('qwen3-0.6b-q8_0', undefined);
    const llm = new LlamaCppLlm(LlamaCppSettingsSchema.parse({ model: 'qwen3-0.6b-q8_0', threads: 1, gpu: 'off' }), { host: shared, modelsDir: models });
    await expect(collect(llm.stream(ask))).rejects.toMatchObject({ code: 'model/not-installed', message: "the language model 'qwen3-0.6b-q8_0' is missing its file model.gguf: run parley models pull qwen3-0.6b-q8_0" });
  });

  it('preload evaluates the history in the child; the reply after it is the same as without', async () => {
    const host = newHost();
    const llm = new LlamaCppLlm(settings({ maxTokens: 8 }), { host });
    await llm.preload(ask);
    const afterPreload = textOf(await collect(llm.stream(ask)));
    const cold = textOf(await collect(new LlamaCppLlm(settings({ maxTokens: 8 }), { host: newHost() }).stream(ask)));
    expect(afterPreload).toBe(cold);
    expect(afterPreload.length).toBeGreaterThan(0);
  });
});
