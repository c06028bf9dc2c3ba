// The preload: exposes one small typed object (window.parley) and nothing else. Bundled to CommonJS
// (sandboxed preloads cannot load ES modules or other local files).
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { ConversationCommandSchema, ConversationMessageSchema, MAX_AUDIO_FRAME_BYTES, type ConversationChannel, type ConversationMessage } from '../shared/conversation.js';
import { IPC_PREFIX, createParleyApi, invokeChannels, type InvokeChannel, type InvokeResponse } from '../shared/ipc.js';

// No eval under the page's CSP: zod must not try to compile validators with new Function().
z.config({ jitless: true });

async function invoke<C extends InvokeChannel>(channel: C, request?: unknown): Promise<InvokeResponse<C>> {
  invokeChannels[channel].request.parse(request);
  const response: unknown = await ipcRenderer.invoke(channel, request);
  return invokeChannels[channel].response.parse(response) as InvokeResponse<C>;
}

/**
 * The live conversation over a MessagePort to main (binary PCM frames, validated JSON commands).
 * The port stays here: the page only gets these functions.
 */
function openConversation(): ConversationChannel {
  const { port1, port2 } = new MessageChannel();
  ipcRenderer.postMessage(`${IPC_PREFIX}conversation-port`, null, [port2]);
  const onMessage: ((m: ConversationMessage) => void)[] = [];
  const onAudio: ((frame: ArrayBuffer) => void)[] = [];
  const onClose: ((reason: string) => void)[] = [];
  // (The preload is typechecked with Node's types; at run time this is the DOM's MessagePort.)
  port1.addEventListener('message', (event) => {
    const data = (event as unknown as { data: unknown }).data;
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
      port1.postMessage(frame, [frame]);
    },
    onMessage: (l) => void onMessage.push(l),
    onAudio: (l) => void onAudio.push(l),
    onClose: (l) => void onClose.push(l),
    close: () => port1.close(),
  };
}

contextBridge.exposeInMainWorld('parley', { ...createParleyApi(invoke), openConversation });
