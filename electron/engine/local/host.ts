import { ParleyError, abortError } from '../errors.js';
import { AsyncQueue } from '../util/async-queue.js';
import { compiledOrSource } from './module-path.js';
import { ChildMessageSchema, type HostMessage, type WireError } from './protocol.js';
import { forkSpawner, type ChildExit, type LocalChild, type Spawner } from './spawner.js';

/** What a request streams: the worker's items and loading progress, then its result last. */
export type HostEvent = { type: 'event'; data: unknown } | { type: 'progress'; stage: string; fraction: number | null } | { type: 'result'; value: unknown };

export interface LocalProcessHostOptions {
  /** Absolute path of the compiled worker module (it exports createWorker). */
  module: string;
  /** For messages and process listings ("local LLM"). */
  name: string;
  spawn?: Spawner;
  /** Restarts after crashes allowed for the whole session (then: local/unavailable). */
  maxRestarts?: number;
  /** The child's entry script (default: child-entry.js beside this file). */
  entry?: string;
  /**
   * Variables added to the child's environment (a native library folder on the loader's path).
   * Honoured by the CLI's forkSpawner; main's utilityProcess.fork takes no environment from the engine.
   */
  env?: Record<string, string>;
}

interface Pending {
  queue: AsyncQueue<HostEvent>;
}

interface Running {
  child: LocalChild;
  ready: Promise<void>;
  /** Fails the requests still waiting for 'ready'. */
  notReady: (e: Error) => void;
}

export const DEFAULT_MAX_RESTARTS = 3;
/** The child's entry script beside this file (its .ts source when running from sources). */
export const DEFAULT_ENTRY = compiledOrSource(new URL('./child-entry.js', import.meta.url));

/**
 * Runs a worker module in a process of its own, started on first use, so heavy inference never
 * stalls the engine's event loop (and the audio path on it). Requests carry ids; each streams
 * events and progress and ends with a result or a typed error. Aborting a request cancels it in
 * the child at once. A crash fails the requests in flight with local/crashed; the next request
 * starts a new process, at most `maxRestarts` times per session.
 */
export class LocalProcessHost {
  private running: Running | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private crashes = 0;
  private closed = false;
  private readonly spawn: Spawner;
  private readonly maxRestarts: number;

  constructor(private readonly o: LocalProcessHostOptions) {
    this.spawn = o.spawn ?? forkSpawner;
    this.maxRestarts = o.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  }

  /** The process id of the running child (none before first use or after a crash). */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /** Crashes this session (restarts used). */
  get crashCount(): number {
    return this.crashes;
  }

  /** Streams `method(params)` in the child; the last item is the result. Throws ParleyError; AbortError when `signal` fires. */
  async *stream(method: string, params: unknown, signal?: AbortSignal): AsyncGenerator<HostEvent> {
    if (signal?.aborted) throw abortError();
    const running = this.ensureRunning();
    const id = this.nextId++;
    const pending: Pending = { queue: new AsyncQueue<HostEvent>() };
    this.pending.set(id, pending);
    running.child.setBusy?.(true);
    const onAbort = () => {
      if (!this.pending.has(id)) return;
      this.pending.delete(id);
      this.post(running, { type: 'cancel', id });
      pending.queue.fail(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await running.ready;
      if (signal?.aborted) throw abortError();
      this.post(running, { type: 'call', id, method, params });
      for await (const event of pending.queue) {
        // Events the child sent before the abort may still be queued: none is handed out after it.
        if (signal?.aborted) throw abortError();
        yield event;
        if (event.type === 'result') return;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // The caller stopped reading early (break, or its own error): the child stops too.
      if (this.pending.delete(id)) this.post(running, { type: 'cancel', id });
      if (this.pending.size === 0) running.child.setBusy?.(false);
    }
  }

  /** `stream` for callers that only want the result (progress and events go to the callbacks). */
  async request(method: string, params: unknown, o: { signal?: AbortSignal; onEvent?: (data: unknown) => void; onProgress?: (stage: string, fraction: number | null) => void } = {}): Promise<unknown> {
    for await (const e of this.stream(method, params, o.signal)) {
      if (e.type === 'result') return e.value;
      if (e.type === 'event') o.onEvent?.(e.data);
      else o.onProgress?.(e.stage, e.fraction);
    }
    throw new ParleyError('local/protocol', `the ${this.o.name} process ended a request without a result`);
  }

  /** Ends the child; requests in flight fail with AbortError. Later requests start none. */
  close(): void {
    this.closed = true;
    const r = this.running;
    this.running = undefined;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.queue.fail(abortError());
    }
    r?.notReady(abortError());
    r?.child.kill();
  }

  private ensureRunning(): Running {
    if (this.closed) throw new ParleyError('local/unavailable', `the ${this.o.name} process was shut down`);
    if (this.running) return this.running;
    if (this.crashes > this.maxRestarts) {
      throw new ParleyError('local/unavailable', `the ${this.o.name} process crashed ${this.crashes} times this session and is not started again (restart Parley to try once more)`);
    }
    let child: LocalChild;
    try {
      child = this.spawn({ entry: this.o.entry ?? DEFAULT_ENTRY, args: [this.o.module], serviceName: `Parley ${this.o.name}`, ...(this.o.env ? { env: this.o.env } : {}) });
    } catch (e) {
      this.crashes++;
      throw new ParleyError('local/crashed', `the ${this.o.name} process could not start: ${(e as Error).message}`, { cause: e });
    }
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => undefined); // awaited by every request; unobserved when none is waiting
    const running: Running = { child, ready, notReady: settle.reject };
    this.running = running;
    child.onMessage((raw) => this.receive(running, raw, settle.resolve));
    child.onExit((exit) => this.exited(running, exit));
    return running;
  }

  private receive(running: Running, raw: unknown, ready: () => void): void {
    if (this.running !== running) return;
    const parsed = ChildMessageSchema.safeParse(raw);
    if (!parsed.success) {
      // A child that breaks the protocol cannot be trusted with the rest: it is ended like a crash.
      this.fail(running, new ParleyError('local/protocol', `the ${this.o.name} process sent an invalid message (${parsed.error.issues[0]?.message ?? 'unknown'})`));
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'ready':
        return ready();
      case 'fatal':
        // The module cannot load: restarting would fail the same way, so it counts against the budget.
        this.fail(running, typedError(m.error));
        return;
      case 'event':
        return this.pending.get(m.id)?.queue.push({ type: 'event', data: m.data });
      case 'progress':
        return this.pending.get(m.id)?.queue.push({ type: 'progress', stage: m.stage, fraction: m.fraction });
      case 'result': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.queue.push({ type: 'result', value: m.value });
        return p.queue.end();
      }
      case 'error': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        return p.queue.fail(m.error ? typedError(m.error) : abortError());
      }
    }
  }

  private exited(running: Running, exit: ChildExit): void {
    if (this.running !== running) return;
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code ?? 'unknown'}`;
    const said = exit.lastWords ? `: ${exit.lastWords}` : '';
    this.fail(running, new ParleyError('local/crashed', `the ${this.o.name} process ${how}${said}; it starts again on the next request`));
  }

  /** The child is gone or untrustworthy: every request in flight fails with `error`; the next request restarts it. */
  private fail(running: Running, error: ParleyError): void {
    if (this.running !== running) return;
    this.running = undefined;
    this.crashes++;
    running.notReady(error);
    running.child.kill();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.queue.fail(error);
    }
  }

  private post(running: Running, message: HostMessage): void {
    if (this.running === running) running.child.send(message);
  }
}

function typedError(e: WireError): ParleyError {
  return new ParleyError(e.code, e.message);
}
