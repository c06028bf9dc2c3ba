import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { RetryBudget } from '../../../../electron/engine/providers/retry-budget.js';

const fault = (retryAfterMs?: number) => new ParleyError('provider/server-error', 'Deepgram server error (503)', { provider: 'deepgram', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

describe('RetryBudget (one allowance for a whole session)', () => {
  it('faults in a row: exponential backoff with jitter, capped, then spent', () => {
    const budget = new RetryBudget(new ManualClock(), { retries: 5, random: () => 0 });
    const steps = Array.from({ length: 6 }, () => budget.next(fault()));
    // random() = 0: half of each step (500, 1000, 2000, 4000, 4000 capped).
    expect(steps.map((s) => s?.delayMs)).toEqual([250, 500, 1000, 2000, 2000, undefined]);
    expect(steps.map((s) => s?.attempt)).toEqual([1, 2, 3, 4, 5, undefined]);
    expect(budget.failures).toBe(6);
  });

  it('never waits less than Retry-After; a Retry-After beyond the limit spends the budget', () => {
    const budget = new RetryBudget(new ManualClock(), { random: () => 0.99, maxRetryAfterMs: 30_000 });
    expect(budget.next(fault(7000))?.delayMs).toBe(7000);
    expect(budget.next(fault(10))?.delayMs).toBeGreaterThan(10);
    expect(budget.next(fault(120_000))).toBeUndefined();
  });

  it('recovers with healthy time: a connection that drops every 10 s after working is always retried', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(clock, { retries: 3, refillMs: 10_000, random: () => 0 });
    for (let drop = 1; drop <= 20; drop++) {
      budget.succeeded();
      clock.advance(10_000);
      expect(budget.next(fault())).toEqual({ attempt: 1, delayMs: 250 });
    }
  });

  it('a connection that fails right after each success runs out (flapping is a fault, not health)', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget(clock, { retries: 3, refillMs: 10_000, random: () => 0 });
    const steps = [];
    for (let i = 0; i < 5; i++) {
      budget.succeeded();
      clock.advance(100);
      steps.push(budget.next(fault()));
    }
    expect(steps.map((s) => s?.attempt)).toEqual([1, 2, 3, undefined, undefined]);
  });
});
