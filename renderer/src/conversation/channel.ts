import { ConversationMessageSchema, type ConversationChannel, type ConversationMessage } from '../../../electron/shared/conversation';
import { engineProtocols } from '../serve-token';

/** Why the channel closed: `engineGone` when the engine itself went away (not a newer window taking over). */
export interface ChannelClose {
  reason: string;
  engineGone: boolean;
}

/** The conversation channel as the page uses it: its close says whether the engine is gone. */
export type LiveChannel = Omit<ConversationChannel, 'onClose'> & { onClose(listener: (close: ChannelClose) => void): void };

/**
 * The conversation channel of this page: the preload's MessagePort inside Electron, else the
 * `/conversation` WebSocket of `parley serve` (same origin; the token goes as a subprotocol).
 */
export function openConversationChannel(): LiveChannel | undefined {
  if (window.parley) {
    // The engine lives in the app's own main process: a closed port is the app closing or reloading this window.
    const port = window.parley.openConversation();
    return { ...port, onClose: (l) => port.onClose((reason) => l({ reason, engineGone: false })) };
  }
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return undefined;
  return webSocketChannel(`${location.origin.replace(/^http/, 'ws')}/conversation`);
}

/** What to do when the engine is gone, for this kind of page. */
export function restartAdvice(): string {
  return window.parley
    ? "Parley's engine has stopped. Quit Parley and open it again."
    : "Parley's engine has stopped (the `parley serve` process ended). Run `parley serve` again in a terminal and open the address it prints.";
}

function webSocketChannel(url: string): LiveChannel {
  const socket = new WebSocket(url, engineProtocols());
  socket.binaryType = 'arraybuffer';
  const messageListeners: ((m: ConversationMessage) => void)[] = [];
  const audioListeners: ((frame: ArrayBuffer) => void)[] = [];
  const closeListeners: ((close: ChannelClose) => void)[] = [];
  const outbox: (string | ArrayBuffer)[] = [];
  const send = (data: string | ArrayBuffer) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(data);
    else if (socket.readyState === WebSocket.CONNECTING) outbox.push(data);
  };
  socket.addEventListener('open', () => {
    for (const data of outbox.splice(0)) socket.send(data);
  });
  socket.addEventListener('message', (event) => {
    if (event.data instanceof ArrayBuffer) {
      for (const l of audioListeners) l(event.data);
      return;
    }
    // Validated like every IPC message: a malformed one is dropped, never acted on.
    const parsed = ConversationMessageSchema.safeParse(JSON.parse(String(event.data)));
    if (parsed.success) for (const l of messageListeners) l(parsed.data);
  });
  socket.addEventListener('close', (event) => {
    // The server closes a connection it hands over to a newer window normally (1000, with a reason);
    // any other close (1006: the process died; 1001: it shut down) means the engine is gone. That
    // holds before the socket opened too: this channel exists only once the engine answered this
    // page, so a handshake that then fails is the engine dying under it, not a wrong address.
    const engineGone = event.code !== 1000;
    for (const l of closeListeners) l({ reason: event.reason || 'the connection to the Parley engine closed', engineGone });
  });
  return {
    send: (command) => send(JSON.stringify(command)),
    // Microphone frames are only worth sending live: none are queued while connecting.
    sendAudio: (frame) => socket.readyState === WebSocket.OPEN && socket.send(frame),
    onMessage: (l) => void messageListeners.push(l),
    onAudio: (l) => void audioListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
    close: () => socket.close(1000),
  };
}
