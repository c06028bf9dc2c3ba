// The preload: exposes one small typed object (window.parley) and nothing else. Bundled to CommonJS
// (sandboxed preloads cannot load ES modules or other local files), with conversation.ts and
// invoke.ts (kept apart so they are unit-tested against fakes of Electron's IPC).
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { createParleyApi } from '../shared/ipc.js';
import { openConversation, type RendererPort } from './conversation.js';
import { createInvoke } from './invoke.js';

// No eval under the page's CSP: zod must not try to compile validators with new Function().
z.config({ jitless: true });

contextBridge.exposeInMainWorld('parley', {
  ...createParleyApi(createInvoke(ipcRenderer)),
  openConversation: () => openConversation(ipcRenderer, () => new MessageChannel() as unknown as { port1: RendererPort; port2: unknown }),
});
