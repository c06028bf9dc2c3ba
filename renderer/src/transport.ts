import { WsResponseSchema } from '../../electron/shared/dispatch';
import { createParleyApi, type InvokeChannel, type InvokeResponse, type ParleyApi } from '../../electron/shared/ipc';
import { engineProtocols, takeServeToken } from './serve-token';

/**
 * The engine API for a page opened from `parley serve`: the same contract as the preload's
 * window.parley, carried over a WebSocket to the page's own origin (the server checks the token,
 * offered as a subprotocol, and the Origin).
 */
export function connectWebSocketApi(url = `${location.origin.replace(/^http/, 'ws')}/api`): ParleyApi {
  let next = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const socket = new WebSocket(url, engineProtocols());
  const opened = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener(
      'error',
      // The server refuses a page without the token; the usual cause is an address typed or copied without it.
      () => reject(new Error(takeServeToken() ? 'cannot connect to the Parley engine' : 'cannot connect to the Parley engine: open the full address printed by `parley serve` (it carries the access token)')),
      { once: true },
    );
  });
  socket.addEventListener('message', (event) => {
    const parsed = WsResponseSchema.safeParse(JSON.parse(String(event.data)));
    if (!parsed.success) return;
    const waiter = pending.get(parsed.data.id);
    pending.delete(parsed.data.id);
    if (!waiter) return;
    if (parsed.data.ok) waiter.resolve(parsed.data.result);
    else waiter.reject(new Error(parsed.data.error));
  });
  let closed = false;
  socket.addEventListener('close', () => {
    closed = true;
    for (const w of pending.values()) w.reject(new Error('the connection to the Parley engine closed'));
    pending.clear();
  });
  const invoke = async <C extends InvokeChannel>(channel: C, payload?: unknown): Promise<InvokeResponse<C>> => {
    await opened;
    // A call after the engine went away fails at once (it would otherwise wait for an answer forever).
    if (closed) throw new Error('the connection to the Parley engine closed');
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      socket.send(JSON.stringify({ id, channel, payload }));
    });
  };
  return createParleyApi(invoke);
}

/** The preload's API inside Electron, else the WebSocket transport when served. */
export function engineApi(): ParleyApi | undefined {
  if (window.parley) return window.parley;
  if (location.protocol === 'http:' || location.protocol === 'https:') return connectWebSocketApi();
  return undefined;
}
