import type { Clock } from '../clock.js';
import { abortError } from '../errors.js';
import { linkedAbort } from '../util/abort.js';
import { stallError, withStallTimeout } from '../util/stall.js';
import { fromSdkError } from './http-errors.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface SdkStreamOptions {
  provider: string;
  displayName: string;
  baseUrl: string;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
  stallTimeoutMs: number;
  /** What the stall timeout and the retry backoffs wait on (the system clock by default). */
  clock?: Clock;
}

/**
 * The life of one streamed request through an official (Stainless) SDK, shared by the LLM
 * providers: a child of the caller's AbortSignal, bounded retries before the stream starts, a
 * stall timeout while it runs, SDK errors mapped to typed errors, and cancellation made visible
 * (some SDK streams just end when aborted).
 */
export async function* sdkStream<T>(open: (signal: AbortSignal) => Promise<AsyncIterable<T>>, o: SdkStreamOptions): AsyncGenerator<T> {
  const { controller, dispose } = linkedAbort(o.signal);
  const fail = (e: unknown) => fromSdkError(o.provider, o.displayName, o.baseUrl, e);
  try {
    const stream = await withRetry(
      () =>
        open(controller.signal).catch((e: unknown) => {
          throw fail(e);
        }),
      { signal: controller.signal, policy: o.retry, clock: o.clock },
    );
    try {
      yield* withStallTimeout(stream, o.stallTimeoutMs, stallError(o.provider, o.displayName, o.stallTimeoutMs), () => controller.abort(), o.clock);
    } catch (e) {
      throw fail(e);
    }
    if (controller.signal.aborted) throw abortError();
  } finally {
    dispose();
  }
}
