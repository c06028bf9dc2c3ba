import { serveWorker, type WorkerTransport } from '../../../../electron/engine/local/child-runtime.js';
import type { ChildExit, LocalChild, Spawner } from '../../../../electron/engine/local/spawner.js';
import type { WorkerMethod } from '../../../../electron/engine/local/worker-api.js';

/**
 * A Spawner whose "process" runs the real child runtime (serveWorker) in this process, with
 * messages structured-cloned and delivered asynchronously as over a real channel. kill() and
 * crash() end it the way an exiting process would.
 */
export function inMemorySpawner(createWorker: () => Record<string, WorkerMethod> | Promise<Record<string, WorkerMethod>>) {
  const children: (LocalChild & { crash(exit?: ChildExit): void; fromChild: unknown[]; inject(message: unknown): void; killed: boolean })[] = [];
  const spawn: Spawner = () => {
    const toHost: ((m: unknown) => void)[] = [];
    const toChild: ((m: unknown) => void)[] = [];
    const disconnect: (() => void)[] = [];
    const exits: ((e: ChildExit) => void)[] = [];
    let alive = true;
    // What a process sent before it ended still arrives (the channel is flushed); nothing is sent after.
    const deliver = (listeners: ((m: unknown) => void)[], m: unknown) => {
      if (!alive) return;
      const copy = structuredClone(m);
      setImmediate(() => {
        for (const l of listeners) l(copy);
      });
    };
    const end = (exit: ChildExit) => {
      if (!alive) return;
      alive = false;
      for (const d of disconnect) d();
      setImmediate(() => exits.forEach((l) => l(exit)));
    };
    const child = {
      pid: 1000 + children.length,
      killed: false,
      fromChild: [] as unknown[],
      send: (m: unknown) => deliver(toChild, m),
      onMessage: (l: (m: unknown) => void) => void toHost.push(l),
      onExit: (l: (e: ChildExit) => void) => void exits.push(l),
      kill: () => {
        child.killed = true;
        end({ code: null, signal: 'SIGKILL' });
      },
      crash: (exit: ChildExit = { code: 134, signal: null }) => end(exit),
      inject: (m: unknown) => deliver(toHost, m),
    };
    const transport: WorkerTransport = {
      send: (m) => {
        child.fromChild.push(m);
        deliver(toHost, m);
      },
      onMessage: (l) => void toChild.push(l),
      onDisconnect: (l) => void disconnect.push(l),
    };
    void serveWorker(transport, async () => ({ createWorker })).then((ok) => {
      if (!ok) end({ code: 1, signal: null });
    });
    children.push(child);
    return child;
  };
  return { spawn, children };
}
