import type { Clock } from '../clock.js';

/**
 * Admits audio no faster than real time. Credit (in ms of audio) grows with the clock and is spent
 * by each admitted frame; it is capped at `burstMs`, so a page that paused (a busy tab whose
 * worklet then delivers the frames it held) catches up, but a client pushing minutes of audio in
 * seconds gets only real time plus the burst. A frame is admitted while any credit is left, so a
 * frame longer than the burst still passes once the credit has refilled.
 */
export class RealtimeBudget {
  private credit: number;
  private last: number | undefined;
  private droppedFrames = 0;
  private droppedMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly burstMs = 2000,
  ) {
    this.credit = burstMs;
  }

  /** True when a frame of `durationMs` may pass; false (and counted) when it came too early. */
  admit(durationMs: number): boolean {
    const now = this.clock.now();
    if (this.last !== undefined) this.credit = Math.min(this.burstMs, this.credit + Math.max(0, now - this.last));
    this.last = now;
    if (this.credit > 0) {
      this.credit -= durationMs;
      return true;
    }
    this.droppedFrames++;
    this.droppedMs += durationMs;
    return false;
  }

  get dropped(): { frames: number; ms: number } {
    return { frames: this.droppedFrames, ms: this.droppedMs };
  }
}
