import type { ErrorCode, ErrorInfo } from '../shared/errors.js';

/** The one error type the engine throws on bad input or faults: a stable code plus a readable message. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  /** The provider that failed, for provider errors. */
  readonly provider: string | undefined;
  /** Server-requested wait before retrying (Retry-After), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; provider?: string; retryAfterMs?: number },
  ) {
    super(message, options);
    this.provider = options?.provider;
    this.retryAfterMs = options?.retryAfterMs;
  }

  toInfo(): ErrorInfo {
    return this.provider ? { code: this.code, message: this.message, provider: this.provider } : { code: this.code, message: this.message };
  }
}

/** Any thrown value as a ParleyError: itself, or wrapped under `code` with its description. */
export function asParleyError(e: unknown, code: ErrorCode): ParleyError {
  return e instanceof ParleyError ? e : new ParleyError(code, describeError(e), { cause: e });
}

/** What crosses to the UI for any thrown value (see asParleyError). */
export function toErrorInfo(e: unknown, code: ErrorCode = 'provider/unreachable'): ErrorInfo {
  return asParleyError(e, code).toInfo();
}

/** Faults worth trying again (after a backoff): the service may answer next time. */
export function isRetryable(e: unknown): boolean {
  return e instanceof ParleyError && ['provider/rate-limited', 'provider/server-error', 'provider/unreachable', 'provider/timeout', 'provider/disconnected'].includes(e.code);
}

/** An AbortSignal fired: the caller cancelled (e.g. barge-in), not a fault. */
export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || e.name === 'APIUserAbortError');
}

export function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

export function isParleyError(e: unknown, code?: ErrorCode): e is ParleyError {
  return e instanceof ParleyError && (code === undefined || e.code === code);
}

/** A short human description of any thrown value (for wrapping foreign errors). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
