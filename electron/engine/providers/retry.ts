import type { Clock } from '../clock.js';
import { abortError, isRetryable } from '../errors.js';
import { abortableSleep } from '../util/abort.js';

/** Bounded retry with exponential backoff and full jitter. Durations in ms. */
export interface RetryPolicy {
  /** Total attempts including the first. Default 3. */
  maxAttempts: number;
  /** Backoff before the 2nd attempt; doubles each time. Default 250 ms. */
  baseDelayMs: number;
  /** Cap on one backoff (and on a server's Retry-After). Default 4000 ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 4000 };

export interface RetryOptions {
  policy?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  /** Random source in [0, 1) for jitter (tests pass a fixed one). */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock the backoffs wait on when no `sleep` is given (the system clock by default). */
  clock?: Clock;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxDelayMs, Math.max(0, retryAfterMs));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter, but never less than half the step, so retries do not hammer a struggling server.
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error (bad key, bad request) or the
 * attempts run out. Only wrap the part before a stream starts: a broken stream is not replayed.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = { ...DEFAULT_RETRY, ...options.policy };
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => abortableSleep(ms, signal, options.clock));
  for (let n = 1; ; n++) {
    if (options.signal?.aborted) throw abortError();
    try {
      return await attempt(n);
    } catch (e) {
      if (!isRetryable(e) || n >= policy.maxAttempts || options.signal?.aborted) throw e;
      const delay = backoffDelay(n, policy, random, (e as { retryAfterMs?: number }).retryAfterMs);
      options.onRetry?.(n, delay, e);
      await sleep(delay, options.signal);
    }
  }
}
