import { ManualClock } from '../../electron/engine/clock.js';
import { abortError } from '../../electron/engine/errors.js';
import { RetryBudget, type RetryBudgetOptions } from '../../electron/engine/providers/retry-budget.js';

/**
 * Retries on a manual clock: each backoff is recorded in `waits` and passes at once (the clock
 * moves on by it, then the program runs), with the jitter fixed at its middle.
 */
export function fakeRetryTime(startMs = 1_000_000) {
  const clock = new ManualClock(startMs);
  const waits: number[] = [];
  const sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw abortError();
    waits.push(ms);
    clock.advance(ms);
    await new Promise((r) => setImmediate(r));
  };
  const budget = (o: RetryBudgetOptions = {}) => new RetryBudget(clock, { sleep, random: () => 0.5, ...o });
  return { clock, waits, budget };
}
