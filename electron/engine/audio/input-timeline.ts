/** Input timeline settings, in ms. */
export interface InputTimelineOptions {
  /** Arrivals this recent set the input's delay (the least-delayed of them). Default 2000. */
  windowMs?: number;
  /**
   * Audio this much later than its time counts as lost, and input silent this long counts as
   * stopped: time moves on without it. A stopped microphone (muted in a pause) delays the end of
   * that turn by up to this much; a busy machine's hiccups shorter than it never cut the user off. Default 1000.
   */
  maxLagMs?: number;
  /**
   * Audio at most this late is on time (transport jitter of a chunk or two; shorter than the
   * 64 ms of voice that re-opens a paused turn, so it cannot hide the user speaking on). Default 60.
   */
  onTimeMs?: number;
}

/**
 * Where live input audio sits on the Clock. Microphone audio comes late now and then (a busy page
 * or renderer, the VAD behind, a burst after a stall); each stretch keeps the time it was spoken
 * at, estimated from the least-delayed arrivals of the last `windowMs`, so a gap in delivery never
 * reads as a pause in speech. While audio is late, time as the turn detector sees it waits for
 * the audio, up to `maxLagMs` after the last frame came (then the input counts as stopped: muted,
 * unplugged) or until the audio is `maxLagMs` behind (then it counts as lost).
 *
 * Positions are in ms of the input stream; times in the Clock's ms.
 */
export class InputTimeline {
  private readonly windowMs: number;
  private readonly maxLagMs: number;
  private readonly onTimeMs: number;
  /** Arrivals as (Clock time, time minus stream position); a monotonic queue: offsets ascending, so the first is the window's least delay. */
  private arrivals: { atMs: number; offsetMs: number }[] = [];
  /** Clock time of the latest frame placed, and when it was placed. */
  private heardMs: number | undefined;
  private placedAtMs = -Infinity;

  constructor(options: InputTimelineOptions = {}) {
    this.windowMs = options.windowMs ?? 2000;
    this.maxLagMs = options.maxLagMs ?? 1000;
    this.onTimeMs = options.onTimeMs ?? 60;
  }

  /** Audio up to stream position `streamMs` has arrived, at Clock time `nowMs`. */
  arrived(nowMs: number, streamMs: number): void {
    const offsetMs = nowMs - streamMs;
    while (this.arrivals.length > 0 && this.arrivals[this.arrivals.length - 1]!.offsetMs >= offsetMs) this.arrivals.pop();
    this.arrivals.push({ atMs: nowMs, offsetMs });
    // Bounded: only the window's arrivals stay (the newest always does).
    let drop = 0;
    while (drop < this.arrivals.length - 1 && this.arrivals[drop]!.atMs < nowMs - this.windowMs) drop++;
    if (drop > 0) this.arrivals = this.arrivals.slice(drop);
  }

  /** The Clock time of the frame ending at stream position `streamMs`, processed at `nowMs`. */
  place(nowMs: number, streamMs: number): number {
    const least = this.arrivals[0]?.offsetMs ?? nowMs - streamMs;
    const atMs = Math.min(nowMs, Math.max(least + streamMs, nowMs - this.maxLagMs));
    this.heardMs = atMs;
    this.placedAtMs = nowMs;
    return atMs;
  }

  /**
   * The time to act at: `nowMs`, or while audio is late, the time of the audio heard so far (plus
   * what counts as on time).
   */
  now(nowMs: number): number {
    return this.lateUntil(nowMs) === undefined ? nowMs : this.heardMs! + this.onTimeMs;
  }

  /** While audio is late: the Clock time at which it counts as stopped. Undefined while on time (or stopped). */
  lateUntil(nowMs: number): number | undefined {
    if (this.heardMs === undefined || nowMs - this.heardMs <= this.onTimeMs) return undefined;
    const stoppedAt = this.placedAtMs + this.maxLagMs;
    return nowMs < stoppedAt ? stoppedAt : undefined;
  }

  /** A new input stream. */
  reset(): void {
    this.arrivals = [];
    this.heardMs = undefined;
    this.placedAtMs = -Infinity;
  }
}
