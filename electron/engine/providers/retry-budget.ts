import type { Clock } from '../clock.js';
import { abortableSleep } from '../util/abort.js';
import { backoffDelay } from './retry.js';

export interface RetryBudgetOptions {
  /** Retries that may be spent in a row on faults. Default 5 (so 6 attempts in all). */
  retries?: number;
  /** Connected (healthy) time that earns one retry back. Default 10 s. */
  refillMs?: number;
  /** Backoff before the first retry; doubles each time. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap on one backoff. Default 4 s. */
  maxDelayMs?: number;
  /** A server that asks (Retry-After) to wait longer than this is not waited for: the budget is spent. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Random source in [0, 1) for jitter (tests pass a fixed one). */
  random?: () => number;
  /** How a wait is spent (tests advance a ManualClock instead of sleeping). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RetryStep {
  /** 1 for the first retry after a healthy period, growing while faults follow each other. */
  attempt: number;
  delayMs: number;
}

/**
 * The one retry allowance of a long-lived connection (e.g. a conversation's speech-to-text): the
 * first connect and every reconnect draw on it, so no fault pattern can turn into a storm. It is
 * a token bucket: each retry costs one; time spent connected earns them back (one per refillMs),
 * so a connection that drops now and then after working a while is always retried, while one that
 * fails again and again runs out. Backoff grows with the retries spent, with jitter, and is never
 * shorter than a server's Retry-After.
 */
export class RetryBudget {
  private readonly policy: Required<RetryBudgetOptions>;
  private tokens: number;
  private healthySince: number | undefined;
  private failedInARow = 0;

  constructor(
    private readonly clock: Clock,
    options: RetryBudgetOptions = {},
  ) {
    this.policy = {
      retries: 5,
      refillMs: 10_000,
      baseDelayMs: 500,
      maxDelayMs: 4000,
      maxRetryAfterMs: 30_000,
      random: Math.random,
      sleep: (ms, signal) => abortableSleep(ms, signal, clock),
      ...options,
    };
    this.tokens = this.policy.retries;
  }

  /** Attempts that failed since the last success (for "gave up after N attempts"). */
  get failures(): number {
    return this.failedInARow;
  }

  /** A connection is up: from now on it earns retries back. */
  succeeded(): void {
    this.healthySince ??= this.clock.now();
    this.failedInARow = 0;
  }

  /**
   * A fault (a failed attempt or a dropped connection): the wait before the next attempt, or
   * undefined when the budget is spent (or the server asks for a longer wait than we would give).
   */
  next(fault?: unknown): RetryStep | undefined {
    this.failedInARow++;
    if (this.healthySince !== undefined) {
      this.tokens = Math.min(this.policy.retries, this.tokens + (this.clock.now() - this.healthySince) / this.policy.refillMs);
      this.healthySince = undefined;
    }
    const retryAfter = (fault as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    if (this.tokens < 1 || (retryAfter !== undefined && retryAfter > this.policy.maxRetryAfterMs)) return undefined;
    this.tokens -= 1;
    const attempt = Math.max(1, Math.ceil(this.policy.retries - this.tokens - 1e-9));
    const backoff = backoffDelay(attempt, { maxAttempts: this.policy.retries + 1, baseDelayMs: this.policy.baseDelayMs, maxDelayMs: this.policy.maxDelayMs }, this.policy.random);
    return { attempt, delayMs: Math.round(Math.max(backoff, retryAfter ?? 0)) };
  }

  /** Waits out a step's delay (rejects with an AbortError when `signal` fires). */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return this.policy.sleep(ms, signal);
  }
}
