import { z } from 'zod';
import { ParleyError } from '../errors.js';
import type { Spawner } from '../local/spawner.js';
import { AnthropicLlm, AnthropicSettingsSchema } from './llm/anthropic.js';
import { LlamaCppLlm, LlamaCppSettingsSchema } from './llm/llama-cpp.js';
import { OpenAiChatLlm, OpenAiChatSettingsSchema } from './llm/openai-chat.js';
import { assertAllowedOffline } from './offline.js';
import { checkProviderSettings } from './provider-settings.js';
import type { RetryPolicy } from './retry.js';
import { DeepgramSettingsSchema, DeepgramStt } from './stt/deepgram.js';
import { KyutaiStt, KyutaiSttSettingsSchema } from './stt/kyutai.js';
import { DeepgramFluxSettingsSchema, DeepgramFluxStt } from './stt/deepgram-flux.js';
import { SherpaOnnxStt, SherpaSttSettingsSchema } from './stt/sherpa-onnx.js';
import { ElevenLabsSettingsSchema, ElevenLabsTts } from './tts/elevenlabs.js';
import { KyutaiTts, KyutaiTtsSettingsSchema } from './tts/kyutai.js';
import { GradiumStt, GradiumSttSettingsSchema } from './stt/gradium.js';
import { OpenAiTranscriptionSettingsSchema, OpenAiTranscriptionStt } from './stt/openai-transcription.js';
import { GradiumTts, GradiumTtsSettingsSchema } from './tts/gradium.js';
import { OpenAiSpeechSettingsSchema, OpenAiSpeechTts } from './tts/openai-speech.js';
import { SherpaOnnxTts, SherpaTtsSettingsSchema } from './tts/sherpa-onnx.js';
import { MoshiClient, MoshiSettingsSchema } from './s2s/moshi.js';
import { OpenAiRealtimeClient, OpenAiRealtimeSettingsSchema } from './s2s/openai-realtime.js';
import type { S2sClient } from './s2s/types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { LlmProvider, ProviderContext, SttProvider, TtsProvider } from './types.js';

export type ProviderKind = 'stt' | 'llm' | 'tts' | 's2s';
type ProviderOf<K extends ProviderKind> = K extends 'stt' ? SttProvider : K extends 'llm' ? LlmProvider : K extends 'tts' ? TtsProvider : S2sClient;

/**
 * One entry per provider: what it is, what it can do, its settings (the settings UI is generated
 * from the zod schema) and how to build it. Adding a provider = its file + one entry here.
 */
export interface ProviderDescriptor<K extends ProviderKind = ProviderKind, S extends z.ZodObject = z.ZodObject> {
  kind: K;
  id: string;
  displayName: string;
  /** Prefix of its environment variables: PARLEY_<ENV>_URL for the endpoint, <ENV>_API_KEY for the key. */
  env: string;
  /** When the key belongs to another service (OpenAI Realtime uses the OpenAI key): that prefix. */
  keyEnv?: string;
  /** Runs without a network connection to a vendor (local server or model), while its endpoint is on this machine. */
  local: boolean;
  /** Speaks an API that local servers also offer (OpenAI-compatible): local when its endpoint is a loopback address. */
  localWhenLoopback?: boolean;
  requiresKey: boolean;
  capabilities: string[];
  settings: S;
  create(settings: z.infer<S>, apiKey: string | undefined, context: CreateContext): ProviderOf<K>;
}

export type CreateContext = ProviderContext & {
  retry?: Partial<RetryPolicy>;
  tools?: ToolRegistry;
  /** Offline mode: a provider that would leave the machine is refused (offline/cloud-provider). */
  offlineOnly?: boolean;
  /** Starts local inference processes (default child_process.fork; Electron: utilityProcess.fork through main). */
  localSpawner?: Spawner;
  /** Where installed models live (default: PARLEY_MODELS_DIR or the data folder's models/). */
  modelsDir?: string;
};

function describe<K extends ProviderKind, S extends z.ZodObject>(d: ProviderDescriptor<K, S>): ProviderDescriptor<K, S> {
  return d;
}

export const providers = [
  describe({
    kind: 'stt',
    id: 'deepgram',
    displayName: 'Deepgram',
    env: 'DEEPGRAM',
    local: false,
    requiresKey: true,
    capabilities: ['streaming', 'interim-results', 'endpointing', 'utterance-end', 'finalize'],
    settings: DeepgramSettingsSchema,
    create: (s, key, ctx) => new DeepgramStt(s, key, ctx),
  }),
  // Kyutai's STT and TTS run on the user's own moshi-server (as in Unmute), usually a GPU box on the
  // LAN or this machine: PARLEY_KYUTAI_URL points both at it (moshi-server serves every module of
  // its config on one port; by default STT on 8090 and TTS on 8089 as Unmute runs them). The key is
  // optional (moshi-server's configs authorise 'public_token'). For "Offline only" it is local only
  // at a loopback address: a box elsewhere on the LAN is off this machine, so it is refused there.
  // There is no cheap authenticated request to check a key with (only the ASR/TTS routes check it).
  describe({
    kind: 'stt',
    id: 'kyutai',
    displayName: 'Kyutai STT (self-hosted moshi-server)',
    env: 'KYUTAI',
    local: false,
    localWhenLoopback: true,
    requiresKey: false,
    capabilities: ['streaming', 'word-timestamps', 'semantic-vad', 'finalize', 'self-hosted'],
    settings: KyutaiSttSettingsSchema,
    create: (s, key, ctx) => new KyutaiStt(s, key, ctx),
  }),
  // Embedded engines: sherpa-onnx runs the installed model in a worker process on this machine
  // (no endpoint, no key), so it is allowed in offline mode. A missing model is named with
  // `parley models pull <id>` when a stream opens; nothing is fetched.
  describe({
    kind: 'stt',
    id: 'sherpa-onnx',
    displayName: 'Local speech recognition (sherpa-onnx)',
    env: 'SHERPA_STT',
    local: true,
    requiresKey: false,
    capabilities: ['streaming', 'interim-results', 'endpointing', 'finalize', 'offline', 'embedded'],
    settings: SherpaSttSettingsSchema,
    create: (s, _key, ctx) => new SherpaOnnxStt(s, ctx),
  }),
  describe({
    kind: 'stt',
    id: 'deepgram-flux',
    displayName: 'Deepgram Flux',
    // PARLEY_DEEPGRAM_FLUX_URL for the endpoint; the key is Deepgram's (DEEPGRAM_API_KEY, checked like v1's).
    env: 'DEEPGRAM_FLUX',
    keyEnv: 'DEEPGRAM',
    local: false,
    requiresKey: true,
    capabilities: ['streaming', 'interim-results', 'end-of-turn', 'eager-end-of-turn', 'turn-probability', 'configure'],
    settings: DeepgramFluxSettingsSchema,
    create: (s, key, ctx) => new DeepgramFluxStt(s, key, ctx),
  }),
  describe({
    kind: 'stt',
    id: 'gradium',
    displayName: 'Gradium',
    env: 'GRADIUM',
    local: false,
    requiresKey: true,
    capabilities: ['streaming', 'interim-results', 'semantic-end-of-turn', 'turn-probability', 'finalize'],
    settings: GradiumSttSettingsSchema,
    create: (s, key, ctx) => new GradiumStt(s, key, ctx),
  }),
  // A batch transcription server: whisper.cpp's (POST /inference, the default at its default
  // address) or any OpenAI-compatible one (path /audio/transcriptions: OpenAI, whisper.cpp started
  // with --inference-path, other local servers). Words come as one final per finalize, no partials,
  // no turn judgement. Local (allowed offline) only at a loopback address. Its key is its own and
  // optional (OPENAI_TRANSCRIBE_API_KEY): the OpenAI key of the LLM is never sent to a local server.
  describe({
    kind: 'stt',
    id: 'openai-transcribe',
    displayName: 'OpenAI-compatible transcription (whisper.cpp server, OpenAI, ...)',
    env: 'OPENAI_TRANSCRIBE',
    local: false,
    localWhenLoopback: true,
    requiresKey: false,
    capabilities: ['batch', 'finalize', 'self-hosted'],
    settings: OpenAiTranscriptionSettingsSchema,
    create: (s, key, ctx) => new OpenAiTranscriptionStt(s, key, ctx),
  }),
  describe({
    kind: 'llm',
    id: 'openai',
    displayName: 'OpenAI-compatible (OpenAI, Groq, OpenRouter, Together, vLLM...)',
    env: 'OPENAI',
    local: false,
    localWhenLoopback: true,
    requiresKey: true,
    capabilities: ['streaming', 'tools'],
    settings: OpenAiChatSettingsSchema,
    create: (s, key, ctx) => new OpenAiChatLlm(s, key, ctx.retry, ctx.clock),
  }),
  describe({
    kind: 'llm',
    id: 'ollama',
    displayName: 'Ollama (local, OpenAI-compatible API)',
    env: 'OLLAMA',
    local: true,
    requiresKey: false,
    capabilities: ['streaming', 'tools', 'offline'],
    settings: OpenAiChatSettingsSchema.extend({ baseUrl: z.string().url().default('http://127.0.0.1:11434/v1'), model: z.string().min(1).default('llama3.2') }),
    create: (s, key, ctx) => new OpenAiChatLlm(s, key, ctx.retry, ctx.clock),
  }),
  // Runs a GGUF model in a local inference process of its own (engine/local): no server, no network.
  describe({
    kind: 'llm',
    id: 'llama-cpp',
    displayName: 'Local LLM (llama.cpp)',
    env: 'LLAMA_CPP',
    local: true,
    requiresKey: false,
    capabilities: ['streaming', 'tools', 'offline', 'embedded', 'gpu'],
    settings: LlamaCppSettingsSchema,
    create: (s, _key, ctx) => new LlamaCppLlm(s, { ...(ctx.localSpawner ? { spawner: ctx.localSpawner } : {}), ...(ctx.modelsDir ? { modelsDir: ctx.modelsDir } : {}), ...(ctx.log ? { log: ctx.log } : {}), ...(ctx.device ? { device: ctx.device } : {}) }),
  }),
  describe({
    kind: 'llm',
    id: 'anthropic',
    displayName: 'Anthropic Claude',
    env: 'ANTHROPIC',
    local: false,
    requiresKey: true,
    capabilities: ['streaming', 'tools'],
    settings: AnthropicSettingsSchema,
    create: (s, key, ctx) => new AnthropicLlm(s, key, ctx.retry, ctx.clock),
  }),
  describe({
    kind: 'tts',
    id: 'openai',
    displayName: 'OpenAI speech',
    env: 'OPENAI',
    local: false,
    localWhenLoopback: true,
    requiresKey: true,
    capabilities: ['streaming-audio', 'voices', 'instructions'],
    settings: OpenAiSpeechSettingsSchema,
    create: (s, key, ctx) => new OpenAiSpeechTts(s, key, ctx.retry, ctx.clock),
  }),
  describe({
    kind: 'tts',
    id: 'elevenlabs',
    displayName: 'ElevenLabs',
    env: 'ELEVENLABS',
    local: false,
    requiresKey: true,
    capabilities: ['streaming-text-input', 'streaming-audio', 'alignment', 'voices'],
    settings: ElevenLabsSettingsSchema,
    create: (s, key, ctx) => new ElevenLabsTts(s, key, ctx.retry, ctx.clock),
  }),
  describe({
    kind: 'tts',
    id: 'kyutai',
    displayName: 'Kyutai TTS (self-hosted moshi-server)',
    env: 'KYUTAI',
    local: false,
    localWhenLoopback: true,
    requiresKey: false,
    capabilities: ['streaming-text-input', 'streaming-audio', 'word-timestamps', 'voices', 'self-hosted'],
    settings: KyutaiTtsSettingsSchema,
    create: (s, key, ctx) => new KyutaiTts(s, key, ctx.retry, ctx.clock),
  }),
  describe({
    kind: 'tts',
    id: 'gradium',
    displayName: 'Gradium',
    env: 'GRADIUM',
    local: false,
    requiresKey: true,
    capabilities: ['streaming-text-input', 'streaming-audio', 'word-timestamps', 'voices'],
    settings: GradiumTtsSettingsSchema,
    create: (s, key, ctx) => new GradiumTts(s, key, ctx.retry, ctx.clock),
  }),
  describe({
    kind: 'tts',
    id: 'sherpa-onnx',
    displayName: 'Local voice (sherpa-onnx)',
    env: 'SHERPA_TTS',
    local: true,
    requiresKey: false,
    capabilities: ['streaming-audio', 'voices', 'offline', 'embedded'],
    settings: SherpaTtsSettingsSchema,
    create: (s, _key, ctx) => new SherpaOnnxTts(s, ctx),
  }),
  describe({
    kind: 's2s',
    id: 'moshi',
    displayName: 'Moshi (Kyutai, runs locally)',
    env: 'MOSHI',
    local: true,
    requiresKey: false,
    capabilities: ['full-duplex', 'offline'],
    settings: MoshiSettingsSchema,
    create: (s, _key, ctx) => new MoshiClient(s, ctx.clock),
  }),
  describe({
    kind: 's2s',
    id: 'openai-realtime',
    displayName: 'OpenAI Realtime',
    env: 'OPENAI_REALTIME',
    keyEnv: 'OPENAI',
    local: false,
    requiresKey: true,
    capabilities: ['turn-based', 'transcripts', 'tools', 'text-context'],
    settings: OpenAiRealtimeSettingsSchema,
    create: (s, key, ctx) => new OpenAiRealtimeClient(s, key ?? '', ctx.tools, undefined, ctx.clock),
  }),
] as const satisfies readonly ProviderDescriptor[];

/** The environment variable that holds a provider's API key (OPENAI_API_KEY for both OpenAI providers). */
export function keyVariableOf(descriptor: Pick<ProviderDescriptor, 'env' | 'keyEnv'>): string {
  return `${descriptor.keyEnv ?? descriptor.env}_API_KEY`;
}

/** The stored key a provider uses, by service (OPENAI -> 'openai'). */
export function keyNameOf(descriptor: Pick<ProviderDescriptor, 'env' | 'keyEnv'>): string {
  return (descriptor.keyEnv ?? descriptor.env).toLowerCase();
}

export function providerIds(kind: ProviderKind): string[] {
  return providers.filter((p) => p.kind === kind).map((p) => p.id);
}

export function findProvider<K extends ProviderKind>(kind: K, id: string): ProviderDescriptor<K> {
  const d = providers.find((p) => p.kind === kind && p.id === id);
  if (!d) throw new ParleyError('provider/unknown', `unknown ${kind.toUpperCase()} provider '${id}' (available: ${providerIds(kind).join(', ')})`);
  return d as unknown as ProviderDescriptor<K>;
}

export interface ResolvedProvider<K extends ProviderKind> {
  descriptor: ProviderDescriptor<K>;
  settings: Record<string, unknown>;
  apiKey: string | undefined;
  /** Where the endpoint came from, for error messages and the settings UI. */
  endpointSource: 'settings' | 'environment' | 'default';
}

/**
 * Settings for a provider from (highest first) the user's saved settings, the environment
 * (PARLEY_<ENV>_URL, <ENV>_API_KEY) and the schema's defaults. Invalid settings and a missing key
 * are clear errors naming what to set.
 */
export function resolveProvider<K extends ProviderKind>(
  kind: K,
  id: string,
  saved: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
  /** A key, or what picks one for the resolved endpoint (then the environment is not consulted here). */
  savedKey?: string | ((baseUrl: string | undefined) => string | undefined),
): ResolvedProvider<K> {
  const descriptor = findProvider(kind, id);
  const envUrl = env[`PARLEY_${descriptor.env}_URL`];
  const input = { ...saved };
  let endpointSource: ResolvedProvider<K>['endpointSource'] = 'default';
  if (saved.baseUrl !== undefined) endpointSource = 'settings';
  else if (envUrl) {
    input.baseUrl = envUrl;
    endpointSource = 'environment';
  }
  const checked = checkProviderSettings(descriptor, input, endpointSource === 'environment' ? { addressFrom: `PARLEY_${descriptor.env}_URL` } : {});
  if (!checked.ok) throw new ParleyError('settings/invalid', checked.message, { provider: id });
  const baseUrl = checked.settings.baseUrl;
  const apiKey = (typeof savedKey === 'function' ? savedKey(typeof baseUrl === 'string' ? baseUrl : undefined) : savedKey || env[keyVariableOf(descriptor)]) || undefined;
  if (descriptor.requiresKey && !apiKey) {
    throw new ParleyError('provider/missing-key', `no API key for ${descriptor.displayName}: set ${keyVariableOf(descriptor)} or add the key in settings`, { provider: id });
  }
  return { descriptor, settings: checked.settings, apiKey, endpointSource };
}

export function createProvider<K extends ProviderKind>(resolved: ResolvedProvider<K>, context: CreateContext): ProviderOf<K> {
  if (context.offlineOnly) assertAllowedOffline(resolved);
  return resolved.descriptor.create(resolved.settings as never, resolved.apiKey, context);
}
