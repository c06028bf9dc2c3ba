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

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown; ports?: PortLike[] }) => void): void;
  on(event: 'close', listener: () => void): void;
  start?(): void;
}

/** The parts of `process` the child's channel comes from. */
export interface ChildProcessLike {
  /** Electron's utility process. */
  parentPort?: PortLike;
  /** child_process.fork's IPC. */
  send?: (message: unknown) => unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

/**
 * The channel to the engine: process.send under child_process.fork; under Electron's
 * utilityProcess.fork, process.parentPort, or the MessagePort main hands over in a
 * {type:'connect'} message (the engine then talks to this process directly, not through main).
 */
export function parentTransport(proc: ChildProcessLike): WorkerTransport {
  const parentPort = proc.parentPort;
  if (parentPort) {
    let target: PortLike = parentPort;
    const listeners: ((m: unknown) => void)[] = [];
    const gone: (() => void)[] = [];
    const deliver = (event: { data: unknown; ports?: PortLike[] }) => {
      const port = event.ports?.[0];
      if (port && (event.data as { type?: unknown } | null)?.type === 'connect') {
        target = port;
        port.on('message', deliver);
        // The engine's end closed (its process ended): nothing is left to answer.
        port.on('close', () => gone.forEach((l) => l()));
        port.start?.();
        return;
      }
      for (const l of listeners) l(event.data);
    };
    parentPort.on('message', deliver);
    return { send: (m) => target.postMessage(m), onMessage: (l) => void listeners.push(l), onDisconnect: (l) => void gone.push(l) };
  }
  const send = proc.send?.bind(proc);
  if (send) {
    return {
      send: (m) => void send(m),
      onMessage: (l) => void proc.on('message', l),
      onDisconnect: (l) => void proc.once('disconnect', l),
    };
  }
  throw new Error('child-entry runs only as a forked process (child_process.fork or utilityProcess.fork)');
}
