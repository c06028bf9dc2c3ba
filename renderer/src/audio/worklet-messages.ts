// Messages between the audio worklets (audio thread) and the page. Types only: the worklets are
// bundled on their own and import nothing at run time.

/** Capture worklet -> page: 20 ms of microphone audio as Int16 PCM, and its level (RMS, 0-1). */
export interface CaptureFrame {
  pcm: ArrayBuffer;
  level: number;
}

/** Page -> playout worklet. */
export type PlayoutCommand =
  | { type: 'block'; epoch: number; block: number; samples: Float32Array }
  | { type: 'control'; op: 'flush' | 'pause' | 'resume'; epoch: number };

/** Playout worklet -> page. `samples`: played in this epoch; level: RMS of what was just played. */
export type PlayoutReport =
  | { type: 'block-started'; epoch: number; block: number }
  | { type: 'played'; epoch: number; samples: number; drained: boolean; level: number };
