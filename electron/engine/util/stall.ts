import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ParleyError } from '../errors.js';

/**
 * Iterates `source`, failing with a timeout error when no item arrives for `stallMs` (a stream that
 * stopped talking without closing). `onStall` runs first so the caller can abort the request.
 */
export async function* withStallTimeout<T>(source: AsyncIterable<T>, stallMs: number, stallError: () => ParleyError, onStall?: () => void, clock: Clock = systemClock): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let timer: ClockTimer | undefined;
      const stalled = new Promise<'stall'>((resolve) => (timer = clock.setTimeout(() => resolve('stall'), stallMs)));
      const next = await Promise.race([it.next(), stalled]).finally(() => clock.clearTimeout(timer));
      if (next === 'stall') {
        onStall?.();
        throw stallError();
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Close the underlying stream (frees its connection) when we stop early.
    void it.return?.()?.catch(() => undefined);
  }
}

export function stallError(provider: string, displayName: string, stallMs: number): () => ParleyError {
  return () => new ParleyError('provider/timeout', `${displayName} stopped sending data for ${Math.round(stallMs / 1000)} s`, { provider });
}
