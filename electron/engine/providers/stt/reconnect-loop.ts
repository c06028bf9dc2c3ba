import { ParleyError, asParleyError, isAbort, isRetryable } from '../../errors.js';
import type { RetryBudget } from '../retry-budget.js';
import type { SttConnectionStatus } from '../types.js';

export interface ReconnectHooks {
  provider: string;
  budget: RetryBudget;
  /** The stream's lifetime: aborting it cancels a connect or a wait. */
  signal: AbortSignal;
  closed(): boolean;
  status(status: SttConnectionStatus): void;
  /** One attempt; resolves once connected (the stream is then 'ok'). */
  connectOnce(): Promise<void>;
  /** The retry (in a row) about to be attempted, for the stream's 'reconnected' event. */
  attempt?(attempt: number): void;
  /** A fault it cannot recover from: one 'error' event, then the stream ends. */
  fail(error: ParleyError): void;
  close(): void;
}

/**
 * A streaming STT connection's connect / reconnect loop, shared by the providers: after a fault it
 * draws every retry from the session's one RetryBudget (never one attempt per audio frame, never
 * more than the budget allows in a row), says where it stands in 'status' events, and ends the
 * stream with one typed error on a rejected key or request, or once the budget is spent.
 */
export class ReconnectLoop {
  private running = false;

  constructor(private readonly h: ReconnectHooks) {}

  get connecting(): boolean {
    return this.running;
  }

  async run(fault: ParleyError | undefined): Promise<void> {
    const h = this.h;
    if (this.running || h.closed()) return;
    this.running = true;
    try {
      for (;;) {
        if (fault) {
          const step = h.budget.next(fault);
          if (!step) return h.fail(gaveUp(h.provider, fault, h.budget.failures));
          h.attempt?.(step.attempt);
          h.status({ state: 'retrying', attempt: step.attempt, inMs: step.delayMs, reason: fault });
          await h.budget.wait(step.delayMs, h.signal);
          if (h.closed()) return;
        }
        h.status({ state: 'connecting' });
        try {
          await h.connectOnce();
          return;
        } catch (e) {
          if (isAbort(e) || h.closed()) return h.close();
          const error = asParleyError(e, 'provider/unreachable');
          // A rejected key or request will not fix itself: final.
          if (!isRetryable(error)) return h.fail(error);
          fault = error;
        }
      }
    } catch (e) {
      // Only the wait throws here: the stream was aborted.
      if (!isAbort(e)) h.fail(asParleyError(e, 'provider/unreachable'));
      else h.close();
    } finally {
      this.running = false;
    }
  }
}

/** The last fault, saying how many attempts were made (and a Retry-After that was too long to wait). */
export function gaveUp(provider: string, fault: ParleyError, failures: number): ParleyError {
  const what = fault.retryAfterMs !== undefined && failures === 1 ? `${fault.message} (asked to wait ${Math.round(fault.retryAfterMs / 1000)} s)` : fault.message;
  return new ParleyError(fault.code, `${what}; gave up after ${failures} ${failures === 1 ? 'attempt' : 'attempts'}`, { provider, cause: fault });
}
