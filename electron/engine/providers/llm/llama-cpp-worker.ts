// The llama.cpp worker module: runs inside a local inference process (engine/local), never in the
// engine's own process. One model is kept loaded; each 'generate' call carries the model config and
// reloads only when it changed.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { LlamaChat, QwenChatWrapper, getLlama, type ChatHistoryItem, type ChatModelFunctions, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import { ParleyError, describeError } from '../../errors.js';
import type { WorkerCall, WorkerMethod } from '../../local/worker-api.js';
import { LlamaGenerateParamsSchema, type LlamaDevice, type LlamaEvent, type LlamaModelConfig, type LlamaResult } from './llama-cpp-protocol.js';

interface Loaded {
  key: string;
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  chat: LlamaChat;
  device: LlamaDevice;
}

export function createWorker(): Record<string, WorkerMethod> {
  let loaded: Loaded | undefined;
  let loading: Promise<Loaded> | undefined;
  let loadingKey = '';

  const ensureLoaded = async (config: LlamaModelConfig, call: WorkerCall): Promise<Loaded> => {
    const key = JSON.stringify(config);
    if (loaded?.key === key) return loaded;
    if (loading && loadingKey === key) return loading;
    const previous = loaded;
    loaded = undefined;
    await previous?.llama.dispose().catch(() => undefined);
    loadingKey = key;
    loading = load(config, key, call).finally(() => (loading = undefined));
    loaded = await loading;
    call.emit({ type: 'device', device: loaded.device } satisfies LlamaEvent);
    return loaded;
  };

  const generate: WorkerMethod = async (raw, call) => {
    const parsed = LlamaGenerateParamsSchema.safeParse(raw);
    if (!parsed.success) throw new ParleyError('local/protocol', `invalid llama.cpp request: ${parsed.error.issues[0]?.message}`);
    const p = parsed.data;
    const l = await ensureLoaded(p.model, call);
    const history = p.history as unknown as ChatHistoryItem[];
    const functions = p.functions as ChatModelFunctions | undefined;
    // No lastEvaluationContextWindow: the history is rebuilt for every request, and the context
    // sequence keeps the tokens it shares with the last one (system prompt, earlier turns, a preload).
    if (p.preloadOnly) {
      // What LlamaChatSession.preloadPrompt does: evaluate the history, generate nothing.
      await l.chat.loadChatAndCompleteUserMessage(withoutOpenModel(history), { functions, maxTokens: 0, signal: call.signal, stopOnAbortSignal: true });
      return { stopReason: 'stop', functionCalls: [] } satisfies LlamaResult;
    }
    const r = await l.chat.generateResponse(history, {
      ...(functions ? { functions } : {}),
      temperature: p.temperature,
      maxTokens: p.maxTokens,
      signal: call.signal,
      // Barge-in: stop at once and keep the context state (the next request reuses it).
      stopOnAbortSignal: true,
      onTextChunk: (text) => {
        if (text) call.emit({ type: 'text', text } satisfies LlamaEvent);
      },
    });
    const functionCalls = (r.functionCalls ?? []).map((c) => ({ functionName: c.functionName, params: c.params as unknown }));
    const reason = r.metadata.stopReason;
    const stopReason: LlamaResult['stopReason'] = functionCalls.length ? 'tool-calls' : reason === 'maxTokens' ? 'length' : reason === 'eogToken' || reason === 'stopGenerationTrigger' || reason === 'customStopTrigger' ? 'stop' : 'other';
    return { stopReason, functionCalls } satisfies LlamaResult;
  };

  return { generate };
}

/** loadChatAndCompleteUserMessage takes the history up to the user's message. */
function withoutOpenModel(history: ChatHistoryItem[]): ChatHistoryItem[] {
  const last = history[history.length - 1];
  return last?.type === 'model' && last.response.length === 0 ? history.slice(0, -1) : history;
}

async function load(config: LlamaModelConfig, key: string, call: WorkerCall): Promise<Loaded> {
  await access(config.path).catch(() => {
    throw missingFile(config);
  });
  call.progress('starting llama.cpp', null);
  const logs: string[] = [];
  const logger = (_level: unknown, message: string) => {
    logs.push(message.trim());
    if (logs.length > 20) logs.shift();
  };
  const common = { build: 'never' as const, maxThreads: config.threads, logLevel: 'warn' as never, logger, progressLogs: false, usePrebuiltBinaries: true };
  let llama: Llama;
  let fallback: string | undefined;
  if (config.gpu === 'off') llama = await getLlama({ ...common, gpu: false });
  else {
    try {
      llama = await getLlama({ ...common, gpu: config.gpu });
    } catch (e) {
      // An explicit GPU without its binary or driver: run on the CPU, and say so.
      fallback = `${config.gpu} is not available here (${describeError(e)}): running on the CPU`;
      llama = await getLlama({ ...common, gpu: false });
    }
    if (llama.gpu === false && !fallback) fallback = config.gpu === 'auto' ? 'no supported GPU found: running on the CPU' : `${config.gpu} is not available here: running on the CPU`;
  }
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath: config.path,
      gpuLayers: llama.gpu === false ? 0 : 'auto',
      onLoadProgress: (fraction) => call.progress('loading model', fraction),
      loadSignal: call.signal,
    });
  } catch (e) {
    await llama.dispose().catch(() => undefined);
    if (call.signal.aborted) throw e;
    throw corruptFile(config, logs.filter((l) => /error|fail|corrupt/i.test(l)).pop() ?? describeError(e));
  }
  const context = await model.createContext({ contextSize: Math.min(config.contextSize, model.trainContextSize), threads: { ideal: config.threads, min: config.threads } });
  const architecture = String(model.fileInfo.metadata.general.architecture ?? '');
  // Voice answers at once: Qwen3's thinking is discouraged (an empty thought block), as Qwen documents for non-thinking use.
  const chatWrapper = /^qwen3/i.test(architecture) ? new QwenChatWrapper({ thoughts: 'discourage' }) : 'auto';
  const chat = new LlamaChat({ contextSequence: context.getSequence(), chatWrapper });
  const deviceNames = llama.gpu === false ? [] : await llama.getGpuDeviceNames().catch(() => []);
  const device: LlamaDevice = { requested: config.gpu, backend: llama.gpu === false ? 'cpu' : llama.gpu, deviceNames, threads: config.threads, ...(fallback ? { fallback } : {}) };
  return { key, llama, model, context, chat, device };
}

function what(config: LlamaModelConfig): string {
  return config.pullable ? `the language model '${config.id}'` : `the GGUF file ${config.path}`;
}

function missingFile(config: LlamaModelConfig): ParleyError {
  if (config.pullable) return new ParleyError('model/not-installed', `${what(config)} is missing its file ${path.basename(config.path)}: run parley models pull ${config.id}`);
  return new ParleyError('file/not-found', `${what(config)} does not exist`);
}

function corruptFile(config: LlamaModelConfig, reason: string): ParleyError {
  const fix = config.pullable ? `: run parley models pull ${config.id} to get it again` : '';
  return new ParleyError('model/corrupt', `${what(config)} cannot be loaded (${reason.replace(/^llama_model_load: /, '')})${fix}`);
}
