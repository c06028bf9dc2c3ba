import { fork } from 'node:child_process';

/** Why a local inference process ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** A running inference process, as the host needs it (Node's ChildProcess or Electron's UtilityProcess). */
export interface LocalChild {
  readonly pid: number | undefined;
  /** Structured-clone semantics: typed arrays arrive as typed arrays. */
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: ChildExit) => void): void;
  kill(): void;
  /**
   * Busy: the child keeps the engine's process alive while requests are in flight; idle, it does
   * not (a CLI run ends when its work is done, and the child follows when its channel closes).
   */
  setBusy?(busy: boolean): void;
}

export interface SpawnOptions {
  /** The script to run (child-entry.js). */
  entry: string;
  args: string[];
  /** For process listings and crash reports ("Parley local LLM"). */
  serviceName: string;
}

/** Starts an inference process. Injected: child_process.fork under the CLI and `parley serve`, utilityProcess.fork under Electron. */
export type Spawner = (options: SpawnOptions) => LocalChild;

/**
 * child_process.fork for the CLI and `parley serve` (plain Node). 'advanced' serialization is the
 * structured clone Electron's utilityProcess uses, so worker modules see the same values under
 * both. Not usable inside Electron itself: its RunAsNode fuse is off, so fork() cannot start a Node.
 */
export const forkSpawner: Spawner = ({ entry, args, serviceName }) => {
  const child = fork(entry, args, {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, PARLEY_SERVICE_NAME: serviceName },
  });
  const exitListeners: ((exit: ChildExit) => void)[] = [];
  let exited = false;
  const exit = (e: ChildExit) => {
    if (exited) return;
    exited = true;
    for (const l of exitListeners) l(e);
  };
  child.once('exit', (code, signal) => exit({ code, signal }));
  child.unref();
  child.channel?.unref();
  // A failed spawn (EAGAIN, ENOMEM) emits 'error' and no 'exit': it ends as an exit here instead of throwing in the engine.
  child.on('error', () => {
    if (child.pid === undefined) exit({ code: null, signal: null });
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      if (child.connected) child.send(message as never);
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void exitListeners.push(listener),
    kill: () => void child.kill('SIGKILL'),
    setBusy: (busy) => {
      if (busy) {
        child.ref();
        child.channel?.ref();
      } else {
        child.unref();
        child.channel?.unref();
      }
    },
  };
};
