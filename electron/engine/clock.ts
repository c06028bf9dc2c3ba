/**
 * Time, injected: both reading it and waiting on it. Production uses the monotonic system clock
 * and the event loop's timers; tests and offline file processing use a ManualClock, whose timers
 * fire only as the test moves time on, so latency numbers are exact and tests run faster than
 * real time, in the same order every run.
 */
export interface Clock {
  /** Milliseconds on a monotonic timeline (origin unspecified). */
  now(): number;
  /** Calls `fn` once `ms` have passed on this clock. */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): ClockTimer;
  /** Cancels a timer (a fired, cancelled or undefined one is fine). */
  clearTimeout(timer: ClockTimer | undefined): void;
}

export interface TimerOptions {
  /** A watchdog: it alone does not keep the process running (unref'd on the system clock). */
  background?: boolean;
}

/** A pending timer, as its clock returned it. */
export type ClockTimer = { readonly clockTimer: true };

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms, options) => {
    const timer = setTimeout(fn, ms);
    if (options?.background) timer.unref();
    return timer as unknown as ClockTimer;
  },
  clearTimeout: (timer) => clearTimeout(timer as unknown as ReturnType<typeof setTimeout> | undefined),
};

/** Waits `ms` on `clock` (no cancellation: see abortableSleep for that). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

interface ManualTimer extends ClockTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to; its timers fire, in time order, as it moves. */
export class ManualClock implements Clock {
  private readonly timers = new Set<ManualTimer>();
  private seq = 0;

  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    // Like the event loop's timers: a negative or NaN delay means "as soon as possible".
    const timer: ManualTimer = { clockTimer: true, at: this.nowMs + (ms > 0 ? ms : 0), seq: this.seq++, fn };
    this.timers.add(timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer) this.timers.delete(timer as ManualTimer);
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** When the next timer fires (undefined: none pending). */
  get nextTimerAt(): number | undefined {
    return this.next()?.at;
  }

  /**
   * Moves time on by `ms`, firing every timer that comes due on the way at its own time (the
   * clock reads that time inside the callback), including timers those callbacks set.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock cannot go backwards (advance ${ms})`);
    this.runUntil(this.nowMs + ms);
  }

  set(ms: number): void {
    if (ms < this.nowMs) throw new RangeError(`ManualClock cannot go backwards (${this.nowMs} -> ${ms})`);
    this.runUntil(ms);
  }

  /**
   * Like advance, but lets the program run after each timer (its promise callbacks and the I/O
   * already waiting), so a chain of waits (a sleep, then work, then the next sleep) plays out as
   * it would in real time.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`ManualClock cannot go backwards (advance ${ms})`);
    const end = this.nowMs + ms;
    await settle();
    for (let timer = this.due(end); timer; timer = this.due(end)) {
      this.fire(timer);
      await settle();
    }
    this.nowMs = end;
  }

  private runUntil(end: number): void {
    for (let timer = this.due(end); timer; timer = this.due(end)) this.fire(timer);
    this.nowMs = end;
  }

  private fire(timer: ManualTimer): void {
    this.timers.delete(timer);
    this.nowMs = Math.max(this.nowMs, timer.at);
    timer.fn();
  }

  private due(end: number): ManualTimer | undefined {
    const next = this.next();
    return next && next.at <= end ? next : undefined;
  }

  private next(): ManualTimer | undefined {
    let first: ManualTimer | undefined;
    for (const timer of this.timers) if (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)) first = timer;
    return first;
  }
}

interface SkippingTimer extends ClockTimer {
  at: number;
  seq: number;
  fn: () => void;
  background: boolean;
  handle: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Real time that can jump ahead: the system clock plus the time skipped. `parley run --speed 0`
 * skips the stretches of a recording where Parley only listens, and runs everything else (turn
 * decisions, provider work, playback) in real time, so every span is on one time base. Timers
 * that come due inside a skip fire in time order, each at its own time.
 */
export class SkippingClock implements Clock {
  private offset = 0;
  private seq = 0;
  private readonly timers = new Set<SkippingTimer>();

  constructor(private readonly wall: () => number = () => performance.now()) {}

  now(): number {
    return this.wall() + this.offset;
  }

  /** Milliseconds skipped so far. */
  get skippedMs(): number {
    return this.offset;
  }

  setTimeout(fn: () => void, ms: number, options?: TimerOptions): ClockTimer {
    const timer: SkippingTimer = { clockTimer: true, at: this.now() + (ms > 0 ? ms : 0), seq: this.seq++, fn, background: options?.background === true, handle: undefined };
    this.timers.add(timer);
    this.arm(timer);
    return timer;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    const t = timer as SkippingTimer | undefined;
    if (!t || !this.timers.delete(t)) return;
    clearTimeout(t.handle);
  }

  /**
   * Jumps to `target` (never back), firing the timers due on the way in time order, the program
   * running after each (its promise callbacks and waiting I/O), as it would have in real time.
   */
  async skipTo(target: number): Promise<void> {
    for (;;) {
      const next = this.next();
      if (!next || next.at > target) break;
      if (next.at > this.now()) this.offset += next.at - this.now();
      this.timers.delete(next);
      clearTimeout(next.handle);
      next.fn();
      await settle();
    }
    if (target > this.now()) this.offset += target - this.now();
    // The timers still pending are due sooner in real time now.
    for (const t of this.timers) this.arm(t);
  }

  private arm(timer: SkippingTimer): void {
    clearTimeout(timer.handle);
    timer.handle = setTimeout(() => {
      if (!this.timers.delete(timer)) return;
      timer.fn();
    }, Math.max(0, timer.at - this.now()));
    if (timer.background) timer.handle.unref();
  }

  private next(): SkippingTimer | undefined {
    let first: SkippingTimer | undefined;
    for (const timer of this.timers) if (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)) first = timer;
    return first;
  }
}

/** One turn of the event loop: pending promise callbacks and I/O callbacks run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
