import type { Settings } from '../../shared/settings.js';
import { int16ToFloat32 } from '../audio/pcm.js';
import { RealtimeBudget } from '../audio/realtime-budget.js';
import { Resampler } from '../audio/resampler.js';
import type { Clock } from '../clock.js';

/** The rate the sessions hear (the VAD's and the STT's). */
export const STT_RATE = 16000;
/** At most one report to the UI per this long while audio keeps coming too fast. */
const DROP_REPORT_INTERVAL_MS = 1000;

export interface InputGateOptions {
  clock: Clock;
  /** The listening mode, as saved now (always-on or push-to-talk). */
  mode: () => Settings['mode'];
  /** Where the engine's own warnings go. */
  warn?: (message: string) => void;
  /** Tells the UI that audio came faster than real time and was dropped (at most once a second). */
  dropped: (frames: number, droppedMs: number) => void;
}

/** What passed the gate: audio at STT_RATE, and whether the user is heard (false: silence in its place). */
export interface GatedAudio {
  audio: Float32Array;
  heard: boolean;
}

/**
 * The microphone on its way to the session: muting and push-to-talk close it, audio arriving faster
 * than real time is dropped, and what passes is resampled to the session's rate. A closed gate
 * passes silence to a full-duplex model (it needs audio all the time) and nothing to the others.
 */
export class InputGate {
  private mutedNow = false;
  private pressed = false;
  /** One budget per started session: microphone audio may not arrive faster than real time. */
  private budget: RealtimeBudget | undefined;
  private resampler: Resampler | undefined;
  private inputRate = STT_RATE;
  private lastDropReport = -Infinity;

  constructor(private readonly options: InputGateOptions) {}

  get muted(): boolean {
    return this.mutedNow;
  }

  /** Push-to-talk: the talk key is held. */
  get talking(): boolean {
    return this.pressed;
  }

  setMuted(muted: boolean): void {
    this.mutedNow = muted;
  }

  /** False when nothing changed. */
  setTalking(pressed: boolean): boolean {
    if (pressed === this.pressed) return false;
    this.pressed = pressed;
    return true;
  }

  /** Closed: the user is muted, or in push-to-talk without the key held. */
  get closed(): boolean {
    return this.mutedNow || (this.options.mode() === 'push-to-talk' && !this.pressed);
  }

  /** A session starts, fed frames at `inputRate`: a fresh budget and resampler. */
  open(inputRate: number): void {
    this.budget = new RealtimeBudget(this.options.clock);
    this.inputRate = inputRate;
    this.resampler = inputRate === STT_RATE ? undefined : new Resampler({ inputRate, outputRate: STT_RATE });
  }

  /** The session ended: says once how much audio came too fast. */
  close(): void {
    const dropped = this.budget?.dropped;
    this.budget = undefined;
    this.lastDropReport = -Infinity;
    if (!dropped?.frames) return;
    const amount = dropped.ms >= 60_000 ? `${(dropped.ms / 60_000).toFixed(1)} min` : `${(dropped.ms / 1000).toFixed(1)} s`;
    this.options.warn?.(`dropped ${amount} of microphone audio (${dropped.frames} frames) that arrived faster than real time`);
  }

  /**
   * A microphone frame: what the session gets of it, or undefined when it gets nothing (too fast,
   * or gated for a session that does not need continuous audio).
   */
  pass(samples: Int16Array, continuous: boolean): GatedAudio | undefined {
    // Without this, a client pushing audio faster than real time fills every queue behind it.
    if (this.budget && !this.budget.admit((samples.length / this.inputRate) * 1000)) {
      this.tooFast(this.budget);
      return undefined;
    }
    const heard = !this.closed;
    if (!heard && !continuous) return undefined;
    const pcm = heard ? int16ToFloat32(samples) : new Float32Array(samples.length);
    return { audio: this.resampler ? this.resampler.process(pcm) : pcm, heard };
  }

  private tooFast(budget: RealtimeBudget): void {
    const { frames, ms } = budget.dropped;
    if (frames === 1) this.options.warn?.('microphone audio is arriving faster than real time: dropping the excess');
    const now = this.options.clock.now();
    if (now - this.lastDropReport < DROP_REPORT_INTERVAL_MS) return;
    this.lastDropReport = now;
    this.options.dropped(frames, ms);
  }
}
