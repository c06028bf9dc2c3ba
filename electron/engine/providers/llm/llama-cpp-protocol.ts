import { z } from 'zod';

/** The llama.cpp worker's messages (payloads of the local process protocol), validated on both sides. */

export const LLAMA_GPU_CHOICES = ['auto', 'off', 'cuda', 'vulkan', 'metal'] as const;
export type LlamaGpuChoice = (typeof LLAMA_GPU_CHOICES)[number];

export const LlamaModelConfigSchema = z.object({
  /** The GGUF file. */
  path: z.string().min(1),
  /** For messages: the catalog id (or the file name for a GGUF given by path). */
  id: z.string().min(1),
  /** Whether the id names an installed catalog model (the fix for a bad file is `parley models pull <id>`). */
  pullable: z.boolean(),
  gpu: z.enum(LLAMA_GPU_CHOICES),
  threads: z.number().int().positive(),
  contextSize: z.number().int().positive(),
});
export type LlamaModelConfig = z.infer<typeof LlamaModelConfigSchema>;

const HistorySchema = z.array(z.record(z.string(), z.unknown()).and(z.object({ type: z.enum(['system', 'user', 'model']) })));

export const LlamaGenerateParamsSchema = z.object({
  model: LlamaModelConfigSchema,
  /** node-llama-cpp ChatHistoryItem[], ending with the model response to continue. */
  history: HistorySchema,
  /** ChatModelFunctions (GBNF JSON schemas), or none. */
  functions: z.record(z.string(), z.object({ description: z.string().optional(), params: z.unknown().optional() })).optional(),
  temperature: z.number().min(0).max(2),
  maxTokens: z.number().int().positive(),
  /** Generate nothing: only load the history into the context (prefill while the user speaks). */
  preloadOnly: z.boolean().default(false),
});
export type LlamaGenerateParams = z.input<typeof LlamaGenerateParamsSchema>;

/** Where the model runs, as the worker found it (a GPU asked for but missing falls back to the CPU, said here). */
export const LlamaDeviceSchema = z.object({
  requested: z.enum(LLAMA_GPU_CHOICES),
  /** 'cpu', 'cuda', 'vulkan' or 'metal'. */
  backend: z.string(),
  deviceNames: z.array(z.string()),
  threads: z.number().int(),
  /** Why the requested GPU is not used, when it is not. */
  fallback: z.string().optional(),
});
export type LlamaDevice = z.infer<typeof LlamaDeviceSchema>;

/** Streamed while generating. */
export const LlamaEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  /** The model is loaded (once per load), on this device. */
  z.object({ type: z.literal('device'), device: LlamaDeviceSchema }),
]);
export type LlamaEvent = z.infer<typeof LlamaEventSchema>;

export const LlamaResultSchema = z.object({
  stopReason: z.enum(['stop', 'length', 'tool-calls', 'other']),
  functionCalls: z.array(z.object({ functionName: z.string(), params: z.unknown() })),
});
export type LlamaResult = z.infer<typeof LlamaResultSchema>;
