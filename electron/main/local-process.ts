import path from 'node:path';
import { z } from 'zod';
import type { MessagePortSurface } from './conversation.js';

/** An Electron UtilityProcess, as far as local inference processes use it (docs/api/utility-process.md). */
export interface LocalUtilityChild {
  readonly pid: number | undefined;
  /** `transfer` may hold only MessagePortMain objects. */
  postMessage(message: unknown, transfer?: MessagePortSurface[]): void;
  on(event: 'exit', listener: (code: number) => void): void;
  kill(): boolean;
}

/** What main uses of Electron to start one: utilityProcess.fork and MessageChannelMain. */
export interface LocalProcessElectron {
  fork(modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit' }): LocalUtilityChild;
  channel(): { port1: MessagePortSurface; port2: MessagePortSurface };
}

/** What the engine process asks main to start (see engine/local/spawner.ts); checked, as everything crossing into main. */
const LocalForkRequestSchema = z.object({ entry: z.string().min(1).max(4096), args: z.array(z.string().max(4096)).length(1), serviceName: z.string().max(200) });
export type LocalForkRequest = z.infer<typeof LocalForkRequestSchema>;

/**
 * Main's part in local inference (the engine runs in a utility process, which cannot fork one: only
 * main has utilityProcess, and the RunAsNode fuse rules out child_process.fork). Main starts the
 * process and hands it one end of a MessageChannelMain (a {type:'connect'} message); the engine
 * gets the other end, so inference traffic never crosses main's event loop. Only the engine's own
 * child-entry may be started, with worker modules from the app's own code.
 */
export function localProcessLauncher(electron: LocalProcessElectron, o: { entry: string; codeRoot: string }) {
  const children = new Map<number, LocalUtilityChild>();
  let next = 1;
  const inside = (file: string) => {
    const rel = path.relative(o.codeRoot, path.resolve(file));
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  return {
    /** Starts the process; returns its token and the engine's end of the port. `onExit` follows when it ends. */
    fork(raw: LocalForkRequest, onExit: (token: number, code: number) => void): { token: number; pid: number | undefined; port: MessagePortSurface } {
      const parsed = LocalForkRequestSchema.safeParse(raw);
      if (!parsed.success) throw new Error('invalid request for a local inference process');
      const request = parsed.data;
      if (path.resolve(request.entry) !== path.resolve(o.entry)) throw new Error(`main starts only the local inference entry, not ${request.entry}`);
      const module = request.args[0]!;
      if (!inside(module)) throw new Error('a local inference process runs a worker module of the app only');
      const child = electron.fork(o.entry, [module], { serviceName: request.serviceName.slice(0, 80), stdio: 'inherit' });
      const { port1, port2 } = electron.channel();
      child.postMessage({ type: 'connect' }, [port1]);
      const token = next++;
      children.set(token, child);
      child.on('exit', (code) => {
        children.delete(token);
        onExit(token, code);
      });
      return { token, port: port2, pid: child.pid };
    },
    kill(token: number): void {
      children.get(token)?.kill();
    },
    /** App quit: end every local process (child processes outlive an app that does not). */
    killAll(): void {
      for (const child of children.values()) child.kill();
    },
    get running(): number {
      return children.size;
    },
  };
}

export type LocalProcessLauncher = ReturnType<typeof localProcessLauncher>;
