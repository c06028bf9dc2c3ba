import { z } from 'zod';

/** The settings file's format version; bump it and add a migration when the shape changes. */
export const SETTINGS_VERSION = 1;

export const DEFAULT_SYSTEM_PROMPT = 'You are Parley, a friendly voice assistant. Answer briefly, in plain spoken sentences.';

const ProviderSettingsSchema = z.record(z.string(), z.unknown());

/**
 * Everything the user can set (API keys excluded: they live in the SecretStore and never reach the
 * renderer). Each provider keeps its own settings, so switching back and forth loses nothing.
 */
export const SettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  architecture: z.enum(['cascade', 's2s']).default('cascade'),
  cascade: z
    .object({
      stt: z.string().default('deepgram'),
      llm: z.string().default('openai'),
      tts: z.string().default('openai'),
      fallbackLlm: z.string().optional(),
      fallbackTts: z.string().optional(),
    })
    .prefault({}),
  /**
   * Per kind, per provider id: that provider's settings. The engine checks each changed entry
   * against the provider's registry schema when saved, and parses it again when the provider is used.
   */
  providers: z
    .object({
      stt: z.record(z.string(), ProviderSettingsSchema).default(() => ({})),
      llm: z.record(z.string(), ProviderSettingsSchema).default(() => ({})),
      tts: z.record(z.string(), ProviderSettingsSchema).default(() => ({})),
      s2s: z.record(z.string(), ProviderSettingsSchema).default(() => ({})),
    })
    .prefault({}),
  /**
   * Speech-to-speech: which model answers when the architecture is 's2s', and whether the user's
   * words are transcribed by the cascade's STT for models that give no transcript (Moshi).
   */
  s2s: z.object({ provider: z.string().default('moshi'), transcribeUser: z.boolean().default(false) }).prefault({}),
  systemPrompt: z.string().max(20_000).default(DEFAULT_SYSTEM_PROMPT),
  toolsEnabled: z.boolean().default(true),
  /** Offline only: the engine refuses cloud providers (files saved before this setting read as false). */
  offlineOnly: z.boolean().default(false),
  turnTaking: z
    .object({
      /** Speech probability that starts the user's speech (0.1-0.95). */
      vadThreshold: z.number().min(0.1).max(0.95).default(0.5),
      /** Silence that ends the user's turn in 'silence' mode, in ms. */
      minSilenceMs: z.number().int().min(100).max(3000).default(300),
      bargeIn: z.boolean().default(true),
      /**
       * How the end of the user's turn is judged. 'semantic': the words (and Smart Turn when its model
       * is installed, and the STT's own turn signal) decide how long to wait after speech; 'silence':
       * every pause of minSilenceMs ends the turn.
       */
      endOfTurn: z.enum(['semantic', 'silence']).default('semantic'),
      /** Semantic: wait after speech when the signals agree the turn is complete, in ms. */
      completeWaitMs: z.number().int().min(0).max(2000).default(200),
      /** Semantic: wait when the signals are unsure, in ms. */
      uncertainWaitMs: z.number().int().min(100).max(5000).default(800),
      /** Semantic: the longest wait, when the words sound unfinished ("a flight to"), in ms. */
      maxWaitMs: z.number().int().min(500).max(10_000).default(3000),
      /** Start the reply on settled words before the end of turn is confirmed (kept only if the words stay the same). */
      preemptive: z.boolean().default(true),
      /** Use the Smart Turn audio model at each pause when it is installed. */
      smartTurn: z.boolean().default(true),
      /** Speech over Parley (with real words, not "mm-hmm") that cuts its reply, in ms; shorter only pauses it. */
      minInterruptionMs: z.number().int().min(100).max(3000).default(500),
      /** After words over Parley, how long its paused reply waits for your turn before it resumes, in ms. */
      falseInterruptionMs: z.number().int().min(300).max(10_000).default(2000),
    })
    .prefault({}),
  audio: z.object({ inputDeviceId: z.string().optional(), outputDeviceId: z.string().optional() }).prefault({}),
  mode: z.enum(['hands-free', 'push-to-talk']).default('hands-free'),
  pushToTalkShortcut: z.string().min(1).max(64).default('CommandOrControl+Shift+Space'),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** Fresh defaults: objects default by parsing {} (their fields' defaults), records by a factory, so no two parses share one object. */
export function defaultSettings(): Settings {
  return SettingsSchema.parse({ version: SETTINGS_VERSION });
}

/** What the renderer may know about a key. */
/** `wrong-host`: a key exists, but for another host than the one the settings now name (it is not sent there). */
export const KeyStatusSchema = z.enum(['set', 'not-set', 'wrong-host']);
export type KeyStatus = z.infer<typeof KeyStatusSchema>;
