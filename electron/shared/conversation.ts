import { z } from 'zod';
import { ErrorInfoSchema } from './errors.js';

/**
 * The live conversation between the UI and the engine: JSON control messages both ways, audio as
 * binary frames (never JSON). One contract for both transports: a MessagePort in Electron (preload
 * <-> main) and the `/conversation` WebSocket of `parley serve`.
 *
 * Binary frames start with a 4-byte header (byte 0 = kind) so the Int16 samples that follow stay
 * aligned; multi-byte fields are little-endian, samples are Int16 little-endian mono.
 *   microphone (UI -> engine): [1,0,0,0] + samples at the rate given in `start`
 *   playback   (engine -> UI): [2,0,0,0][epoch u32][block u32] + samples at the session's playbackRate
 */
export const AUDIO_FRAME = { microphone: 1, playback: 2 } as const;
const MIC_HEADER = 4;
const PLAYBACK_HEADER = 12;
/** Largest audio frame either side accepts (about 2.7 s at 24 kHz). */
export const MAX_AUDIO_FRAME_BYTES = 1 << 17;

export function encodeMicrophoneFrame(samples: Int16Array): ArrayBuffer {
  const buffer = new ArrayBuffer(MIC_HEADER + samples.byteLength);
  new Uint8Array(buffer)[0] = AUDIO_FRAME.microphone;
  new Int16Array(buffer, MIC_HEADER).set(samples);
  return buffer;
}

export function encodePlaybackFrame(epoch: number, block: number, samples: Int16Array): ArrayBuffer {
  const buffer = new ArrayBuffer(PLAYBACK_HEADER + samples.byteLength);
  const view = new DataView(buffer);
  view.setUint8(0, AUDIO_FRAME.playback);
  view.setUint32(4, epoch, true);
  view.setUint32(8, block, true);
  new Int16Array(buffer, PLAYBACK_HEADER).set(samples);
  return buffer;
}

export type AudioFrame = { kind: 'microphone'; samples: Int16Array } | { kind: 'playback'; epoch: number; block: number; samples: Int16Array };

/** Parses a binary frame; throws on anything malformed (unknown kind, odd length, too big). */
export function decodeAudioFrame(data: ArrayBuffer | Uint8Array): AudioFrame {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength > MAX_AUDIO_FRAME_BYTES) throw new Error(`audio frame too large (${bytes.byteLength} bytes)`);
  const kind = bytes[0];
  const header = kind === AUDIO_FRAME.microphone ? MIC_HEADER : kind === AUDIO_FRAME.playback ? PLAYBACK_HEADER : -1;
  if (header < 0) throw new Error(`unknown audio frame kind ${kind ?? 'none'}`);
  if (bytes.byteLength < header || (bytes.byteLength - header) % 2 !== 0) throw new Error('truncated audio frame');
  // Copy into a fresh, aligned buffer (the incoming view may sit at any offset of a larger one).
  const samples = new Int16Array(bytes.slice(header).buffer);
  if (kind === AUDIO_FRAME.microphone) return { kind: 'microphone', samples };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { kind: 'playback', epoch: view.getUint32(4, true), block: view.getUint32(8, true), samples };
}

export const ConversationStateSchema = z.enum(['listening', 'user-speaking', 'thinking', 'assistant-speaking']);
export type ConversationState = z.infer<typeof ConversationStateSchema>;
export const StageSchema = z.enum(['vad', 'stt', 'llm', 'tts', 'tool', 'playback', 's2s', 'session']);
export const LatencyMarkSchema = z.enum(['speechEnd', 'endOfTurn', 'sttFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstByte', 'firstAudioPlayed']);
export type LatencyMarkName = z.infer<typeof LatencyMarkSchema>;

/**
 * How the user's turn was judged over (cascade): which signal decided (`semantics`, `smart-turn`,
 * `provider`, joined with +; or `silence`, `incomplete-timeout`, `user-done`), the verdict, the
 * wait after the speech ended (ms), and whether a reply prepared before the decision was used.
 */
export const TurnDecisionSchema = z.object({
  by: z.string().max(64),
  turnClass: z.enum(['complete', 'uncertain', 'incomplete', 'forced']),
  delayMs: z.number(),
  preempted: z.boolean(),
  /** Where the user's speech ended in the input stream (ms). Older reports carried it here. */
  speechEndStreamMs: z.number().optional(),
});
export type TurnDecision = z.infer<typeof TurnDecisionSchema>;

export const LatencyReportSchema = z.object({
  spans: z.partialRecord(LatencyMarkSchema, z.number()),
  voiceToVoiceMs: z.number().optional(),
  originAt: z.number().optional(),
  overlapMs: z.number().optional(),
  decision: TurnDecisionSchema.optional(),
  /** Where the user's speech ended in the input stream (ms from its start), both architectures. */
  speechEndStreamMs: z.number().optional(),
});

/**
 * Where the speech-to-text connection stands, so the UI can show the truth instead of "Listening":
 * connecting; retrying (the next attempt, number `attempt` in a row, in `inMs`; audio is kept);
 * ok; stopped (it will not come back this session: `error` says why and what to fix).
 */
export const SttStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('connecting') }),
  z.object({ state: z.literal('ok') }),
  z.object({ state: z.literal('retrying'), attempt: z.number().int().min(1), inMs: z.number().min(0), reason: ErrorInfoSchema }),
  z.object({ state: z.literal('stopped'), error: ErrorInfoSchema }),
]);
export type SttStatus = z.infer<typeof SttStatusSchema>;

/**
 * Where a stage's local model actually runs, as its engine found it when it loaded (llama.cpp: the
 * backend, the GPU names, the CPU threads, and why a GPU that was asked for is not used).
 */
export const DeviceInfoSchema = z.object({
  stage: StageSchema,
  provider: z.string().max(100),
  /** The setting: auto, off, or a GPU backend. */
  requested: z.string().max(32),
  /** 'cpu', 'cuda', 'vulkan' or 'metal'. */
  backend: z.string().max(32),
  deviceNames: z.array(z.string().max(200)).max(16),
  threads: z.number().int().nonnegative(),
  fallback: z.string().max(1000).optional(),
});
export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;

/** The cascade's events as they cross to the UI (errors as ErrorInfo). */
export const ConversationEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), state: ConversationStateSchema }),
  z.object({ type: z.literal('user-partial'), text: z.string() }),
  z.object({ type: z.literal('user-final'), turnId: z.number(), text: z.string() }),
  z.object({ type: z.literal('assistant-chunk'), turnId: z.number(), text: z.string() }),
  z.object({ type: z.literal('assistant-done'), turnId: z.number(), text: z.string(), interrupted: z.boolean() }),
  z.object({ type: z.literal('tool-call'), turnId: z.number(), call: z.object({ id: z.string(), name: z.string(), arguments: z.unknown() }) }),
  z.object({ type: z.literal('tool-result'), turnId: z.number(), callId: z.string(), name: z.string(), ok: z.boolean(), content: z.string() }),
  z.object({ type: z.literal('barge-in'), turnId: z.number(), phase: z.enum(['suspected', 'confirmed', 'released']) }),
  z.object({
    type: z.literal('latency'),
    turnId: z.number(),
    report: LatencyReportSchema,
  }),
  z.object({ type: z.literal('error'), stage: StageSchema, error: ErrorInfoSchema, turnId: z.number().optional() }),
  z.object({ type: z.literal('notice'), message: z.string() }),
  /** `provider`: the STT service's name for people (e.g. "Deepgram"). */
  z.object({ type: z.literal('stt-status'), provider: z.string().max(100), status: SttStatusSchema }),
  /** A local model loaded: where it runs (sent by the host when the engine reports it). */
  z.object({ type: z.literal('device'), device: DeviceInfoSchema }),
]);
export type ConversationEvent = z.infer<typeof ConversationEventSchema>;

export const ConversationModeSchema = z.enum(['hands-free', 'push-to-talk']);

/** UI -> engine. */
export const ConversationCommandSchema = z.discriminatedUnion('type', [
  /** Start listening; `inputRate` is the rate of the microphone frames that follow. */
  z.object({ type: z.literal('start'), inputRate: z.number().int().min(8000).max(192000) }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('mute'), muted: z.boolean() }),
  /** Push-to-talk: pressed = the user talks; released = the turn is over, answer now. */
  z.object({ type: z.literal('talk'), pressed: z.boolean() }),
  /** The stop-talking button: cut the assistant off as a barge-in would. */
  z.object({ type: z.literal('interrupt') }),
  /** Replay the last user utterance through both architectures, side by side. */
  z.object({ type: z.literal('compare') }),
  /** Playback progress from the UI's player: the engine's AudioSink is only as true as these. */
  z.object({ type: z.literal('block-started'), epoch: z.number().int().nonnegative(), block: z.number().int().nonnegative() }),
  z.object({ type: z.literal('played'), epoch: z.number().int().nonnegative(), samples: z.number().int().nonnegative(), drained: z.boolean() }),
]);
export type ConversationCommand = z.infer<typeof ConversationCommandSchema>;

export const SessionStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('idle') }),
  z.object({ state: z.literal('starting') }),
  z.object({
    state: z.literal('running'),
    architecture: z.enum(['cascade', 's2s']),
    /** By role: stt/llm/tts for the cascade, s2s for speech-to-speech. */
    providers: z.record(z.string(), z.string()),
    /** Rate of the playback frames (the TTS's native rate; the UI's player runs at it). */
    playbackRate: z.number().int(),
    mode: ConversationModeSchema,
    muted: z.boolean(),
    /** Push-to-talk is held (from the UI or the global shortcut). */
    talking: z.boolean(),
  }),
  /** Could not start (or stopped on a fault): the error says what to fix. */
  z.object({ state: z.literal('failed'), error: ErrorInfoSchema }),
]);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

export const CompareResultSchema = z.object({
  architecture: z.enum(['cascade', 's2s']),
  providers: z.record(z.string(), z.string()),
  user: z.string(),
  assistant: z.string(),
  latency: LatencyReportSchema.optional(),
  error: ErrorInfoSchema.optional(),
});
export type CompareResult = z.infer<typeof CompareResultSchema>;

/** Engine -> UI. */
export const ConversationMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('compare'),
    state: z.enum(['running', 'done', 'failed']),
    /** Length of the replayed utterance. */
    utteranceMs: z.number().optional(),
    results: z.array(CompareResultSchema).optional(),
    error: ErrorInfoSchema.optional(),
  }),
  z.object({ type: z.literal('session'), status: SessionStatusSchema }),
  /** `replayed`: sent again to a UI that (re)connected, to rebuild the transcript. */
  z.object({ type: z.literal('event'), event: ConversationEventSchema, replayed: z.boolean().optional() }),
  z.object({ type: z.literal('playback'), op: z.enum(['flush', 'pause', 'resume']), epoch: z.number().int().nonnegative() }),
  /**
   * Microphone audio arrived faster than real time (beyond a short catch-up burst) and was dropped:
   * running totals for this session, sent at the first drop and then at most once a second.
   */
  z.object({ type: z.literal('audio-dropped'), frames: z.number().int().nonnegative(), droppedMs: z.number().nonnegative() }),
]);
export type ConversationMessage = z.infer<typeof ConversationMessageSchema>;

/** The conversation as the renderer holds it: one per page, over either transport. */
export interface ConversationChannel {
  send(command: ConversationCommand): void;
  sendAudio(frame: ArrayBuffer): void;
  onMessage(listener: (message: ConversationMessage) => void): void;
  onAudio(listener: (frame: ArrayBuffer) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(): void;
}
