import type { ErrorCode, ErrorInfo } from '../shared/errors.js';

/** The one error type the engine throws on bad input or faults: a stable code plus a readable message. */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

export function isParleyError(e: unknown, code?: ErrorCode): e is ParleyError {
  return e instanceof ParleyError && (code === undefined || e.code === code);
}

/** A short human description of any thrown value (for wrapping foreign errors). */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
