import { z } from 'zod';
import { invokeChannels, isInvokeChannel, type InvokeChannel, type InvokeResponse } from './ipc.js';

export type InvokeHandlers = { [C in InvokeChannel]: (request: unknown) => Promise<InvokeResponse<C>> | InvokeResponse<C> };

/**
 * One request through the contract, for every transport (Electron IPC, the serve WebSocket): the
 * channel must exist, the payload must match its schema, and the response is checked too, so a bug
 * cannot leak an unexpected shape (or a secret) to the renderer.
 */
export async function dispatchInvoke(handlers: InvokeHandlers, channel: string, payload: unknown): Promise<unknown> {
  if (!isInvokeChannel(channel)) throw new Error(`unknown channel ${channel}`);
  const { request, response } = invokeChannels[channel];
  const parsed = request.safeParse(payload);
  if (!parsed.success) throw new Error(`${channel}: invalid request: ${parsed.error.issues[0]?.message ?? 'malformed'}`);
  return response.parse(await handlers[channel](parsed.data));
}

/** Messages of the serve WebSocket transport (the preload's contract, carried as JSON). */
export const WsRequestSchema = z.object({ id: z.number().int().nonnegative(), channel: z.string().max(64), payload: z.unknown().optional() });
export const WsResponseSchema = z.union([
  z.object({ id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.string() }),
]);
export type WsResponse = z.infer<typeof WsResponseSchema>;
