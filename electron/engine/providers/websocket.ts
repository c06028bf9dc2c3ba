import type WebSocket from 'ws';
import { ParleyError, abortError, describeError } from '../errors.js';
import { errorFromStatus, retryAfterMs } from './http-errors.js';

export interface ConnectOptions {
  provider: string;
  displayName: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Handshake deadline (ms). Default 10 s. */
  timeoutMs?: number;
  /**
   * Resolve with the socket paused: a server that speaks first (its first frame can arrive in the
   * same packet as the upgrade) would otherwise emit messages before the caller's listeners are
   * attached. The caller resume()s once it listens.
   */
  paused?: boolean;
  /** Largest message accepted from the server, in bytes (ws defaults to 100 MiB). */
  maxPayload?: number;
}

/**
 * Opens a WebSocket and turns every way the handshake can fail into a typed error: a refused
 * upgrade (401 bad key, 429, 5xx, with the server's error text), an unreachable host (naming the
 * URL), a handshake that never completes, or an abort.
 */
export async function connectWebSocket(url: string, options: ConnectOptions): Promise<WebSocket> {
  // Loaded by the first provider that connects, not by everything that imports a provider.
  const { default: WebSocketClient } = await import('ws');
  const { provider, displayName } = options;
  // Messages name the endpoint without its query (long, and of no use to the reader).
  const where = url.split('?')[0]!;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(abortError());
    const ws = new WebSocketClient(url, { headers: options.headers, handshakeTimeout: options.timeoutMs ?? 10_000, ...(options.maxPayload ? { maxPayload: options.maxPayload } : {}) });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      ws.terminate();
      settle(() => reject(abortError()));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    ws.once('open', () => {
      if (options.paused) ws.pause();
      settle(() => resolve(ws));
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('utf8')));
      res.on('end', () => {
        const detail = String(res.headers['dg-error'] ?? '') || summarizeBody(body);
        // Retry-After in seconds or as an HTTP date (429 and 503 carry it).
        const retryAfter = retryAfterMs({ get: (name) => String(res.headers[name] ?? '') || null });
        settle(() => reject(errorFromStatus(provider, displayName, res.statusCode ?? 0, detail, retryAfter)));
        ws.terminate();
      });
    });
    ws.once('error', (e: Error & { code?: string }) => {
      const message = describeError(e);
      if (/timed out/i.test(message)) {
        settle(() => reject(new ParleyError('provider/timeout', `${displayName} did not complete the WebSocket handshake at ${where}`, { provider, cause: e })));
      } else {
        settle(() => reject(new ParleyError('provider/unreachable', `cannot reach ${displayName} at ${where}: ${message}`, { provider, cause: e })));
      }
    });
  });
}

function summarizeBody(body: string): string {
  try {
    const j = JSON.parse(body) as { err_msg?: string; message?: string; detail?: { message?: string } | string; error?: { message?: string } | string };
    const m = j.err_msg ?? j.message ?? (typeof j.detail === 'string' ? j.detail : j.detail?.message) ?? (typeof j.error === 'string' ? j.error : j.error?.message);
    if (m) return m;
  } catch {
    // not JSON
  }
  return body.slice(0, 200).trim();
}

/** Close codes that mean "done as asked". */
export function isNormalClose(code: number): boolean {
  return code === 1000 || code === 1005;
}

export function decodeCloseReason(reason: Buffer): string {
  return reason.toString('utf8').slice(0, 200);
}
