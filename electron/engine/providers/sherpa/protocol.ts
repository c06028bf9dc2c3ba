import { z } from 'zod';
import type { ErrorCode } from '../../../shared/errors.js';

/**
 * Two layers. Below: the messages of SherpaWorker (worker-core.ts), which name a model by `key`
 * (loaded once per process), a recognition stream by `stream` and a synthesis by `job`; every
 * event names the one it belongs to. Above: the calls the worker module (sherpa-worker.ts) offers
 * a local inference process (engine/local), each a cancellable request that streams items; their
 * params and items are checked with the schemas at the end of this file.
 */

/** What sherpa-onnx's OnlineRecognizer needs (paths already resolved and checked by the parent). */
export interface SttModelSpec {
  kind: 'stt';
  /** Catalog id, for messages. */
  modelId: string;
  transducer: { encoder: string; decoder: string; joiner: string };
  tokens: string;
  numThreads: number;
  /** ONNX Runtime execution provider. */
  provider: 'cpu' | 'cuda' | 'coreml';
  /** Endpointing (seconds): trailing silence after words (rule 2), with no words (rule 1), longest utterance (rule 3). */
  endpoint: { rule1: number; rule2: number; rule3: number };
  /**
   * An offline recognizer (Moonshine) that transcribes each utterance again when it ends: its text
   * is the final, the streaming model's words stay the partials.
   */
  secondPass?: { modelId: string; preprocessor: string; encoder: string; uncachedDecoder: string; cachedDecoder: string; tokens: string };
}

export interface TtsModelSpec {
  kind: 'tts';
  modelId: string;
  /** sherpa-onnx OfflineTts `model` config: one of vits, kokoro, matcha, kitten, pocket with its files. */
  model: Record<string, unknown>;
  numThreads: number;
  /** ONNX Runtime execution provider. */
  provider: 'cpu' | 'cuda' | 'coreml';
  /** A voice to imitate (Pocket TTS speaks in the voice of a reference recording). */
  referenceWav?: string;
}

export type SherpaRequest =
  | { type: 'load'; key: string; spec: SttModelSpec | TtsModelSpec }
  /** Open a recognition stream on a loaded STT model. */
  | { type: 'stt-open'; stream: number; key: string }
  /** Accept audio (mono float at `sampleRate`) and decode every chunk that is ready. */
  | { type: 'stt-accept'; stream: number; samples: Float32Array; sampleRate: number }
  /** Decode everything accepted so far (tail padding included), emit it as a final and start afresh. */
  | { type: 'stt-decode-final'; stream: number }
  | { type: 'stt-close'; stream: number }
  /** Speak one sentence; audio comes back as it is generated. */
  | { type: 'tts-synthesize'; job: number; key: string; text: string; sid: number; speed: number }
  /** Stop a synthesis now (its remaining audio is dropped). */
  | { type: 'cancel'; job: number };

export type SherpaEvent =
  | { type: 'loaded'; key: string; sampleRate: number; numSpeakers: number }
  | { type: 'partial'; stream: number; text: string }
  /** `endpoint`: the recognizer's own endpoint rule fired (else a decode-final asked for it). */
  | { type: 'final'; stream: number; text: string; endpoint: boolean }
  | { type: 'audio'; job: number; samples: Float32Array; sampleRate: number; progress: number }
  | { type: 'synthesized'; job: number; cancelled: boolean }
  /** A fault, tied to what failed (a model key, a stream or a job). */
  | { type: 'error'; key?: string; stream?: number; job?: number; code: ErrorCode; message: string };

// ---------- The worker module's calls (engine/local protocol payloads) ----------

const specOf = <K extends 'stt' | 'tts'>(kind: K) =>
  z.custom<K extends 'stt' ? SttModelSpec : TtsModelSpec>((v) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === kind && typeof (v as { modelId?: unknown }).modelId === 'string', { message: `a ${kind} model spec` });

/**
 * `stt`: loads the model (once per key in the process), opens a recognition stream, emits
 * `opened` with its id, then its partials and finals until the call is cancelled (close).
 */
export const SttCallSchema = z.object({ key: z.string().min(1), spec: specOf('stt') });
/** `sttAccept`: audio for stream `stream`, decoded before the call returns null (the engine bounds what is in flight). */
export const SttAcceptSchema = z.object({ stream: z.number().int(), samples: z.instanceof(Float32Array), sampleRate: z.number().int().positive() });
/** `sttDecodeFinal`: the words so far as a final (endpoint false) on the stream's `stt` call. */
export const SttDecodeFinalSchema = z.object({ stream: z.number().int() });
/** `synthesize`: loads the voice (once per key), speaks one sentence as `audio` items; result `{cancelled}`. Cancel stops it at its next chunk. */
/** Loads a voice ahead of its first sentence (a session starting). */
export const LoadVoiceSchema = z.object({ key: z.string().min(1), spec: specOf('tts') });
export const SynthesizeSchema = z.object({ key: z.string().min(1), spec: specOf('tts'), text: z.string(), sid: z.number().int().min(0), speed: z.number().positive() });

export const SttItemSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('opened'), stream: z.number().int() }),
  z.object({ type: z.literal('partial'), text: z.string() }),
  z.object({ type: z.literal('final'), text: z.string(), endpoint: z.boolean() }),
]);
export type SttItem = z.infer<typeof SttItemSchema>;
export const TtsItemSchema = z.object({ type: z.literal('audio'), samples: z.instanceof(Float32Array), sampleRate: z.number().int().positive() });
export type TtsItem = z.infer<typeof TtsItemSchema>;
export const SynthesizeResultSchema = z.object({ cancelled: z.boolean() });
