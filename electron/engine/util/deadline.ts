import { systemClock, type Clock } from '../clock.js';
import type { ParleyError } from '../errors.js';

/** The timer half of a Clock (the system clock by default; a ManualClock in tests). */
export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>;

export interface DeadlineOptions<T> {
  /** The first item that counts (see `counts`) must arrive within this many ms of the start. */
  firstMs?: number;
  /** Which items are progress (default: every item). Keep-alives and empty deltas are not. */
  counts?: (item: T) => boolean;
  /** The whole stream must end within this many ms of the start. */
  totalMs?: number;
  /** Called once when a deadline passes: cancel the work and return the error to throw. */
  onExpire: (which: 'first' | 'total') => ParleyError;
  timers?: Timers;
}

/**
 * Iterates `source` under two deadlines measured from the start: one for the first real item, one
 * for the whole stream. Unlike a stall timeout, a source that keeps sending nothing useful (empty
 * deltas, keep-alives) or retries quietly cannot hold the caller beyond them.
 */
export async function* withDeadlines<T>(source: AsyncIterable<T>, o: DeadlineOptions<T>): AsyncGenerator<T> {
  const timers = o.timers ?? systemClock;
  const it = source[Symbol.asyncIterator]();
  let expire!: (which: 'first' | 'total') => void;
  const expired = new Promise<{ which: 'first' | 'total' }>((resolve) => (expire = (which) => resolve({ which })));
  let firstTimer = o.firstMs !== undefined ? timers.setTimeout(() => expire('first'), o.firstMs) : undefined;
  const totalTimer = o.totalMs !== undefined ? timers.setTimeout(() => expire('total'), o.totalMs) : undefined;
  const clearFirst = () => {
    if (firstTimer !== undefined) timers.clearTimeout(firstTimer);
    firstTimer = undefined;
  };
  try {
    for (;;) {
      const next = await Promise.race([it.next(), expired]);
      if ('which' in next) throw o.onExpire(next.which);
      if (next.done) return;
      if (!o.counts || o.counts(next.value)) clearFirst();
      yield next.value;
    }
  } finally {
    clearFirst();
    if (totalTimer !== undefined) timers.clearTimeout(totalTimer);
    void it.return?.()?.catch(() => undefined);
  }
}
