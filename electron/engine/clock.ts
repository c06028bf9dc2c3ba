/**
 * Time, injected. Production uses the monotonic system clock; tests and offline file processing
 * use a ManualClock, so latency numbers are exact and tests run faster than real time.
 */
export interface Clock {
  /** Milliseconds on a monotonic timeline (origin unspecified). */
  now(): number;
}

export const systemClock: Clock = {
  now: () => performance.now(),
};

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock cannot go backwards (advance ${ms})`);
    this.t += ms;
  }
  set(ms: number): void {
    if (ms < this.t) throw new RangeError(`ManualClock cannot go backwards (${this.t} -> ${ms})`);
    this.t = ms;
  }
}
