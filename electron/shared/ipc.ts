import { z } from 'zod';
import { ErrorInfoSchema } from './errors.js';
import { ModelActionResultSchema, ModelIdRequestSchema, ModelImportRequestSchema, ModelPullRequestSchema, ModelsListSchema, TransferStatusSchema, type ModelActionResult, type ModelImportRequest, type ModelsList, type TransferStatus } from './models.js';
import { KeyStatusSchema, SettingsSchema } from './settings.js';

/** Every IPC channel starts with this; main refuses anything else. */
export const IPC_PREFIX = 'parley:';

export const ExecutionProviderSchema = z.enum(['cpu', 'cuda', 'coreml', 'dml']);

/** What the renderer may know about the engine: never keys, never paths outside the app. */
export const EngineInfoSchema = z.object({
  version: z.string(),
  platform: z.string(),
  vad: z.discriminatedUnion('state', [
    z.object({ state: z.literal('loading') }),
    z.object({
      state: z.literal('ready'),
      provider: ExecutionProviderSchema,
      /** Model load time (read, verify, create session), ms. */
      loadMs: z.number().nonnegative(),
    }),
    z.object({ state: z.literal('failed'), error: ErrorInfoSchema }),
  ]),
  /** Things the user must be told (e.g. a corrupt settings file was replaced by defaults). */
  notices: z.array(z.string()),
  /**
   * Where API keys typed into the UI are kept: encrypted with the OS keychain (desktop app), in
   * memory only (`parley serve`), or nowhere (desktop app without a real keychain: environment only).
   */
  keyStorage: z.enum(['encrypted', 'memory', 'unavailable']),
});
export type EngineInfo = z.infer<typeof EngineInfoSchema>;

/**
 * The request/response channels: name -> [request schema, response schema]. The preload and main
 * both validate against these, so a malformed message is rejected on either side.
 */
/** Services whose API keys the app stores (by the prefix of their environment variables). */
export const KEY_NAMES = ['deepgram', 'openai', 'anthropic', 'elevenlabs', 'gradium'] as const;
export const KeyNameSchema = z.enum(KEY_NAMES);
export type KeyName = (typeof KEY_NAMES)[number];
/** How each key is named to the user. */
export const KEY_LABELS: Record<KeyName, string> = { deepgram: 'Deepgram', openai: 'OpenAI', anthropic: 'Anthropic', elevenlabs: 'ElevenLabs', gradium: 'Gradium' };
/** Per service: is a key available (saved, or in the environment)? Never the key itself. */
export const KeyStatusesSchema = z.record(KeyNameSchema, KeyStatusSchema);
export type KeyStatuses = z.infer<typeof KeyStatusesSchema>;

/** A provider as the settings UI sees it: its form is generated from `settingsSchema` (JSON Schema). */
export const ProviderInfoSchema = z.object({
  kind: z.enum(['stt', 'llm', 'tts', 's2s']),
  id: z.string(),
  displayName: z.string(),
  local: z.boolean(),
  /** Speaks an API local servers also offer: local (allowed offline) while its endpoint is a loopback address. */
  localWhenLoopback: z.boolean().optional(),
  requiresKey: z.boolean(),
  keyName: KeyNameSchema.nullable(),
  capabilities: z.array(z.string()),
  settingsSchema: z.record(z.string(), z.unknown()),
});
export type ProviderInfo = z.infer<typeof ProviderInfoSchema>;

export const invokeChannels = {
  'parley:providers': { request: z.undefined(), response: z.array(ProviderInfoSchema) },
  'parley:engine-info': { request: z.undefined(), response: EngineInfoSchema },
  'parley:settings-get': { request: z.undefined(), response: SettingsSchema },
  'parley:settings-update': { request: SettingsSchema, response: SettingsSchema },
  'parley:keys-status': { request: z.undefined(), response: KeyStatusesSchema },
  'parley:key-set': { request: z.object({ name: KeyNameSchema, value: z.string().trim().min(8).max(512) }), response: KeyStatusesSchema },
  'parley:key-delete': { request: z.object({ name: KeyNameSchema }), response: KeyStatusesSchema },
  /** The output of a local model server Parley started (Moshi), for the settings view. */
  'parley:server-logs': { request: z.undefined(), response: z.object({ running: z.boolean(), lines: z.array(z.string()) }) },
  /** One real, minimal authenticated call with the saved (or environment) key. */
  'parley:key-test': { request: z.object({ name: KeyNameSchema }), response: z.discriminatedUnion('ok', [z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), error: ErrorInfoSchema })]) },
  /** The model manager (see shared/models.ts): the catalog with what is installed, presets, disk usage, transfers. */
  'parley:models-list': { request: z.undefined(), response: ModelsListSchema },
  /** The transfers alone (cheap: no disk walk), polled by the Models page while one runs. */
  'parley:models-progress': { request: z.undefined(), response: z.array(TransferStatusSchema) },
  /** Starts downloading a catalog model; answers once it started (or was refused), progress comes from models-progress. */
  'parley:models-pull': { request: ModelPullRequestSchema, response: ModelActionResultSchema },
  'parley:models-import': { request: ModelImportRequestSchema, response: ModelActionResultSchema },
  'parley:models-pause': { request: ModelIdRequestSchema, response: ModelActionResultSchema },
  'parley:models-resume': { request: ModelIdRequestSchema, response: ModelActionResultSchema },
  'parley:models-cancel': { request: ModelIdRequestSchema, response: ModelActionResultSchema },
  'parley:models-remove': { request: ModelIdRequestSchema, response: ModelActionResultSchema },
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type InvokeRequest<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;

export function isInvokeChannel(name: string): name is InvokeChannel {
  return name.startsWith(IPC_PREFIX) && Object.hasOwn(invokeChannels, name);
}

/** The one object the preload exposes as `window.parley`. */
export interface ParleyApi {
  getEngineInfo(): Promise<EngineInfo>;
  listProviders(): Promise<ProviderInfo[]>;
  getSettings(): Promise<z.infer<typeof SettingsSchema>>;
  updateSettings(settings: z.infer<typeof SettingsSchema>): Promise<z.infer<typeof SettingsSchema>>;
  keyStatus(): Promise<KeyStatuses>;
  setKey(name: (typeof KEY_NAMES)[number], value: string): Promise<KeyStatuses>;
  deleteKey(name: (typeof KEY_NAMES)[number]): Promise<KeyStatuses>;
  testKey(name: (typeof KEY_NAMES)[number]): Promise<{ ok: true } | { ok: false; error: z.infer<typeof ErrorInfoSchema> }>;
  serverLogs(): Promise<{ running: boolean; lines: string[] }>;
  listModels(): Promise<ModelsList>;
  modelsProgress(): Promise<TransferStatus[]>;
  pullModel(id: string, sha256?: string): Promise<ModelActionResult>;
  importModel(request: ModelImportRequest): Promise<ModelActionResult>;
  pauseModel(id: string): Promise<ModelActionResult>;
  resumeModel(id: string): Promise<ModelActionResult>;
  cancelModel(id: string): Promise<ModelActionResult>;
  removeModel(id: string): Promise<ModelActionResult>;
}

/** Builds window.parley from one `invoke` (Electron IPC in the preload, a WebSocket when served). */
export function createParleyApi(invoke: <C extends InvokeChannel>(channel: C, payload?: unknown) => Promise<InvokeResponse<C>>): ParleyApi {
  return {
    getEngineInfo: () => invoke('parley:engine-info'),
    listProviders: () => invoke('parley:providers'),
    getSettings: () => invoke('parley:settings-get'),
    updateSettings: (settings) => invoke('parley:settings-update', settings),
    keyStatus: () => invoke('parley:keys-status'),
    setKey: (name, value) => invoke('parley:key-set', { name, value }),
    deleteKey: (name) => invoke('parley:key-delete', { name }),
    testKey: (name) => invoke('parley:key-test', { name }),
    serverLogs: () => invoke('parley:server-logs'),
    listModels: () => invoke('parley:models-list'),
    modelsProgress: () => invoke('parley:models-progress'),
    pullModel: (id, sha256) => invoke('parley:models-pull', sha256 ? { id, sha256 } : { id }),
    importModel: (request) => invoke('parley:models-import', request),
    pauseModel: (id) => invoke('parley:models-pause', { id }),
    resumeModel: (id) => invoke('parley:models-resume', { id }),
    cancelModel: (id) => invoke('parley:models-cancel', { id }),
    removeModel: (id) => invoke('parley:models-remove', { id }),
  };
}
