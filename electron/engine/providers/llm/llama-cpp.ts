import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ParleyError, isAbort } from '../../errors.js';
import { LocalProcessHost, type HostEvent } from '../../local/host.js';
import type { Spawner } from '../../local/spawner.js';
import { defaultModelFor } from '../../models/catalog.js';
import { modelsDir } from '../../models/paths.js';
import { ModelStore, missingModelError } from '../../models/store.js';
import type { LlmEvent, LlmProvider, LlmRequest, ProviderContext } from '../types.js';
import { toChatHistory, toModelFunctions, toToolCalls } from './llama-cpp-history.js';
import { LLAMA_GPU_CHOICES, LlamaEventSchema, LlamaResultSchema, type LlamaDevice, type LlamaGenerateParams, type LlamaModelConfig } from './llama-cpp-protocol.js';

/**
 * Threads for llama.cpp when the setting is empty: one on a machine with two cores or fewer (a
 * small model ran 10-100x faster on one thread than on two there: the threads' sync cost beats the
 * work), else half the cores (the other half stays with the audio path and the other models).
 */
export function defaultLlamaThreads(cores: number = availableParallelism()): number {
  return cores <= 2 ? 1 : Math.floor(cores / 2);
}

export const LlamaCppSettingsSchema = z.object({
  /** An installed catalog model (parley models list), or an imported one. */
  model: z.string().min(1).default(defaultModelFor('llm')?.id ?? 'qwen3-0.6b-q8_0'),
  /** A GGUF file to run instead of the catalog model. */
  modelPath: z.string().min(1).optional(),
  gpu: z.enum(LLAMA_GPU_CHOICES).default('auto'),
  /** CPU threads (empty: 1 on two cores or fewer, else half the cores). */
  threads: z.number().int().positive().max(256).optional(),
  contextSize: z.number().int().min(256).max(131_072).default(4096),
  temperature: z.number().min(0).max(2).default(0.7),
  maxTokens: z.number().int().positive().default(512),
});
export type LlamaCppSettings = z.infer<typeof LlamaCppSettingsSchema>;

export interface LlamaCppOptions {
  /** Starts the inference process (child_process.fork by default; Electron injects utilityProcess.fork). */
  spawner?: Spawner;
  /** Where installed models live (default: PARLEY_MODELS_DIR or the data folder's models/). */
  modelsDir?: string;
  log?: (message: string) => void;
  /** Where the model runs, each time it loads (shown where the conversation names its providers). */
  device?: ProviderContext['device'];
  /** The host to run in (tests; default: one shared per spawner). */
  host?: Pick<LocalProcessHost, 'stream'>;
}

/** The compiled worker module beside this file. */
export const LLAMA_WORKER_MODULE = fileURLToPath(new URL('./llama-cpp-worker.js', import.meta.url));

// One process per spawner for the whole app session: the model stays loaded across conversations,
// and its restart budget is the session's.
const sharedHosts = new Map<Spawner | undefined, LocalProcessHost>();
function sharedHost(spawner: Spawner | undefined): LocalProcessHost {
  let host = sharedHosts.get(spawner);
  if (!host) {
    host = new LocalProcessHost({ module: LLAMA_WORKER_MODULE, name: 'local LLM (llama.cpp)', ...(spawner ? { spawn: spawner } : {}) });
    sharedHosts.set(spawner, host);
  }
  return host;
}

/**
 * A GGUF model run by llama.cpp (node-llama-cpp) in a local inference process: streamed tokens,
 * tool calls in the model's own format, stopped at once by the request's signal (barge-in).
 */
export class LlamaCppLlm implements LlmProvider {
  readonly id = 'llama-cpp';
  readonly displayName = 'Local LLM (llama.cpp)';
  private readonly host: Pick<LocalProcessHost, 'stream'>;
  private replies = 0;
  private deviceSeen: LlamaDevice | undefined;

  constructor(
    private readonly settings: LlamaCppSettings,
    private readonly o: LlamaCppOptions = {},
  ) {
    this.host = o.host ?? sharedHost(o.spawner);
  }

  /** Where the model last loaded: backend, GPU names, threads, and why a requested GPU is not used. */
  get device(): LlamaDevice | undefined {
    return this.deviceSeen;
  }

  async *stream(request: LlmRequest): AsyncGenerator<LlmEvent> {
    const params = await this.params(request, false);
    let textOpen = false;
    const reply = ++this.replies;
    for await (const e of this.run(params, request.signal)) {
      if (e.type === 'progress') continue;
      if (e.type === 'event') {
        const event = LlamaEventSchema.safeParse(e.data);
        if (!event.success) throw protocolError('an invalid event');
        if (event.data.type === 'device') this.noteDevice(event.data.device);
        else if (event.data.text) {
          textOpen = true;
          yield { type: 'text', text: event.data.text };
        }
        continue;
      }
      const result = LlamaResultSchema.safeParse(e.value);
      if (!result.success) throw protocolError('an invalid result');
      if (textOpen) yield { type: 'text-end' };
      for (const call of toToolCalls(result.data.functionCalls, `llama_${reply}`)) yield { type: 'tool-call', call };
      yield { type: 'done', finishReason: result.data.stopReason };
      return;
    }
  }

  /**
   * Evaluates the conversation so far (system prompt, history, the user's words up to now) into the
   * model's context without generating: the reply that follows starts from there. Call while the
   * user speaks; aborting it is harmless.
   */
  async preload(request: LlmRequest): Promise<void> {
    const params = await this.params(request, true);
    for await (const e of this.run(params, request.signal)) {
      if (e.type === 'event') {
        const event = LlamaEventSchema.safeParse(e.data);
        if (event.success && event.data.type === 'device') this.noteDevice(event.data.device);
      }
    }
  }

  /** The worker's request: the model, the conversation in llama.cpp's terms, the tools, sampling. */
  private async params(request: LlmRequest, preloadOnly: boolean): Promise<LlamaGenerateParams> {
    return {
      model: await this.modelConfig(),
      history: toChatHistory(request.messages) as unknown as LlamaGenerateParams['history'],
      ...(request.tools?.length ? { functions: toModelFunctions(request.tools) as LlamaGenerateParams['functions'] } : {}),
      temperature: this.settings.temperature,
      maxTokens: this.settings.maxTokens,
      ...(preloadOnly ? { preloadOnly: true } : {}),
    };
  }

  private async *run(params: LlamaGenerateParams, signal: AbortSignal | undefined): AsyncGenerator<HostEvent> {
    try {
      yield* this.host.stream('generate', params, signal);
    } catch (e) {
      if (isAbort(e) || !(e instanceof ParleyError)) throw e;
      throw new ParleyError(e.code, e.message, { cause: e, provider: this.id });
    }
  }

  private noteDevice(device: LlamaDevice): void {
    this.deviceSeen = device;
    const names = device.deviceNames.length ? ` (${device.deviceNames.join(', ')})` : '';
    this.o.log?.(`llama.cpp runs on ${device.backend}${names} with ${device.threads} thread(s)${device.fallback ? `; ${device.fallback}` : ''}`);
    this.o.device?.({ stage: 'llm', provider: this.id, ...device });
  }

  private async modelConfig(): Promise<LlamaModelConfig> {
    const common = { gpu: this.settings.gpu, threads: this.settings.threads ?? defaultLlamaThreads(), contextSize: this.settings.contextSize };
    if (this.settings.modelPath) return { ...common, path: path.resolve(this.settings.modelPath), id: path.basename(this.settings.modelPath), pullable: false };
    const store = new ModelStore({ dir: this.o.modelsDir ?? modelsDir() });
    const installed = await store.installed(this.settings.model);
    if (!installed) throw new ParleyError('model/not-installed', missingModelError(this.settings.model).message, { provider: this.id });
    if (installed.task !== 'llm') throw new ParleyError('settings/invalid', `the model '${installed.id}' is a ${installed.task} model, not a language model (see parley models list)`, { provider: this.id });
    const file = installed.files.find((f) => f.toLowerCase().endsWith('.gguf'));
    if (!file) throw new ParleyError('model/corrupt', `the language model '${installed.id}' has no GGUF file: run parley models pull ${installed.id}`, { provider: this.id });
    return { ...common, path: path.join(installed.dir, file), id: installed.id, pullable: true };
  }
}

function protocolError(what: string): ParleyError {
  return new ParleyError('local/protocol', `the local LLM process sent ${what}`, { provider: 'llama-cpp' });
}
