import { z } from 'zod';
import { invokeChannels, isInvokeChannel, type InvokeChannel, type InvokeRequest, type InvokeResponse } from './ipc.js';
import { issuePath, plainIssue } from './issues.js';

/** One handler per channel; each receives its channel's request already parsed by the channel's schema. */
export type InvokeHandlers = { [C in InvokeChannel]: (request: InvokeRequest<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C> };

/**
 * A request its channel's schema refuses: the page's mistake, not the engine's. The message names
 * the channel and the field ("parley:settings-update: turnTaking.completeWaitMs: must be at most
 * 2000") so the UI can show it where it belongs; `field` is that path ('' for the whole request).
 */
export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  constructor(
    readonly channel: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${channel}: ${field ? `${field}: ` : 'the request '}${problem}`);
  }
}

/**
 * One request through the contract, for every transport (Electron IPC, the serve WebSocket): the
 * channel must exist, the payload must match its schema (parsed once, here: the handler gets the
 * parsed value), and the response is checked too, so a bug cannot leak an unexpected shape (or a
 * secret) to the renderer.
 */
export async function dispatchInvoke(handlers: InvokeHandlers, channel: string, payload: unknown): Promise<unknown> {
  if (!isInvokeChannel(channel)) throw new Error(`unknown channel ${channel}`);
  return dispatchChannel(handlers, channel, payload);
}

/** The contract, seen per channel (so a channel's schema and its handler are known to agree). */
const channelSchemas: { [C in InvokeChannel]: { request: z.ZodType<InvokeRequest<C>>; response: z.ZodType<InvokeResponse<C>> } } = invokeChannels;

async function dispatchChannel<C extends InvokeChannel>(handlers: InvokeHandlers, channel: C, payload: unknown): Promise<InvokeResponse<C>> {
  const { request, response } = channelSchemas[channel];
  const parsed = request.safeParse(payload, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(channel, issue ? issuePath(issue) : '', issue ? plainIssue(issue) : 'is malformed');
  }
  const handler: InvokeHandlers[C] = handlers[channel];
  return response.parse(await handler(parsed.data));
}

/** Messages of the serve WebSocket transport (the preload's contract, carried as JSON). */
export const WsRequestSchema = z.object({ id: z.number().int().nonnegative(), channel: z.string().max(64), payload: z.unknown().optional() });
export const WsResponseSchema = z.union([
  z.object({ id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.string() }),
]);
export type WsResponse = z.infer<typeof WsResponseSchema>;
