import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SherpaWorker } from './worker-core.js';
import type { SherpaEvent, SherpaRequest } from './protocol.js';

/**
 * Where the sherpa-onnx worker runs, behind one small interface so the provider does not care:
 * a child process (default; what the CLI and `parley serve` use, and the shape of an Electron
 * utilityProcess) or in-process (unit tests of well-formed models only).
 */
export interface SherpaHost {
  send(request: SherpaRequest): void;
  /** Events from the worker; `exit` when it died (a native abort on a corrupt model ends the process). */
  subscribe(listener: (event: SherpaEvent | { type: 'exit'; reason: string }) => void): () => void;
  /** Whether the host keeps this process alive (on while work is pending; an idle worker must not hold the CLI open). */
  keepAlive(on: boolean): void;
  close(): void;
  /** The worker's process id, when it runs in a process of its own. */
  readonly pid?: number | undefined;
}

export type SherpaHostFactory = () => SherpaHost;

/** Runs the worker in this thread. A corrupt model aborts the whole process here: tests only. */
export function inProcessHost(): SherpaHost {
  const listeners = new Set<(e: SherpaEvent | { type: 'exit'; reason: string }) => void>();
  // Events are delivered asynchronously, as over a real channel.
  const worker = new SherpaWorker((e) => setImmediate(() => listeners.forEach((l) => l(e))));
  return {
    send: (r) => void worker.handle(r),
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    keepAlive: () => {},
    close: () => listeners.clear(),
  };
}

/** Bytes of the worker's stderr kept for error messages (sherpa-onnx prints why it aborted). */
const STDERR_TAIL = 2000;

/**
 * The worker in a child process (Node's fork with structured-clone IPC, so Float32Arrays travel as
 * they are). sherpa-onnx calls std::terminate on an unreadable model and exit() on some bad configs:
 * in a process of its own that is an `exit` event with sherpa's last words, not a crash of Parley.
 */
export function childProcessHost(): SherpaHost {
  const { entry, execArgv } = workerEntry();
  const child: ChildProcess = fork(entry, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv, env: withNativeLibraryPath(process.env) });
  const listeners = new Set<(e: SherpaEvent | { type: 'exit'; reason: string }) => void>();
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-STDERR_TAIL)));
  child.on('message', (m) => listeners.forEach((l) => l(m as SherpaEvent)));
  let closing = false;
  const exited = (why: string) => {
    if (closing) return;
    const said = lastWords(stderr);
    listeners.forEach((l) => l({ type: 'exit', reason: said ? `${why}: ${said}` : why }));
  };
  child.on('exit', (code, signal) => exited(signal ? `the inference process was killed by ${signal}` : `the inference process exited with code ${code}`));
  child.on('error', (e) => exited(`the inference process failed: ${e.message}`));
  return {
    pid: child.pid,
    send: (r) => {
      if (child.connected) child.send(r);
    },
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    keepAlive: (on) => {
      // The process, its IPC channel and the stderr pipe each hold the event loop.
      const handles = [child, child.channel, child.stderr] as ({ ref?(): void; unref?(): void } | null | undefined)[];
      for (const h of handles) {
        if (on) h?.ref?.();
        else h?.unref?.();
      }
    },
    close: () => {
      closing = true;
      listeners.clear();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/**
 * The parts of Electron's utilityProcess this host uses (the engine never imports 'electron': main
 * passes `utilityProcess` in). A utility process is Electron's Node child: the packaged app's
 * fuses turn ELECTRON_RUN_AS_NODE off, so child_process.fork of the app binary is not available there.
 */
export interface UtilityProcessApi {
  fork(modulePath: string, args?: string[], options?: { serviceName?: string; stdio?: 'pipe' | 'ignore' | 'inherit'; env?: NodeJS.ProcessEnv }): UtilityChild;
}
export interface UtilityChild {
  readonly pid: number | undefined;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/**
 * The worker in an Electron utilityProcess (the desktop app). Same protocol; process.parentPort
 * carries it on the worker's side (worker-main.ts). A utility process never holds the app open,
 * so keepAlive has nothing to do.
 */
export function utilityProcessHost(api: UtilityProcessApi, entry = workerEntry().entry): SherpaHost {
  const child = api.fork(entry, [], { serviceName: 'Parley local speech (sherpa-onnx)', stdio: 'pipe', env: withNativeLibraryPath(process.env) });
  const listeners = new Set<(e: SherpaEvent | { type: 'exit'; reason: string }) => void>();
  let stderr = '';
  let closing = false;
  child.stderr?.on('data', (d: Buffer | string) => (stderr = (stderr + String(d)).slice(-STDERR_TAIL)));
  child.on('message', (m) => listeners.forEach((l) => l(m as SherpaEvent)));
  child.on('exit', (code) => {
    if (closing) return;
    const said = lastWords(stderr);
    const why = `the inference process exited with code ${code}`;
    listeners.forEach((l) => l({ type: 'exit', reason: said ? `${why}: ${said}` : why }));
  });
  return {
    pid: child.pid,
    send: (r) => child.postMessage(r),
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    keepAlive: () => {},
    close: () => {
      closing = true;
      listeners.clear();
      child.kill();
    },
  };
}

let defaultHost: SherpaHostFactory = childProcessHost;

/** Where the shared workers run unless a provider is given a host: Electron's main sets `() => utilityProcessHost(utilityProcess)` at startup. */
export function useSherpaHost(factory: SherpaHostFactory): void {
  defaultHost = factory;
}

export function defaultSherpaHost(): SherpaHost {
  return defaultHost();
}

/**
 * The compiled worker beside this file, with this process's Node flags (a preloaded no-network
 * guard covers the worker too), or (running from TypeScript sources, as in tests) the .ts through tsx.
 */
function workerEntry(): { entry: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(js)) return { entry: js, execArgv: process.execArgv };
  return { entry: fileURLToPath(new URL('./worker-main.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

/**
 * The environment for the worker with the folder of sherpa-onnx's platform package on the
 * loader's path: its addon links libsherpa-onnx-c-api and libonnxruntime beside it, which macOS
 * finds only through DYLD_LIBRARY_PATH (sherpa-onnx-node says so when it fails to load) and
 * Windows through PATH. Set at spawn time, since a loader reads it only when a process starts.
 */
export function withNativeLibraryPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, arch: string = process.arch): NodeJS.ProcessEnv {
  const variable = platform === 'darwin' ? 'DYLD_LIBRARY_PATH' : platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH';
  let dir: string;
  try {
    const requireFromSherpa = createRequire(createRequire(import.meta.url).resolve('sherpa-onnx-node/package.json'));
    dir = path.dirname(requireFromSherpa.resolve(`sherpa-onnx-${platform === 'win32' ? 'win' : platform}-${arch}/package.json`));
  } catch {
    return env; // not installed for this platform: sherpa-onnx-node's own error will say so
  }
  const current = env[variable];
  return { ...env, [variable]: current ? `${dir}${path.delimiter}${current}` : dir };
}

/** The useful end of sherpa-onnx's stderr: its error lines, without the process noise. */
function lastWords(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => /what\(\)|error|failed|does not exist|invalid/i.test(l));
  return lines.slice(-2).join(' ').replace(/\s+/g, ' ').slice(0, 400);
}
