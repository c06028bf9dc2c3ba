// The preload: exposes one small typed object (window.parley) and nothing else. Bundled to CommonJS
// (sandboxed preloads cannot load ES modules or other local files).
import { contextBridge, ipcRenderer } from 'electron';
import { z } from 'zod';
import { createParleyApi, invokeChannels, type InvokeChannel, type InvokeResponse } from '../shared/ipc.js';

// No eval under the page's CSP: zod must not try to compile validators with new Function().
z.config({ jitless: true });

async function invoke<C extends InvokeChannel>(channel: C, request?: unknown): Promise<InvokeResponse<C>> {
  invokeChannels[channel].request.parse(request);
  const response: unknown = await ipcRenderer.invoke(channel, request);
  return invokeChannels[channel].response.parse(response) as InvokeResponse<C>;
}

contextBridge.exposeInMainWorld('parley', createParleyApi(invoke));
