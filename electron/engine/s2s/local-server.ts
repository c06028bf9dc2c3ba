import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { sleepOn, systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ParleyError } from '../errors.js';

export interface LocalServerOptions {
  /** What to run, as the user typed it (split like a shell would, but run without one). */
  command: string;
  /** Where the server will listen (from the configured URL). */
  host: string;
  port: number;
  cwd?: string;
  /** How long the server may take to open its port (model download and load), in ms. Default 180 s. */
  startTimeoutMs?: number;
  /** Tell the user (starting, crashed and restarting, gave up). */
  notify?: (message: string) => void;
  /** Restarts after a crash wait 1, 2, 4 ... s (at most this long). Default 30 s. */
  maxBackoffMs?: number;
  /** Give up after this many crashes in a row without a successful start. Default 5. */
  maxCrashes?: number;
  /** What the start deadline, the port polls, the restart backoff and the kill grace wait on. */
  clock?: Clock;
}

const LOG_LINES = 500;

/**
 * A local speech-to-speech server Parley starts itself (moshi-server, `python -m moshi.server`, the
 * MLX build): launched without a shell, health-checked by its port, restarted with backoff when it
 * crashes, stopped on quit, its output kept for the UI. Startup failures are explained: not
 * installed, the port already taken, no GPU.
 */
export class LocalServer {
  private child: ChildProcess | undefined;
  private readonly logLines: string[] = [];
  private crashes = 0;
  private stopped = false;
  private ready: Promise<void> | undefined;
  private restartTimer: ClockTimer | undefined;
  private readonly clock: Clock;

  constructor(private readonly options: LocalServerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** The server's recent output (stdout and stderr, newest last). */
  logs(): string[] {
    return [...this.logLines];
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  /** Starts the server if it is not running and resolves once its port accepts connections. */
  ensureRunning(): Promise<void> {
    if (this.running && this.ready) return this.ready;
    this.stopped = false;
    this.ready = this.launch();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearTimeout(this.restartTimer);
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = this.clock.setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', () => {
        this.clock.clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private async launch(): Promise<void> {
    const { host, port } = this.options;
    if (await portOpen(host, port)) {
      throw new ParleyError('provider/unreachable', `port ${port} is already in use by another program, so Parley cannot start Moshi there. If that program is a Moshi server, clear the launch command to use it as it is; otherwise choose another port in the URL and the command.`, { provider: 'moshi' });
    }
    const [file, ...args] = splitCommand(this.options.command);
    if (!file) throw new ParleyError('settings/invalid', 'the Moshi launch command is empty');
    this.options.notify?.(`Starting the local Moshi server (${file}); the first start loads the model and can take a few minutes.`);
    const child = spawn(file, args, { cwd: this.options.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    this.child = child;
    // A child is not killed with its parent: if Parley exits without stop() (a crash, app.exit,
    // the quit deadline passing), kill it on the way out so it does not keep the port and the GPU.
    const killOnExit = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) if (line.trim()) this.logLines.push(line);
      if (this.logLines.length > LOG_LINES) this.logLines.splice(0, this.logLines.length - LOG_LINES);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<ParleyError>((resolve) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        resolve(
          e.code === 'ENOENT'
            ? new ParleyError('provider/unreachable', `'${file}' was not found: Moshi does not seem to be installed. Install it (pip install moshi, on an NVIDIA GPU with enough memory; on Apple Silicon pip install moshi_mlx), or set the URL of a Moshi server instead of a launch command.`, { provider: 'moshi' })
            : new ParleyError('provider/unreachable', `cannot start the Moshi server: ${e.message}`, { provider: 'moshi' }),
        );
      });
      child.once('exit', (code, signal) => resolve(new ParleyError('provider/unreachable', `the Moshi server stopped (${signal ?? `exit ${code}`}) ${this.explain()}`, { provider: 'moshi' })));
    });
    child.once('exit', () => this.onExit(child));
    const deadline = this.clock.now() + (this.options.startTimeoutMs ?? 180_000);
    for (;;) {
      const outcome = await Promise.race([exited, sleepOn(this.clock, 250).then(() => undefined)]);
      if (outcome) throw outcome;
      if (await portOpen(host, port)) {
        this.crashes = 0;
        return;
      }
      if (this.clock.now() > deadline) {
        child.kill('SIGTERM');
        throw new ParleyError('provider/timeout', `the Moshi server did not open port ${port} within ${Math.round((this.options.startTimeoutMs ?? 180_000) / 1000)} s ${this.explain()}`, { provider: 'moshi' });
      }
    }
  }

  /** A crash while in use: restart with backoff (1, 2, 4 ... s), and give up after several in a row. */
  private onExit(child: ChildProcess): void {
    if (this.stopped || this.child !== child) return;
    this.child = undefined;
    this.ready = undefined;
    this.crashes++;
    if (this.crashes > (this.options.maxCrashes ?? 5)) {
      this.options.notify?.(`The Moshi server keeps stopping; Parley gave up restarting it. ${this.explain()}`);
      return;
    }
    const delay = Math.min(this.options.maxBackoffMs ?? 30_000, 1000 * 2 ** (this.crashes - 1));
    this.options.notify?.(`The Moshi server stopped unexpectedly; restarting it in ${Math.round(delay / 1000)} s.`);
    this.restartTimer = this.clock.setTimeout(() => {
      if (!this.stopped) void this.ensureRunning().catch((e: unknown) => this.options.notify?.(e instanceof Error ? e.message : String(e)));
    }, delay);
  }

  /** What the server's own output says went wrong, in words a user can act on. */
  private explain(): string {
    const tail = this.logLines.slice(-40).join('\n');
    if (/address already in use|EADDRINUSE|errno 98/i.test(tail)) return `(its port ${this.options.port} is already in use by another program).`;
    if (/cuda|no gpu|nvidia|out of memory/i.test(tail)) return '(it needs a GPU: Moshi runs on an NVIDIA GPU with enough memory, or Apple Silicon with moshi_mlx; see its logs).';
    if (/no module named|modulenotfounderror/i.test(tail)) return '(it is not installed in that Python: pip install moshi).';
    const last = this.logLines.at(-1);
    return last ? `(last output: ${last.slice(0, 200)})` : '';
  }
}

/** Splits a command line like a shell (quotes, backslash escapes) without running one. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let has = false;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i];
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      cur += command[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) throw new ParleyError('settings/invalid', 'the launch command has an unclosed quote');
  if (has || cur) out.push(cur);
  return out;
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

