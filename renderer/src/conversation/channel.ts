import { ConversationMessageSchema, type ConversationChannel, type ConversationMessage } from '../../../electron/shared/conversation';
import { engineProtocols } from '../serve-token';

/**
 * The conversation channel of this page: the preload's MessagePort inside Electron, else the
 * `/conversation` WebSocket of `parley serve` (same origin; the token goes as a subprotocol).
 */
export function openConversationChannel(): ConversationChannel | undefined {
  if (window.parley) return window.parley.openConversation();
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return undefined;
  return webSocketChannel(`${location.origin.replace(/^http/, 'ws')}/conversation`);
}

function webSocketChannel(url: string): ConversationChannel {
  const socket = new WebSocket(url, engineProtocols());
  socket.binaryType = 'arraybuffer';
  const messageListeners: ((m: ConversationMessage) => void)[] = [];
  const audioListeners: ((frame: ArrayBuffer) => void)[] = [];
  const closeListeners: ((reason: string) => void)[] = [];
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
    for (const l of closeListeners) l(event.reason || 'the connection to the Parley engine closed');
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
