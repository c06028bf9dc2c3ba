import { ErrorCodeSchema } from '../../shared/errors.js';
import { describeError } from '../errors.js';
import { HostMessageSchema, type ChildMessage, type WireError } from './protocol.js';
import type { CreateWorker, WorkerMethod } from './worker-api.js';

/** The parent's channel as the child sees it. */
export interface WorkerTransport {
  send(message: ChildMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent went away (its end of the channel closed). */
  onDisconnect(listener: () => void): void;
}

/**
 * The child's side of the protocol: loads the worker module, runs calls concurrently, cancels on
 * request, and turns every failure into a typed error message (the process itself keeps running).
 * Resolves false when the module could not load (a 'fatal' was sent; the caller exits).
 */
export async function serveWorker(transport: WorkerTransport, load: () => Promise<unknown>): Promise<boolean> {
  let methods: Record<string, WorkerMethod>;
  try {
    const mod = (await load()) as { createWorker?: CreateWorker };
    if (typeof mod.createWorker !== 'function') throw new Error('the worker module exports no createWorker()');
    methods = await mod.createWorker();
  } catch (e) {
    transport.send({ type: 'fatal', error: wireError(e) });
    return false;
  }
  const running = new Map<number, AbortController>();
  transport.onMessage((raw) => {
    const parsed = HostMessageSchema.safeParse(raw);
    if (!parsed.success) return; // nothing to answer: the host only sends valid messages
    const message = parsed.data;
    if (message.type === 'cancel') return running.get(message.id)?.abort();
    const { id } = message;
    const method = Object.hasOwn(methods, message.method) ? methods[message.method] : undefined;
    if (!method) return transport.send({ type: 'error', id, error: { code: 'local/protocol', message: `the worker has no method '${message.method}'` } });
    const controller = new AbortController();
    running.set(id, controller);
    const live = () => running.get(id) === controller && !controller.signal.aborted;
    const call = {
      signal: controller.signal,
      emit: (data: unknown) => {
        if (live()) transport.send({ type: 'event', id, data });
      },
      progress: (stage: string, fraction: number | null) => {
        if (live()) transport.send({ type: 'progress', id, stage, fraction: fraction === null ? null : Math.min(1, Math.max(0, fraction)) });
      },
    };
    method(message.params, call).then(
      (value) => {
        running.delete(id);
        transport.send(controller.signal.aborted ? { type: 'error', id, error: null } : { type: 'result', id, value });
      },
      (e: unknown) => {
        running.delete(id);
        transport.send({ type: 'error', id, error: controller.signal.aborted ? null : wireError(e) });
      },
    );
  });
  transport.onDisconnect(() => {
    for (const c of running.values()) c.abort();
  });
  transport.send({ type: 'ready', methods: Object.keys(methods) });
  return true;
}

/** A thrown value as a wire error: a ParleyError keeps its code; anything else is a fault of the worker. */
export function wireError(e: unknown): WireError {
  const code = ErrorCodeSchema.safeParse((e as { code?: unknown } | null)?.code);
  if (code.success) return { code: code.data, message: describeError(e) };
  return { code: 'local/crashed', message: `the local inference process failed: ${describeError(e)}` };
}
