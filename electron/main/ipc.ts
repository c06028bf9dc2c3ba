import { ParleyError } from '../engine/errors.js';
import { invokeChannels } from '../shared/ipc.js';
import { InvalidRequestError, dispatchInvoke, type InvokeHandlers } from '../shared/dispatch.js';
import type { IpcResult } from '../shared/ipc-result.js';

export type { InvokeHandlers };

/** The part of ipcMain we use. */
export interface IpcMainSurface {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, payload: unknown) => unknown): void;
}

/**
 * Registers one handler per contract channel. Each call must come from the app's own page; the
 * payload and the response are validated by the shared dispatcher. Every handler answers with a
 * result envelope and never rejects: Electron would hand the page "Error invoking remote method
 * '<channel>': ParleyError: ..." with the class and the code lost.
 */
export function registerIpc(ipcMain: IpcMainSurface, handlers: InvokeHandlers, isTrustedSender: (url: string) => boolean): void {
  for (const channel of Object.keys(invokeChannels)) {
    ipcMain.handle(channel, async (event, payload): Promise<IpcResult> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedSender(url)) return { ok: false, error: { code: 'ipc/refused', message: `${channel}: refused a message from ${url || 'an unknown frame'}` } };
      return invokeResult(handlers, channel, payload);
    });
  }
}

/** One contract call, answered as a result envelope (never a rejection). */
export async function invokeResult(handlers: InvokeHandlers, channel: string, payload: unknown): Promise<IpcResult> {
  try {
    return { ok: true, value: await dispatchInvoke(handlers, channel, payload) };
  } catch (e) {
    return { ok: false, error: describeFailure(channel, e) };
  }
}

function describeFailure(channel: string, e: unknown): { code: string; message: string } {
  if (e instanceof ParleyError) return { code: e.code, message: e.message };
  // Failures that already crossed a process boundary (IpcError, RpcError) keep their code.
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && e.name === 'ParleyError') return { code: (e as Error & { code: string }).code, message: e.message };
  // dispatchInvoke's own refusals (schema checks) are the page's fault, not the engine's.
  if (e instanceof InvalidRequestError) return { code: 'ipc/invalid-request', message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'ipc/failed', message: `${channel} failed: ${message}` };
}
