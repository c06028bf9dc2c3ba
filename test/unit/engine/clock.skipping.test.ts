import { describe, expect, it } from 'vitest';
import { SkippingClock } from '../../../electron/engine/clock.js';

describe('SkippingClock (parley run --speed 0)', () => {
  it('reads real time plus the time skipped, and never goes back', async () => {
    let wall = 1000;
    const clock = new SkippingClock(() => wall);
    expect(clock.now()).toBe(1000);
    await clock.skipTo(1500);
    expect(clock.now()).toBe(1500);
    wall += 20; // real time passes while the engine works
    expect(clock.now()).toBe(1520);
    await clock.skipTo(1510); // behind: nothing happens
    expect([clock.now(), clock.skippedMs]).toEqual([1520, 500]);
  });

  it('fires the timers due inside a skip in time order, each reading its own time, and lets their work run between', async () => {
    const wall = 0;
    const clock = new SkippingClock(() => wall);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 300);
    clock.setTimeout(() => {
      seen.push(`a@${clock.now()}`);
      // Work started by a timer (a promise chain) runs before the next timer of the skip fires.
      void Promise.resolve().then(() => clock.setTimeout(() => seen.push(`c@${clock.now()}`), 50));
    }, 200);
    const late = clock.setTimeout(() => seen.push('never'), 900);
    await clock.skipTo(400);
    expect(seen).toEqual(['a@200', 'c@250', 'b@300']);
    expect(clock.now()).toBe(400);
    clock.clearTimeout(late);
    await clock.skipTo(1000);
    expect(seen).toHaveLength(3);
  });

  it('a timer not skipped to still fires in real time', async () => {
    const clock = new SkippingClock();
    const fired = await new Promise<boolean>((resolve) => clock.setTimeout(() => resolve(true), 0));
    expect(fired).toBe(true);
  });
});
