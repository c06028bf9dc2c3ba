import type { ParleyError } from '../../errors.js';

/** What a speech-to-speech model tells us, as one tagged union (Moshi, OpenAI Realtime). */
export type S2sEvent =
  /** The model is ready for audio (Moshi's handshake, Realtime's session.updated). */
  | { type: 'ready' }
  /** Model speech, decoded to mono float PCM at the client's sampleRate. */
  | { type: 'audio'; samples: Float32Array }
  /** The model's words as they come (Moshi text tokens, Realtime transcript deltas). */
  | { type: 'text'; text: string }
  /** What the user said, when the model transcribes it (Realtime). */
  | { type: 'user-transcript'; text: string; final: boolean }
  /** The model's own turn detection (Realtime server VAD); Moshi has none (full duplex). */
  | { type: 'user-speech'; phase: 'started' | 'stopped' }
  /** A model response finished (Realtime); `interrupted` when it was cut off. */
  | { type: 'response-done'; interrupted: boolean }
  | { type: 'notice'; message: string }
  /** A fault; `fatal` ones end the connection. */
  | { type: 'error'; error: ParleyError; fatal: boolean };

export interface S2sConnectOptions {
  signal?: AbortSignal;
  /** Instructions / system prompt, where the model takes one (Realtime). */
  instructions?: string;
  /** Earlier conversation as text, where the model accepts it (Realtime); Moshi ignores it. */
  history?: { role: 'user' | 'assistant'; text: string }[];
}

/** One full-duplex model connection: audio in continuously, audio and text out. */
export interface S2sClient {
  readonly id: string;
  readonly displayName: string;
  /** Rate of the audio pushed in and of the audio events out. */
  readonly sampleRate: number;
  /** Whether earlier conversation can be given as text (Moshi: no). */
  readonly acceptsTextHistory: boolean;
  /**
   * Audio arrives at the pace it plays (Moshi: one frame per frame heard), so a growing backlog
   * means the model fell behind and is skipped. Realtime streams answers faster than real time.
   */
  readonly paced: boolean;
  /** Whether the model transcribes the user (Realtime: yes; Moshi: no, the UI shows speaking activity). */
  readonly transcribesUser: boolean;
  connect(options?: S2sConnectOptions): Promise<void>;
  /** Microphone audio at sampleRate, streamed continuously (no gating). */
  pushAudio(samples: Float32Array): void;
  /**
   * Turn-based models (Realtime): the user spoke over the answer; stop it and keep only the
   * `playedMs` that was heard. Full-duplex models (Moshi) have none: they handle overlap themselves.
   */
  interrupt?(playedMs: number): void;
  events(): AsyncIterable<S2sEvent>;
  close(): Promise<void>;
  /**
   * A new, unconnected client with the same settings, to reconnect after a dropped or stalled call
   * (a client is one connection: its event stream ends with it). Without it a drop ends the session.
   */
  reopen?(): S2sClient;
}
