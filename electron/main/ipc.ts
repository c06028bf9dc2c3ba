import { invokeChannels } from '../shared/ipc.js';
import { dispatchInvoke, type InvokeHandlers } from '../shared/dispatch.js';

export type { InvokeHandlers };

/** The part of ipcMain we use. */
export interface IpcMainSurface {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, payload: unknown) => unknown): void;
}

/**
 * Registers one handler per contract channel. Each call must come from the app's own page; the
 * payload and the response are validated by the shared dispatcher.
 */
export function registerIpc(ipcMain: IpcMainSurface, handlers: InvokeHandlers, isTrustedSender: (url: string) => boolean): void {
  for (const channel of Object.keys(invokeChannels)) {
    ipcMain.handle(channel, (event, payload) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedSender(url)) throw new Error(`${channel}: refused a message from ${url || 'an unknown frame'}`);
      return dispatchInvoke(handlers, channel, payload);
    });
  }
}
