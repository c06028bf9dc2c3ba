import { z } from 'zod';

/**
 * Calls between main and the engine's utility process, over the process's message port: each
 * side exposes an object of async methods to the other. Messages are plain data (structured
 * clone); a method that throws answers with its message and code, never a rejection lost on the
 * way. Calls still pending when the other side goes away fail at once.
 */
const CallSchema = z.object({ rpc: z.literal('call'), id: z.number().int().nonnegative(), method: z.string().max(64), args: z.array(z.unknown()).max(8) });
const ReturnSchema = z.discriminatedUnion('ok', [
  z.object({ rpc: z.literal('return'), id: z.number().int().nonnegative(), ok: z.literal(true), value: z.unknown() }),
  z.object({ rpc: z.literal('return'), id: z.number().int().nonnegative(), ok: z.literal(false), error: z.object({ code: z.string().max(64), message: z.string().max(4000) }) }),
]);

/** A failure that came back from the other side of an RPC, with its code. */
export class RpcError extends Error {
  override readonly name = 'ParleyError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- method tables of any shape
export type RpcMethods = Record<string, (...args: any[]) => unknown>;

export interface RpcPeer<Remote extends RpcMethods> {
  call<K extends keyof Remote & string>(method: K, ...args: Parameters<Remote[K]>): Promise<Awaited<ReturnType<Remote[K]>>>;
  /** Feeds a message from the other side; false if it was not an RPC message. */
  receive(message: unknown): boolean;
  /** The other side is gone: pending calls fail with `reason`, later calls fail at once. */
  close(reason: string): void;
}

/** At most this many calls wait for an answer; more fail at once (a stuck peer cannot grow memory). */
export const MAX_PENDING_CALLS = 256;

export function rpcPeer<Remote extends RpcMethods>(send: (message: unknown) => void, local: RpcMethods): RpcPeer<Remote> {
  let nextId = 0;
  let closed: string | undefined;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const answer = (id: number, run: () => unknown) => {
    void (async () => {
      try {
        send({ rpc: 'return', id, ok: true, value: await run() });
      } catch (e) {
        const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'rpc/failed';
        send({ rpc: 'return', id, ok: false, error: { code, message: (e instanceof Error ? e.message : String(e)).slice(0, 4000) } });
      }
    })().catch(() => undefined);
  };
  return {
    call(method, ...args) {
      if (closed !== undefined) return Promise.reject(new RpcError('rpc/closed', closed));
      if (pending.size >= MAX_PENDING_CALLS) return Promise.reject(new RpcError('rpc/busy', `${method}: too many calls waiting for the engine`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        send({ rpc: 'call', id, method, args });
      });
    },
    receive(message) {
      const call = CallSchema.safeParse(message);
      if (call.success) {
        const { id, method, args } = call.data;
        const fn = Object.hasOwn(local, method) ? local[method] : undefined;
        answer(id, () => {
          if (!fn) throw new RpcError('rpc/unknown-method', `no method ${method}`);
          return fn(...args);
        });
        return true;
      }
      const ret = ReturnSchema.safeParse(message);
      if (!ret.success) return false;
      const waiting = pending.get(ret.data.id);
      if (!waiting) return true;
      pending.delete(ret.data.id);
      if (ret.data.ok) waiting.resolve(ret.data.value);
      else waiting.reject(new RpcError(ret.data.error.code, ret.data.error.message));
      return true;
    },
    close(reason) {
      if (closed !== undefined) return;
      closed = reason;
      for (const p of pending.values()) p.reject(new RpcError('rpc/closed', reason));
      pending.clear();
    },
  };
}
