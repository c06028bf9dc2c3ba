import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { withDeadlines } from '../../../../electron/engine/util/deadline.js';

/** A source the test feeds by hand. */
function manualSource<T>() {
  const waiting: ((r: IteratorResult<T>) => void)[] = [];
  const ready: IteratorResult<T>[] = [];
  let returned = false;
  const put = (r: IteratorResult<T>) => (waiting.length ? waiting.shift()!(r) : ready.push(r));
  return {
    push: (value: T) => put({ value, done: false }),
    end: () => put({ value: undefined, done: true }),
    get returned() {
      return returned;
    },
    iterable: {
      [Symbol.asyncIterator]: () => ({
        next: () => (ready.length ? Promise.resolve(ready.shift()!) : new Promise<IteratorResult<T>>((r) => waiting.push(r))),
        return: () => {
          returned = true;
          return Promise.resolve({ value: undefined, done: true as const });
        },
      }),
    } as AsyncIterable<T>,
  };
}

const timeout = (which: string) => new ParleyError('provider/timeout', `${which} deadline`);

describe('withDeadlines', () => {
  it('items that do not count (empty deltas) do not meet the first-item deadline', async () => {
    const timers = new ManualClock(); // its timers fire only when the test moves time on
    const source = manualSource<string>();
    const expired: string[] = [];
    const seen: string[] = [];
    const run = (async () => {
      for await (const item of withDeadlines(source.iterable, { firstMs: 100, totalMs: 1000, counts: (s) => s !== '', timers, onExpire: (w) => (expired.push(w), timeout(w)) })) seen.push(item);
    })();
    const failed = expect(run).rejects.toThrow('first deadline');
    source.push('');
    await timers.advanceAsync(60);
    source.push('');
    await timers.advanceAsync(60);
    await failed;
    expect(expired).toEqual(['first']);
    expect(seen).toEqual(['', '']);
    expect(source.returned).toBe(true);
    expect(timers.pendingTimers).toBe(0);
  });

  it('a stream that started in time must still end by the total deadline', async () => {
    const timers = new ManualClock(); // its timers fire only when the test moves time on
    const source = manualSource<string>();
    const run = (async () => {
      for await (const _ of withDeadlines(source.iterable, { firstMs: 100, totalMs: 1000, timers, onExpire: timeout })) void _;
    })();
    const failed = expect(run).rejects.toThrow('total deadline');
    source.push('hello');
    await timers.advanceAsync(500);
    source.push('world');
    await timers.advanceAsync(500);
    await failed;
    expect(timers.pendingTimers).toBe(0);
  });

  it('a stream that ends in time passes everything through and leaves no timer behind', async () => {
    const timers = new ManualClock(); // its timers fire only when the test moves time on
    const source = manualSource<string>();
    const seen: string[] = [];
    const run = (async () => {
      for await (const item of withDeadlines(source.iterable, { firstMs: 100, totalMs: 1000, timers, onExpire: timeout })) seen.push(item);
    })();
    source.push('a');
    await timers.advanceAsync(90);
    source.push('b');
    source.end();
    await run;
    expect(seen).toEqual(['a', 'b']);
    expect(timers.pendingTimers).toBe(0);
  });
});
