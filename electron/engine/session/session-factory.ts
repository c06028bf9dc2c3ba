import type { DeviceInfo } from '../../shared/conversation.js';
import type { Settings } from '../../shared/settings.js';
import type { AudioSink } from '../audio/playout.js';
import type { EngineEvent, ConversationState } from '../events/conversation-events.js';
import { CascadeSession, type TurnAudioScorer, type TurnTakingOptions } from '../cascade/session.js';
import type { Clock } from '../clock.js';
import type { ParleyError } from '../errors.js';
import { createProvider, findProvider, keyNameOf, resolveProvider, type ProviderKind } from '../providers/registry.js';
import type { ChatMessage } from '../providers/types.js';
import { S2sSession } from '../s2s/session.js';
import { keyForEndpoint, readBoundKey } from '../settings/key-binding.js';
import type { SecretStore } from '../settings/secret-store.js';
import { TimerService, builtinTools } from '../tools/builtins.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import type { Spawner } from '../local/spawner.js';
import type { TranscriptLog } from '../events/transcript.js';

export type Architecture = Settings['architecture'];

/** What the embedded engines (llama.cpp, ...) need from the app. */
export interface LocalInference {
  spawner?: Spawner;
  modelsDir?: string;
}

/** What the app needs of either architecture's session. */
export interface LiveSession {
  readonly conversationState: ConversationState;
  start(): Promise<void>;
  pushAudio(samples: Float32Array): Promise<void>;
  /** Push-to-talk released, or muted: the user's speech ends now (no-op for full duplex). */
  endUserSpeech(): Promise<void>;
  /** The stop-talking button. */
  interruptReply(): boolean;
  subscribe(listener: (e: EngineEvent) => void): () => void;
  stop(): Promise<void>;
  /** The conversation so far, for the next session. */
  conversation(): ChatMessage[];
  /** A fault that ended the session (a dropped model connection), if any. */
  readonly failure?: ParleyError;
}

export interface SessionDeps<S extends AudioSink> {
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** A VAD model for this session alone (it is recurrent: never shared by two live sessions). */
  vad: () => SpeechProbabilityModel;
  /** Where the voice goes, at the rate the TTS or model speaks. */
  sinkAt: (rate: number) => S;
  history: ChatMessage[];
  log?: TranscriptLog;
  warn?: (message: string) => void;
  notice?: (message: string) => void;
  /** A local model loaded: where it runs. */
  device?: (device: DeviceInfo) => void;
  /** The installed audio turn model (Smart Turn), if any. */
  turnModel?: () => Promise<TurnAudioScorer | undefined>;
  /** Local inference: how its processes start (utilityProcess in the app) and where installed models live. */
  local?: LocalInference;
  /** Runs before a speech-to-speech model is connected (e.g. start its local server). */
  beforeS2s?: (resolved: { id: string; settings: Record<string, unknown> }) => Promise<void>;
}

export interface BuiltSession<S extends AudioSink> {
  architecture: Architecture;
  session: LiveSession;
  sink: S;
  timers: TimerService;
  /** By role: stt/llm/tts, or s2s. */
  providers: Record<string, string>;
  /** Full-duplex models need audio all the time (gated audio becomes silence). */
  continuous: boolean;
  /** The conversation so far reaches the model (Moshi takes no text: it starts fresh). */
  carriesHistory: boolean;
}

/**
 * Builds the session of an architecture from saved settings and keys: providers resolved first (a
 * missing key or bad endpoint is the error the user sees, before any model loads), then the VAD
 * and the sink. Used by the app's live conversation and by the side-by-side comparison.
 */
export async function createLiveSession<S extends AudioSink>(settings: Settings, architecture: Architecture, deps: SessionDeps<S>): Promise<BuiltSession<S>> {
  const resolve = async <K extends ProviderKind>(kind: K, id: string) => {
    // Keys are stored by service (OPENAI -> 'openai'), shared by that service's providers, and
    // sent only to the host each was saved for (or, from the environment, one it names).
    const descriptor = findProvider(kind, id);
    const name = keyNameOf(descriptor);
    const stored = await readBoundKey(deps.secrets, name);
    return resolveProvider(kind, id, settings.providers[kind][id] ?? {}, deps.env, (baseUrl) => {
      const key = keyForEndpoint(name, stored, baseUrl, deps.env, id);
      if (key.state === 'wrong-host' && descriptor.requiresKey) throw key.error;
      return key.state === 'set' ? key.key : undefined;
    });
  };
  const timers = new TimerService((t) => deps.notice?.(`Timer '${t.label}' finished.`), deps.clock);
  const tools = settings.toolsEnabled ? builtinTools(timers) : undefined;
  const context = {
    clock: deps.clock,
    log: (m: string) => deps.warn?.(m),
    ...(deps.device ? { device: deps.device } : {}),
    tools,
    offlineOnly: settings.offlineOnly,
    ...(deps.local?.spawner ? { localSpawner: deps.local.spawner } : {}),
    ...(deps.local?.modelsDir ? { modelsDir: deps.local.modelsDir } : {}),
  };
  const vadOptions = { activationThreshold: settings.turnTaking.vadThreshold, minSilenceMs: settings.turnTaking.minSilenceMs };
  try {
    if (architecture === 's2s') {
      const resolved = await resolve('s2s', settings.s2s.provider);
      await deps.beforeS2s?.({ id: resolved.descriptor.id, settings: resolved.settings });
      const client = createProvider(resolved, context);
      // Optional: the cascade's STT transcribes the user for a model that does not (Moshi).
      const stt = settings.s2s.transcribeUser && !client.transcribesUser ? createProvider(await resolve('stt', settings.cascade.stt), context) : undefined;
      const sink = deps.sinkAt(client.sampleRate);
      const session = new S2sSession({
        client,
        ...(stt ? { stt } : {}),
        vad: deps.vad(),
        sink,
        clock: deps.clock,
        log: deps.log,
        instructions: settings.systemPrompt,
        history: deps.history.flatMap((m) => ((m.role === 'user' || m.role === 'assistant') && m.content ? [{ role: m.role, text: m.content }] : [])),
        vadOptions,
      });
      return { architecture, session, sink, timers, providers: { s2s: resolved.descriptor.id }, continuous: true, carriesHistory: client.acceptsTextHistory };
    }
    const sttR = await resolve('stt', settings.cascade.stt);
    const llmR = await resolve('llm', settings.cascade.llm);
    const ttsR = await resolve('tts', settings.cascade.tts);
    const fallbackLlm = settings.cascade.fallbackLlm ? createProvider(await resolve('llm', settings.cascade.fallbackLlm), context) : undefined;
    const fallbackTts = settings.cascade.fallbackTts ? createProvider(await resolve('tts', settings.cascade.fallbackTts), context) : undefined;
    const tts = createProvider(ttsR, context);
    const semantic = settings.turnTaking.endOfTurn === 'semantic';
    const smartTurn = semantic && settings.turnTaking.smartTurn ? await deps.turnModel?.() : undefined;
    const sink = deps.sinkAt(tts.sampleRate);
    const session = new CascadeSession({
      stt: createProvider(sttR, context),
      llm: createProvider(llmR, context),
      tts,
      ...(fallbackLlm ? { fallbackLlm } : {}),
      ...(fallbackTts ? { fallbackTts } : {}),
      vad: deps.vad(),
      sink,
      tools,
      systemPrompt: settings.systemPrompt,
      clock: deps.clock,
      log: deps.log,
      history: deps.history,
      ...(smartTurn ? { smartTurn } : {}),
      turnTaking: { vad: { activationThreshold: vadOptions.activationThreshold }, endOfTurn: endOfTurnOptions(settings.turnTaking), bargeIn: settings.turnTaking.bargeIn ? { confirmMs: settings.turnTaking.minInterruptionMs, confirmWithoutWordsMs: Math.max(1000, settings.turnTaking.minInterruptionMs), falseInterruptionMs: settings.turnTaking.falseInterruptionMs } : false },
    });
    return { architecture, session, sink, timers, providers: { stt: sttR.descriptor.id, llm: llmR.descriptor.id, tts: ttsR.descriptor.id }, continuous: false, carriesHistory: true };
  } catch (e) {
    timers.dispose();
    throw e;
  }
}

/** The saved turn-taking settings as the turn detector's options (waits kept in order: complete <= unsure <= longest). */
export function endOfTurnOptions(t: Settings['turnTaking']): NonNullable<TurnTakingOptions['endOfTurn']> {
  if (t.endOfTurn === 'silence') {
    return { semantics: false, completeWaitMs: t.minSilenceMs, uncertainWaitMs: t.minSilenceMs, incompleteWaitMs: Math.max(t.minSilenceMs, 3000), preemptive: t.preemptive };
  }
  const uncertainWaitMs = t.uncertainWaitMs;
  return { completeWaitMs: Math.min(t.completeWaitMs, uncertainWaitMs), uncertainWaitMs, incompleteWaitMs: Math.max(t.maxWaitMs, uncertainWaitMs), preemptive: t.preemptive };
}
