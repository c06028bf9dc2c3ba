import { fork } from 'node:child_process';

/** Why a local inference process ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** The error lines the process printed last (a native library's reason for aborting), when the spawner sees its stderr. */
  lastWords?: string;
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
  /** Variables added to the child's environment (forkSpawner only; main takes no environment from the engine). */
  env?: Record<string, string>;
}

/** Starts an inference process. Injected: child_process.fork under the CLI and `parley serve`, utilityProcess.fork under Electron. */
export type Spawner = (options: SpawnOptions) => LocalChild;

/**
 * child_process.fork for the CLI and `parley serve` (plain Node). 'advanced' serialization is the
 * structured clone Electron's utilityProcess uses, so worker modules see the same values under
 * both. Not usable inside Electron itself: its RunAsNode fuse is off, so fork() cannot start a Node.
 */
export const forkSpawner: Spawner = ({ entry, args, serviceName, env }) => {
  const child = fork(entry, args, {
    execArgv: execArgvFor(entry),
    serialization: 'advanced',
    // stderr piped (and passed on) so a crash can say what the native library printed before it aborted.
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, ...env, PARLEY_SERVICE_NAME: serviceName },
  });
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    process.stderr.write(d);
    stderrTail = (stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
  });
  const exitListeners: ((exit: ChildExit) => void)[] = [];
  let exited = false;
  const exit = (e: ChildExit) => {
    if (exited) return;
    exited = true;
    for (const l of exitListeners) l(e);
  };
  child.once('exit', (code, signal) => {
    const said = lastWords(stderrTail);
    exit({ code, signal, ...(said ? { lastWords: said } : {}) });
  });
  // The process, its IPC channel and the stderr pipe each hold the event loop.
  const handles = () => [child, child.channel, child.stderr] as ({ ref?(): void; unref?(): void } | null | undefined)[];
  for (const h of handles()) h?.unref?.();
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
      // A closed socket would wait for a 'connect' that never comes (a listener per call).
      if (exited) return;
      for (const h of handles()) {
        if (busy) h?.ref?.();
        else h?.unref?.();
      }
    },
  };
};

/** Characters of a child's stderr kept for its exit report. */
const STDERR_TAIL = 2000;

/** The useful end of a child's stderr: its last error lines (sherpa-onnx's `what():`, a failed check), without the noise. */
export function lastWords(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => /what\(\)|error|failed|does not exist|invalid/i.test(l));
  return lines.slice(-2).join(' ').replace(/\s+/g, ' ').slice(0, 400);
}

/**
 * This process's Node flags (a preloaded guard covers the child too), plus tsx's loader when the
 * entry is a TypeScript source (running from sources, as tests and scripts do) and it is not loaded yet.
 */
function execArgvFor(entry: string): string[] {
  if (!entry.endsWith('.ts') || process.execArgv.some((a) => a.includes('tsx'))) return process.execArgv;
  return [...process.execArgv, '--import', 'tsx'];
}
