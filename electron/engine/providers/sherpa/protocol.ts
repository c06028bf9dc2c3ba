import type { ErrorCode } from '../../../shared/errors.js';

/**
 * The messages between Parley and the sherpa-onnx inference worker. Plain structured-clone data
 * (Float32Array included), so the same protocol runs in-process (unit tests), over a child
 * process's IPC channel (the CLI and `parley serve`) or over an Electron utilityProcess port.
 *
 * Requests name a model by `key` (loaded once per worker), a recognition stream by `stream` and a
 * synthesis by `job`; every event names the one it belongs to.
 */

/** What sherpa-onnx's OnlineRecognizer needs (paths already resolved and checked by the parent). */
export interface SttModelSpec {
  kind: 'stt';
  /** Catalog id, for messages. */
  modelId: string;
  transducer: { encoder: string; decoder: string; joiner: string };
  tokens: string;
  numThreads: number;
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
  /** Audio of an stt-accept has been decoded (the parent bounds what is still in flight). */
  | { type: 'accepted'; stream: number; samples: number }
  /** `endpoint`: the recognizer's own endpoint rule fired (else a decode-final asked for it). */
  | { type: 'final'; stream: number; text: string; endpoint: boolean }
  | { type: 'audio'; job: number; samples: Float32Array; sampleRate: number; progress: number }
  | { type: 'synthesized'; job: number; cancelled: boolean }
  /** A fault, tied to what failed (a model key, a stream or a job). */
  | { type: 'error'; key?: string; stream?: number; job?: number; code: ErrorCode; message: string };

/** Requests that are pure data, so any transport can carry them. */
export function isSherpaEvent(value: unknown): value is SherpaEvent {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
