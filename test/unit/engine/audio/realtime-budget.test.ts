import { describe, expect, it } from 'vitest';
import { RealtimeBudget } from '../../../../electron/engine/audio/realtime-budget.js';
import { ManualClock } from '../../../../electron/engine/clock.js';

describe('RealtimeBudget', () => {
  it('admits audio arriving in real time, however long it runs', () => {
    const clock = new ManualClock();
    const budget = new RealtimeBudget(clock, 200);
    for (let i = 0; i < 10_000; i++) {
      expect(budget.admit(20)).toBe(true);
      clock.advance(20);
    }
    expect(budget.dropped).toEqual({ frames: 0, ms: 0 });
  });

  it('lets a burst after a pause through (the worklet catching up), up to the allowance', () => {
    const clock = new ManualClock();
    const budget = new RealtimeBudget(clock, 200);
    budget.admit(20);
    clock.advance(20);
    clock.advance(150); // a hiccup: nothing arrived for 150 ms, then it all comes at once
    const burst = Array.from({ length: 8 }, () => budget.admit(20));
    expect(burst.every(Boolean)).toBe(true);
    expect(budget.dropped.frames).toBe(0);
  });

  it('drops and counts what arrives faster than real time; the rate is real time plus the burst', () => {
    const clock = new ManualClock();
    const budget = new RealtimeBudget(clock, 200);
    let admittedMs = 0;
    // 60 s of audio pushed in 6 s (ten times real time), 20 ms frames every 2 ms.
    for (let i = 0; i < 3000; i++) {
      if (budget.admit(20)) admittedMs += 20;
      clock.advance(2);
    }
    expect(admittedMs).toBeLessThanOrEqual(6000 + 200 + 20);
    expect(admittedMs).toBeGreaterThanOrEqual(6000);
    expect(budget.dropped).toEqual({ frames: 3000 - admittedMs / 20, ms: 60_000 - admittedMs });
  });

  it('a frame longer than the burst passes once the credit is back (never starved)', () => {
    const clock = new ManualClock();
    const budget = new RealtimeBudget(clock, 200);
    expect(budget.admit(2700)).toBe(true);
    expect(budget.admit(2700)).toBe(false);
    clock.advance(2700);
    expect(budget.admit(2700)).toBe(true);
  });
});
