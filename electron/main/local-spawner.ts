import type { ChildExit, LocalChild, Spawner, SpawnOptions } from '../engine/local/spawner.js';
import type { MessagePortSurface } from './conversation.js';

/** Main's methods the engine process uses to start and stop local inference processes. */
export interface LocalProcessMain {
  forkLocal(request: SpawnOptions): Promise<{ token: number; pid: number | undefined }>;
  killLocal(token: number): Promise<void>;
}

/**
 * The Spawner inside the engine's utility process: main starts the inference process
 * (utilityProcess.fork) and hands this process a MessagePort to it ('local-port' message, routed
 * here with portArrived); main reports its exit (exited). Messages sent before the port arrives
 * wait for it. A fork main refuses ends as an exit, so the host reports it like a crash.
 */
export function portSpawner(main: LocalProcessMain) {
  const byToken = new Map<number, { attach(port: MessagePortSurface): void; exit(e: ChildExit): void }>();
  const earlyPorts = new Map<number, MessagePortSurface>();
  const spawner: Spawner = (options) => {
    let port: MessagePortSurface | undefined;
    let token: number | undefined;
    let pid: number | undefined;
    let ended = false;
    let killRequested = false;
    const outbox: unknown[] = [];
    const messageListeners: ((m: unknown) => void)[] = [];
    const exitListeners: ((e: ChildExit) => void)[] = [];
    const exit = (e: ChildExit) => {
      if (ended) return;
      ended = true;
      if (token !== undefined) byToken.delete(token);
      port?.close();
      for (const l of exitListeners) l(e);
    };
    const attach = (p: MessagePortSurface) => {
      if (ended) return p.close();
      port = p;
      p.on('message', (event) => messageListeners.forEach((l) => l(event.data)));
      p.start();
      for (const m of outbox.splice(0)) p.postMessage(m);
    };
    main.forkLocal(options).then(
      (r) => {
        token = r.token;
        pid = r.pid;
        if (ended || killRequested) return void main.killLocal(r.token).catch(() => undefined);
        byToken.set(r.token, { attach, exit });
        const early = earlyPorts.get(r.token);
        earlyPorts.delete(r.token);
        if (early) attach(early);
      },
      () => exit({ code: null, signal: null }),
    );
    return {
      get pid() {
        return pid;
      },
      send: (message) => {
        if (ended) return;
        if (port) port.postMessage(message);
        else outbox.push(message);
      },
      onMessage: (l) => void messageListeners.push(l),
      onExit: (l) => void exitListeners.push(l),
      kill: () => {
        killRequested = true;
        if (token !== undefined) void main.killLocal(token).catch(() => undefined);
        exit({ code: null, signal: 'SIGKILL' });
      },
    } satisfies LocalChild;
  };
  return {
    spawner,
    /** A 'local-port' message from main: the engine's end of the channel to process `token`. */
    portArrived(token: number, port: MessagePortSurface): void {
      const child = byToken.get(token);
      if (child) child.attach(port);
      // The port and the fork's answer travel separately: keep it until the answer names its token.
      else if (earlyPorts.size < 16) earlyPorts.set(token, port);
      else port.close();
    },
    /** Main saw process `token` exit. */
    exited(token: number, code: number): void {
      byToken.get(token)?.exit({ code, signal: null });
    },
  };
}

export type PortSpawner = ReturnType<typeof portSpawner>;
