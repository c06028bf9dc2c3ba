import type { ReactNode } from 'react';
import { plainError } from './conversation/model';

/**
 * One problem, in plain words, with what to do about it. An engine error's code and its message as
 * written (which may name an environment variable) stay behind "Details".
 */
export function Problem({ message, error, testId, children }: { message: string; error?: { code?: string; message: string; provider?: string }; testId?: string; children?: ReactNode }) {
  const plain = error ? plainError(error) : plainError({ message });
  const text = error ? `${message}${plain.text}` : plain.text;
  return (
    <div className="problem" role="alert" data-testid={testId}>
      <span>{text}</span>
      {children}
      {plain.details && (
        <details className="problem__details">
          <summary>Details</summary>
          <code>{plain.details}</code>
        </details>
      )}
    </div>
  );
}
