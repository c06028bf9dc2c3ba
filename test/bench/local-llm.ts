// The embedded LLM (llama.cpp through node-llama-cpp) in its local inference process: cold start,
// time to first token and tokens per second, and what the engine's event loop (the audio path)
// feels while it generates, next to the same generation run inside the engine's own process.
// Takes any GGUF (--gguf); by default the tiny random-weight test model, whose speed says nothing
// about a real model's (it has ~1 M parameters): the figures are labelled with the file measured.
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LocalProcessHost } from '../../electron/engine/local/host.js';
import { toChatHistory } from '../../electron/engine/providers/llm/llama-cpp-history.js';
import type { LlamaGenerateParams } from '../../electron/engine/providers/llm/llama-cpp-protocol.js';
import { ROOT, SHARED_MODELS } from '../paths.js';
import { summarize, type Summary } from './stats.js';

export const TINY_GGUF = path.join(SHARED_MODELS, 'llama-2-tiny-random', 'llama-2-tiny-random.gguf');
const OUT = path.join(ROOT, 'out', 'node', 'electron', 'engine');
const WORKER = path.join(OUT, 'providers', 'llm', 'llama-cpp-worker.js');
const ENTRY = path.join(OUT, 'local', 'child-entry.js');
/** The audio path's clock: one 20 ms block at a time, as the microphone delivers. */
const AUDIO_BLOCK_MS = 20;

export interface LocalLlmBench {
  gguf: string;
  threads: number;
  maxTokens: number;
  runs: number;
  coldFirstTokenMs: number;
  firstTokenMs: Summary;
  tokensPerSecond: Summary;
  /** Lateness of a 20 ms timer on the engine's event loop (what audio frames would see), ms. */
  audioTimerLatenessMs: { idle: Summary; childProcess: Summary; inProcess: Summary };
  /** perf_hooks event-loop delay while generating, ms. */
  eventLoopDelayMs: { childProcess: { p50: number; p99: number; max: number }; inProcess: { p50: number; p99: number; max: number } };
}

function params(gguf: string, threads: number, maxTokens: number): LlamaGenerateParams {
  return {
    model: { path: gguf, id: path.basename(gguf), pullable: false, gpu: 'off', threads, contextSize: 1024 },
    history: toChatHistory([
      { role: 'system', content: 'You are Parley, a voice assistant. Answer in one or two short sentences.' },
      { role: 'user', content: 'What is a good way to spend a rainy afternoon at home?' },
    ]) as unknown as LlamaGenerateParams['history'],
    temperature: 0,
    maxTokens,
  };
}

/**
 * Lateness of each tick of a 20 ms interval timer while `work` runs; with `phaseOf`, also grouped
 * by what was going on when each tick came (e.g. the conversation's state).
 */
export async function timerLateness<T>(work: () => Promise<T>, phaseOf?: () => string): Promise<{ result: T; lateMs: number[]; byPhase: Record<string, number[]>; loop: { p50: number; p99: number; max: number } }> {
  const lateMs: number[] = [];
  const byPhase: Record<string, number[]> = {};
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = Math.max(0, now - last - AUDIO_BLOCK_MS);
    lateMs.push(late);
    if (phaseOf) (byPhase[phaseOf()] ??= []).push(late);
    last = now;
  }, AUDIO_BLOCK_MS);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  try {
    const result = await work();
    return { result, lateMs, byPhase, loop: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 } };
  } finally {
    h.disable();
    clearInterval(timer);
  }
}

interface Run {
  firstTokenMs: number;
  tokens: number;
  tokensPerSecond: number;
}

async function timed(stream: AsyncIterable<{ type: string; data?: unknown }>): Promise<Run> {
  const t0 = performance.now();
  let first: number | undefined;
  let lastAt = t0;
  let tokens = 0;
  for await (const e of stream) {
    if (e.type !== 'event' || (e.data as { type?: string }).type !== 'text') continue;
    const now = performance.now();
    first ??= now;
    lastAt = now;
    tokens++;
  }
  const firstAt = first ?? t0;
  return { firstTokenMs: firstAt - t0, tokens, tokensPerSecond: tokens > 1 ? ((tokens - 1) * 1000) / (lastAt - firstAt) : 0 };
}

export async function localLlmBench(o: { gguf?: string; threads?: number; maxTokens?: number; runs?: number } = {}): Promise<LocalLlmBench> {
  const gguf = path.resolve(o.gguf ?? TINY_GGUF);
  const threads = o.threads ?? 1;
  const maxTokens = o.maxTokens ?? 256;
  const runs = o.runs ?? 8;
  const p = params(gguf, threads, maxTokens);

  const idle = await timerLateness(() => new Promise((r) => setTimeout(r, 1500)));

  const host = new LocalProcessHost({ module: WORKER, entry: ENTRY, name: 'bench LLM' });
  const cold = await timed(host.stream('generate', p));
  await timed(host.stream('generate', p)); // warm-up: JIT on both sides
  const child = await timerLateness(async () => {
    const out: Run[] = [];
    for (let i = 0; i < runs; i++) out.push(await timed(host.stream('generate', p)));
    return out;
  });
  host.close();

  // The same generation in this process (what running llama.cpp inside the engine would cost the audio path).
  const { createWorker } = await import('../../electron/engine/providers/llm/llama-cpp-worker.js');
  const generate = createWorker().generate!;
  const inProcessStream = async function* () {
    const events: { type: string; data: unknown }[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const call = { signal: new AbortController().signal, emit: (data: unknown) => (events.push({ type: 'event', data }), wake?.()), progress: () => undefined };
    const finished = generate(p, call).finally(() => ((done = true), wake?.()));
    while (!done || events.length) {
      if (events.length) yield events.shift()!;
      else await new Promise<void>((r) => (wake = r));
    }
    await finished;
  };
  await timed(inProcessStream()); // load
  const inProcess = await timerLateness(async () => {
    for (let i = 0; i < runs; i++) await timed(inProcessStream());
  });

  return {
    gguf,
    threads,
    maxTokens,
    runs,
    coldFirstTokenMs: cold.firstTokenMs,
    firstTokenMs: summarize(child.result.map((r) => r.firstTokenMs)),
    tokensPerSecond: summarize(child.result.map((r) => r.tokensPerSecond)),
    audioTimerLatenessMs: { idle: summarize(idle.lateMs), childProcess: summarize(child.lateMs), inProcess: summarize(inProcess.lateMs) },
    eventLoopDelayMs: { childProcess: child.loop, inProcess: inProcess.loop },
  };
}
