import type { Clock, ClockTimer } from '../clock.js';

/** Where the assistant's voice goes: the renderer's playout worklet, a file, or nowhere. */
export interface AudioSink {
  readonly sampleRate: number;
  /** Queue mono samples (at `sampleRate`); `onStart` fires when the first of them is actually played. */
  write(samples: Float32Array, onStart?: () => void): void;
  /** Stop at once and drop everything not yet played (barge-in). */
  flush(): void;
  /** Silence output without dropping the queue (a suspected barge-in); resume() continues. */
  pause(): void;
  resume(): void;
  /** Samples played since the last flush. */
  played(): number;
  /** Samples written since the last flush. */
  written(): number;
  /** Resolves when everything written has played (or was flushed). */
  drain(): Promise<void>;
}

/**
 * A sink that plays in real time against a clock, as a sound card would, keeping what was played.
 * Used by the CLI (the played audio becomes --out) and by tests; the renderer's worklet implements
 * the same contract over a MessagePort.
 */
export class ClockedSink implements AudioSink {
  private queue: { samples: Float32Array; onStart?: () => void }[] = [];
  /** Position inside queue[0] at `anchorAt`. */
  private headOffset = 0;
  private anchorAt: number;
  private paused = false;
  private playedCount = 0;
  private writtenCount = 0;
  private readonly recorded: Float32Array[] = [];
  private waiters: (() => void)[] = [];
  private timer: ClockTimer | undefined;

  constructor(
    readonly sampleRate: number,
    private readonly clock: Clock,
    /** Keep played audio (for --out). */
    private readonly record = false,
  ) {
    this.anchorAt = clock.now();
  }

  write(samples: Float32Array, onStart?: () => void): void {
    this.advance();
    if (this.queue.length === 0) this.anchorAt = this.clock.now();
    this.queue.push({ samples, onStart });
    this.writtenCount += samples.length;
    this.advance();
    this.schedule();
  }

  flush(): void {
    this.advance();
    this.queue = [];
    this.headOffset = 0;
    this.playedCount = 0;
    this.writtenCount = 0;
    this.paused = false;
    this.settle();
  }

  pause(): void {
    this.advance();
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.anchorAt = this.clock.now();
    this.schedule();
  }

  played(): number {
    this.advance();
    return this.playedCount;
  }

  written(): number {
    return this.writtenCount;
  }

  drain(): Promise<void> {
    this.advance();
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Everything actually played so far (when recording). */
  recording(): Float32Array {
    const n = this.recorded.reduce((a, b) => a + b.length, 0);
    const out = new Float32Array(n);
    let at = 0;
    for (const r of this.recorded) {
      out.set(r, at);
      at += r.length;
    }
    return out;
  }

  /** Moves the play head to the clock's now. */
  private advance(): void {
    if (this.paused) return;
    const now = this.clock.now();
    let budget = Math.floor(((now - this.anchorAt) * this.sampleRate) / 1000);
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (this.headOffset === 0 && head.onStart) {
        const cb = head.onStart;
        head.onStart = undefined;
        cb();
      }
      const left = head.samples.length - this.headOffset;
      const take = Math.min(left, budget);
      if (take > 0 && this.record) this.recorded.push(head.samples.subarray(this.headOffset, this.headOffset + take));
      this.headOffset += take;
      this.playedCount += take;
      budget -= take;
      this.anchorAt += (take * 1000) / this.sampleRate;
      if (this.headOffset < head.samples.length) break;
      this.queue.shift();
      this.headOffset = 0;
    }
    if (this.queue.length === 0) {
      this.anchorAt = now;
      this.settle();
    }
  }

  private settle(): void {
    if (this.queue.length > 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }

  /** Wakes up (on the clock) when the head block ends, so the next block's onStart fires on time. */
  private schedule(): void {
    this.clock.clearTimeout(this.timer);
    if (this.paused || this.queue.length === 0) return;
    const headLeft = this.queue[0]!.samples.length - this.headOffset;
    this.timer = this.clock.setTimeout(() => {
      this.advance();
      this.schedule();
    }, Math.max(2, (headLeft * 1000) / this.sampleRate));
  }
}
