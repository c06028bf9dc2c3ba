import { concatFloat32 } from '../audio/pcm.js';
import { ParleyError } from '../errors.js';

/** Endpointer settings. All durations in milliseconds. */
export interface EndpointerOptions {
  /** Duration of one probability frame (32 ms for Silero at 16 kHz). */
  frameMs: number;
  /** A frame with probability >= this starts speech. Default 0.5. */
  activationThreshold?: number;
  /** While in speech, a frame below this counts as silence (hysteresis). Default activation - 0.15. */
  deactivationThreshold?: number;
  /** Speech shorter than this is reported as a misfire, not an utterance. Default 250 ms. */
  minSpeechMs?: number;
  /** Silence needed after speech before the utterance ends (hangover). Default 300 ms. */
  minSilenceMs?: number;
  /** Audio kept before the detected onset, so soft starts are not clipped. Default 200 ms. */
  preRollMs?: number;
}

export type ResolvedEndpointerOptions = Required<EndpointerOptions>;

export const DEFAULT_ENDPOINTER = {
  activationThreshold: 0.5,
  minSpeechMs: 250,
  minSilenceMs: 300,
  preRollMs: 200,
} as const;

/**
 * Endpointer events. Times are stream times in ms (from the first frame); `atMs` is the stream time
 * at which the decision was made (the end of the deciding frame), so `atMs - endMs` is the
 * endpointing delay.
 */
export type EndpointerEvent =
  | { type: 'speech-start'; startMs: number; atMs: number }
  | {
      type: 'speech-end';
      startMs: number;
      endMs: number;
      atMs: number;
      /** The utterance audio from `audioStartMs` (pre-roll included) to the decision. */
      audio?: Float32Array;
      audioStartMs?: number;
    }
  | { type: 'misfire'; startMs: number; endMs: number; atMs: number };

type State = 'silence' | 'pending' | 'speech';

/**
 * Turns per-frame speech probabilities into speech-start / speech-end events with hysteresis,
 * a minimum speech length, a silence hangover and pre-roll. Pure: no model, no clock; frame i
 * covers [i*frameMs, (i+1)*frameMs). Pass the frame's samples to get utterance audio.
 */
export class Endpointer {
  readonly options: ResolvedEndpointerOptions;
  private readonly minSpeechFrames: number;
  private readonly minSilenceFrames: number;
  private readonly preRollFrames: number;

  private state: State = 'silence';
  private frameIndex = 0;
  private onsetFrame = 0;
  private lastSpeechFrame = 0;
  private silenceRun = 0;
  /** Recent frames while silent (pre-roll), then the utterance's frames. */
  private preRoll: Float32Array[] = [];
  private utterance: Float32Array[] = [];
  private utteranceStartFrame = 0;

  constructor(options: EndpointerOptions) {
    const activationThreshold = options.activationThreshold ?? DEFAULT_ENDPOINTER.activationThreshold;
    const o: ResolvedEndpointerOptions = {
      frameMs: options.frameMs,
      activationThreshold,
      deactivationThreshold: options.deactivationThreshold ?? Math.max(0.01, activationThreshold - 0.15),
      minSpeechMs: options.minSpeechMs ?? DEFAULT_ENDPOINTER.minSpeechMs,
      minSilenceMs: options.minSilenceMs ?? DEFAULT_ENDPOINTER.minSilenceMs,
      preRollMs: options.preRollMs ?? DEFAULT_ENDPOINTER.preRollMs,
    };
    validate(o);
    this.options = o;
    this.minSpeechFrames = Math.max(1, Math.ceil(o.minSpeechMs / o.frameMs));
    this.minSilenceFrames = Math.max(1, Math.ceil(o.minSilenceMs / o.frameMs));
    this.preRollFrames = Math.ceil(o.preRollMs / o.frameMs);
  }

  get inSpeech(): boolean {
    return this.state === 'speech';
  }

  /** While in speech: how long the current silence has lasted (the hangover so far), in ms. */
  get silenceMs(): number {
    return this.state === 'speech' ? this.silenceRun * this.options.frameMs : 0;
  }

  /** Stream time of the next frame's start. */
  get positionMs(): number {
    return this.frameIndex * this.options.frameMs;
  }

  /** Feeds one frame's speech probability (and optionally its samples); returns any events. */
  process(probability: number, samples?: Float32Array): EndpointerEvent[] {
    if (!(probability >= 0 && probability <= 1)) {
      throw new ParleyError('audio/invalid-input', `speech probability must be in [0, 1], got ${probability}`);
    }
    const { activationThreshold, deactivationThreshold, frameMs } = this.options;
    const i = this.frameIndex++;
    const atMs = (i + 1) * frameMs;
    const events: EndpointerEvent[] = [];
    if (samples) this.keepAudio(samples);

    if (this.state === 'silence') {
      if (probability >= activationThreshold) {
        this.state = 'pending';
        this.onsetFrame = i;
        this.lastSpeechFrame = i;
        this.silenceRun = 0;
        this.beginUtterance(i);
      }
    } else if (probability >= deactivationThreshold) {
      this.lastSpeechFrame = i;
      this.silenceRun = 0;
    } else {
      this.silenceRun++;
    }

    if (this.state === 'pending') {
      if (this.lastSpeechFrame - this.onsetFrame + 1 >= this.minSpeechFrames) {
        this.state = 'speech';
        events.push({ type: 'speech-start', startMs: this.onsetFrame * frameMs, atMs });
      } else if (this.silenceRun >= this.minSilenceFrames) {
        events.push({ type: 'misfire', startMs: this.onsetFrame * frameMs, endMs: (this.lastSpeechFrame + 1) * frameMs, atMs });
        this.endUtterance();
      }
    } else if (this.state === 'speech' && this.silenceRun >= this.minSilenceFrames) {
      events.push(this.speechEnd(atMs));
    }
    return events;
  }

  /** Ends the stream: closes an open utterance (or reports a pending one as a misfire). */
  finish(): EndpointerEvent[] {
    const atMs = this.positionMs;
    const events: EndpointerEvent[] = [];
    if (this.state === 'speech') events.push(this.speechEnd(atMs));
    else if (this.state === 'pending') {
      const { frameMs } = this.options;
      events.push({ type: 'misfire', startMs: this.onsetFrame * frameMs, endMs: (this.lastSpeechFrame + 1) * frameMs, atMs });
      this.endUtterance();
    }
    return events;
  }

  reset(): void {
    this.state = 'silence';
    this.frameIndex = 0;
    this.silenceRun = 0;
    this.preRoll = [];
    this.utterance = [];
  }

  private speechEnd(atMs: number): EndpointerEvent {
    const { frameMs } = this.options;
    const event: EndpointerEvent = {
      type: 'speech-end',
      startMs: this.onsetFrame * frameMs,
      endMs: (this.lastSpeechFrame + 1) * frameMs,
      atMs,
    };
    if (this.utterance.length > 0) {
      event.audio = concatFloat32(this.utterance);
      event.audioStartMs = this.utteranceStartFrame * frameMs;
    }
    this.endUtterance();
    return event;
  }

  private keepAudio(samples: Float32Array): void {
    if (this.state === 'silence') {
      this.preRoll.push(samples);
      // One extra: the current frame is pushed before we know whether it starts speech.
      if (this.preRoll.length > this.preRollFrames + 1) this.preRoll.shift();
    } else {
      this.utterance.push(samples);
    }
  }

  private beginUtterance(onsetFrame: number): void {
    // preRoll ends with the onset frame itself (if samples are being passed).
    this.utterance = this.preRoll;
    this.utteranceStartFrame = onsetFrame - Math.max(0, this.preRoll.length - 1);
    this.preRoll = [];
  }

  private endUtterance(): void {
    this.state = 'silence';
    this.silenceRun = 0;
    // The utterance's trailing frames are the next utterance's pre-roll.
    this.preRoll = this.utterance.slice(-this.preRollFrames - 1);
    this.utterance = [];
  }
}

function validate(o: ResolvedEndpointerOptions): void {
  const bad = (what: string) => new ParleyError('audio/invalid-input', `invalid endpointer setting: ${what}`);
  if (!(o.frameMs > 0)) throw bad(`frameMs ${o.frameMs}`);
  if (!(o.activationThreshold > 0 && o.activationThreshold < 1)) throw bad(`activation threshold ${o.activationThreshold} (must be between 0 and 1)`);
  if (!(o.deactivationThreshold > 0 && o.deactivationThreshold <= o.activationThreshold)) {
    throw bad(`deactivation threshold ${o.deactivationThreshold} (must be > 0 and <= activation ${o.activationThreshold})`);
  }
  for (const k of ['minSpeechMs', 'minSilenceMs', 'preRollMs'] as const) {
    if (!(o[k] >= 0 && Number.isFinite(o[k]))) throw bad(`${k} ${o[k]}`);
  }
}
