import { ConversationCommandSchema, ConversationMessageSchema, MAX_AUDIO_FRAME_BYTES, type ConversationChannel, type ConversationMessage } from '../shared/conversation.js';
import { IPC_PREFIX } from '../shared/ipc.js';

/** The renderer side of a MessageChannel (the DOM's MessagePort; typed structurally, the preload is typechecked with Node's types). */
export interface RendererPort {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  start(): void;
  close(): void;
}

export interface PortIpc {
  postMessage(channel: string, message: unknown, transfer: unknown[]): void;
}

/**
 * The live conversation over a MessagePort to main (binary PCM frames, validated JSON commands).
 * The port stays in the preload: the page only gets these functions.
 *
 * Audio frames are posted WITHOUT a transfer list: the other end is a MessagePortMain, which can
 * only receive transferred MessagePorts; an ArrayBuffer in the transfer list makes the whole
 * message arrive in main as null (electron/electron#34905). The frame is copied instead (a few
 * hundred bytes, ~50 a second).
 */
export function openConversation(ipc: PortIpc, createChannel: () => { port1: RendererPort; port2: unknown }): ConversationChannel {
  const { port1, port2 } = createChannel();
  ipc.postMessage(`${IPC_PREFIX}conversation-port`, null, [port2]);
  const onMessage: ((m: ConversationMessage) => void)[] = [];
  const onAudio: ((frame: ArrayBuffer) => void)[] = [];
  const onClose: ((reason: string) => void)[] = [];
  port1.addEventListener('message', (event) => {
    const data = event.data;
    if (data instanceof Uint8Array || data instanceof ArrayBuffer) {
      const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
      const copy = bytes.slice().buffer;
      for (const l of onAudio) l(copy);
      return;
    }
    const parsed = ConversationMessageSchema.safeParse(data);
    if (parsed.success) for (const l of onMessage) l(parsed.data);
  });
  port1.addEventListener('close', () => {
    for (const l of onClose) l('the conversation with the engine closed');
  });
  port1.start();
  return {
    send: (command) => port1.postMessage(ConversationCommandSchema.parse(command)),
    sendAudio: (frame) => {
      if (!(frame instanceof ArrayBuffer) || frame.byteLength > MAX_AUDIO_FRAME_BYTES) throw new Error('invalid audio frame');
      port1.postMessage(frame);
    },
    onMessage: (l) => void onMessage.push(l),
    onAudio: (l) => void onAudio.push(l),
    onClose: (l) => void onClose.push(l),
    close: () => port1.close(),
  };
}
