import { z } from 'zod';
import { ErrorInfoSchema } from './errors.js';

/** Every IPC channel starts with this; main refuses anything else. */
export const IPC_PREFIX = 'parley:';

export const ExecutionProviderSchema = z.enum(['cpu', 'cuda', 'coreml', 'dml']);

/** What the renderer may know about the engine: never keys, never paths outside the app. */
export const EngineInfoSchema = z.object({
  version: z.string(),
  platform: z.string(),
  vad: z.discriminatedUnion('state', [
    z.object({ state: z.literal('loading') }),
    z.object({
      state: z.literal('ready'),
      provider: ExecutionProviderSchema,
      /** Model load time (read, verify, create session), ms. */
      loadMs: z.number().nonnegative(),
    }),
    z.object({ state: z.literal('failed'), error: ErrorInfoSchema }),
  ]),
});
export type EngineInfo = z.infer<typeof EngineInfoSchema>;

/**
 * The request/response channels: name -> [request schema, response schema]. The preload and main
 * both validate against these, so a malformed message is rejected on either side.
 */
export const invokeChannels = {
  'parley:engine-info': { request: z.undefined(), response: EngineInfoSchema },
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type InvokeRequest<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.infer<(typeof invokeChannels)[C]['response']>;

export function isInvokeChannel(name: string): name is InvokeChannel {
  return name.startsWith(IPC_PREFIX) && Object.hasOwn(invokeChannels, name);
}

/** The one object the preload exposes as `window.parley`. */
export interface ParleyApi {
  getEngineInfo(): Promise<EngineInfo>;
}
