import { invokeChannels, isInvokeChannel, type InvokeChannel, type InvokeResponse } from '../shared/ipc.js';

export type InvokeHandlers = { [C in InvokeChannel]: (request: unknown) => Promise<InvokeResponse<C>> | InvokeResponse<C> };

/** The part of ipcMain we use. */
export interface IpcMainSurface {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null }, payload: unknown) => unknown): void;
}

/**
 * Registers one handler per contract channel. Each call is checked: it must come from the app's own
 * page and carry a payload that matches the channel's schema; the response is validated too, so a
 * bug in main cannot leak an unexpected shape (or a secret) to the renderer.
 */
export function registerIpc(ipcMain: IpcMainSurface, handlers: InvokeHandlers, isTrustedSender: (url: string) => boolean): void {
  for (const channel of Object.keys(invokeChannels)) {
    if (!isInvokeChannel(channel)) throw new Error(`bad channel name ${channel}`);
    const { request, response } = invokeChannels[channel];
    ipcMain.handle(channel, async (event, payload) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedSender(url)) throw new Error(`${channel}: refused a message from ${url || 'an unknown frame'}`);
      const parsed = request.safeParse(payload);
      if (!parsed.success) throw new Error(`${channel}: invalid request: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
      return response.parse(await handlers[channel](parsed.data));
    });
  }
}
