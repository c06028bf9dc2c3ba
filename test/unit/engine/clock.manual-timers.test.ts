import { describe, expect, it } from 'vitest';
import { ManualClock, sleepOn } from '../../../electron/engine/clock.js';

describe('ManualClock timers', () => {
  it('fire only as time moves, in time order, each reading its own due time', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 50);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 50); // same time: in the order set
    clock.advance(19);
    expect(fired).toEqual([]);
    clock.advance(100);
    expect(fired).toEqual(['a@1020', 'b@1050', 'c@1050']);
    expect(clock.now()).toBe(1119);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a cleared timer never fires; a timer set by a callback fires in the same advance when due', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const cancelled = clock.setTimeout(() => fired.push(-1), 10);
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 30);
    }, 20);
    clock.clearTimeout(cancelled);
    clock.clearTimeout(undefined);
    clock.advance(49);
    expect(fired).toEqual([20]);
    expect(clock.nextTimerAt).toBe(50);
    clock.set(50);
    expect(fired).toEqual([20, 50]);
  });

  it('a zero or negative delay fires at the next move, not at once', () => {
    const clock = new ManualClock(5);
    let fired = 0;
    clock.setTimeout(() => fired++, 0);
    clock.setTimeout(() => fired++, -3);
    expect(fired).toBe(0);
    clock.advance(0);
    expect(fired).toBe(2);
  });

  it('advanceAsync lets a chain of sleeps run as in real time, without waiting for real', async () => {
    const clock = new ManualClock();
    const woke: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 5; i++) {
        await sleepOn(clock, 100);
        woke.push(clock.now());
      }
    })();
    await clock.advanceAsync(350);
    expect(woke).toEqual([100, 200, 300]);
    await clock.advanceAsync(1000);
    await loop;
    expect(woke).toEqual([100, 200, 300, 400, 500]);
    expect(clock.now()).toBe(1350);
  });

  it('still refuses to go backwards', () => {
    const clock = new ManualClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set(5)).toThrow(RangeError);
  });
});
