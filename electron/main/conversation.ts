import type { ConversationMessage } from '../shared/conversation.js';
import { IPC_PREFIX } from '../shared/ipc.js';
import type { ConversationPeer, PeerHandle } from '../engine/session/conversation-host.js';

/** The preload sends one end of a MessageChannel on this channel; audio and control then flow over it. */
export const CONVERSATION_PORT_CHANNEL = `${IPC_PREFIX}conversation-port`;

/** The part of Electron's MessagePortMain we use. */
export interface MessagePortSurface {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export interface IpcPortEvent {
  senderFrame: { url: string } | null;
  ports: MessagePortSurface[];
}

/**
 * Opens the window's conversation port: only the app's own page may open one; `open` then takes
 * the port (attaches it to the engine here, or hands it to the engine's process).
 */
export function registerConversationPort(
  ipcMain: { on(channel: string, listener: (event: IpcPortEvent) => void): void },
  open: (port: MessagePortSurface) => void,
  isTrustedSender: (url: string) => boolean,
): void {
  ipcMain.on(CONVERSATION_PORT_CHANNEL, (event) => {
    const port = event.ports[0];
    if (!port || !isTrustedSender(event.senderFrame?.url ?? '')) {
      port?.close();
      return;
    }
    open(port);
  });
}

/** Wires a conversation port to the engine: binary PCM frames and validated JSON commands in, events and playback frames out. */
export function attachConversationPort(port: MessagePortSurface, host: { attach(peer: ConversationPeer): PeerHandle }): void {
  const handle = host.attach({
    send: (message: ConversationMessage) => port.postMessage(message),
    sendAudio: (frame: ArrayBuffer) => port.postMessage(new Uint8Array(frame)),
    close: () => port.close(),
  });
  port.on('message', (e) => handle.receive(e.data));
  port.on('close', () => handle.detach());
  port.start();
}
