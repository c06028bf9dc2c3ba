import { z } from 'zod';
import { ErrorCodeSchema } from '../../shared/errors.js';

/**
 * The wire protocol between a LocalProcessHost (the engine) and its inference process. Both sides
 * validate every message with these schemas; payloads (`params`, `data`, `value`) belong to the
 * worker module, which validates its own (the host stays generic). Documented in README.md.
 */
const RequestId = z.number().int().nonnegative();

export const HostMessageSchema = z.discriminatedUnion('type', [
  /** Run `method` of the worker module with `params`. */
  z.object({ type: z.literal('call'), id: RequestId, method: z.string().min(1), params: z.unknown() }),
  /** Stop request `id` now (barge-in): the worker's AbortSignal for it fires. */
  z.object({ type: z.literal('cancel'), id: RequestId }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const WireErrorSchema = z.object({ code: ErrorCodeSchema, message: z.string() });
export type WireError = z.infer<typeof WireErrorSchema>;

export const ChildMessageSchema = z.discriminatedUnion('type', [
  /** The worker module loaded: the process takes calls (sent once, first). */
  z.object({ type: z.literal('ready'), methods: z.array(z.string()) }),
  /** The module could not load: the process exits after this. */
  z.object({ type: z.literal('fatal'), error: WireErrorSchema }),
  /** A streamed item of request `id` (tokens, audio, transcripts). */
  z.object({ type: z.literal('event'), id: RequestId, data: z.unknown() }),
  /** Loading progress of request `id` (a model being read): `fraction` in [0, 1] when known. */
  z.object({ type: z.literal('progress'), id: RequestId, stage: z.string(), fraction: z.number().min(0).max(1).nullable() }),
  /** Request `id` finished with `value`; nothing more follows for it. */
  z.object({ type: z.literal('result'), id: RequestId, value: z.unknown() }),
  /** Request `id` failed (or was cancelled: code is absent then); nothing more follows for it. */
  z.object({ type: z.literal('error'), id: RequestId, error: WireErrorSchema.nullable() }),
]);
export type ChildMessage = z.infer<typeof ChildMessageSchema>;
