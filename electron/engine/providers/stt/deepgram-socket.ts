import type WebSocket from 'ws';
import type { ClockTimer } from '../../clock.js';
import { ReconnectLoop } from './reconnect-loop.js';
import { float32ToInt16 } from '../../audio/pcm.js';
import { ParleyError, describeError } from '../../errors.js';
import { linkedAbort } from '../../util/abort.js';
import { AsyncQueue } from '../../util/async-queue.js';
import type { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttConnectionStatus, SttEvent, SttStream, SttStreamOptions } from '../types.js';
import { connectWebSocket, decodeCloseReason, isNormalClose } from '../websocket.js';

/**
 * What a Deepgram live stream (v1 /listen or v2 Flux) needs from its provider: who it is, where it
 * connects (Token auth on both), and the fault settings the two share.
 */
export interface DeepgramSocketConfig {
  id: string;
  displayName: string;
  apiKey: string;
  context: ProviderContext;
  /** The WebSocket URL for the next connection (built anew each time: settings may change mid-stream). */
  url: () => string;
  /** Speech (by the caller's VAD) answered by nothing for this long, or a ping unanswered this long (ms), is a stall. */
  stallTimeoutMs: number;
  /** Unknown message types already logged (once each, for the provider's lifetime). */
  loggedTypes: Set<string>;
}

/** A server message that parsed as JSON with a string `type`. */
export type DeepgramMessage = { type: string } & Record<string, unknown>;

/** No word from the server this long (ms): ping it, so a dead connection shows even in silence. */
const PING_AFTER_MS = 5000;
/** The replay buffer's bound: older unconfirmed audio cannot be recovered anyway. */
const MAX_REPLAY_S = 60;

/**
 * The connection machinery both Deepgram streaming APIs share: connect in the background, one
 * session retry budget for the first connect and every reconnect, audio kept until a result
 * covers it and replayed on a new connection after a drop, stall detection only during voiced
 * audio, a ping when the server has been quiet, unknown message types ignored (logged once),
 * CloseStream on end(), abort via the caller's signal, close() frees everything. Subclasses read
 * their API's messages (`onMessage`) and say which audio is settled (`confirmSeconds`).
 */
export abstract class DeepgramSocketStream implements SttStream {
  protected readonly events = new AsyncQueue<SttEvent>();
  protected ws: WebSocket | undefined;
  protected closed = false;
  protected endRequested = false;
  /** When audio or a message last went to the server (clock ms). */
  protected lastSendAt = 0;
  private connectedOnce = false;
  /** The retry (in a row) that led to the current connection, for the 'reconnected' event. */
  private lastAttempt = 0;
  /** Audio sent but not yet covered by a settled result: replayed after a reconnect. */
  private unconfirmed: Int16Array[] = [];
  private unconfirmedSamples = 0;
  /** Absolute sample index where the current connection's time 0 lies, and where settled results reach. */
  private connectionBase = 0;
  private confirmedUpTo = 0;
  private lastHeardAt = 0;
  private pingSentAt: number | undefined;
  /** Speech (ms, by the caller's VAD) sent on this connection since the server last said anything. */
  private voicedSinceHeardMs = 0;
  /** Why the current connection is being dropped (set before terminating it ourselves). */
  private dropReason: ParleyError | undefined;
  private timer: ClockTimer | undefined;
  private endResolve: (() => void) | undefined;
  /** Cancels this stream's connect and waits; a child of the caller's signal, let go on close. */
  private readonly lifetime: ReturnType<typeof linkedAbort>;
  private readonly loop: ReconnectLoop;

  constructor(
    protected readonly config: DeepgramSocketConfig,
    protected readonly options: SttStreamOptions,
    private readonly budget: RetryBudget,
  ) {
    this.lifetime = linkedAbort(options.signal);
    this.lifetime.controller.signal.addEventListener('abort', () => this.close(), { once: true });
    this.loop = new ReconnectLoop({
      provider: config.id,
      budget,
      signal: this.lifetime.controller.signal,
      closed: () => this.closed,
      status: (st) => this.status(st),
      connectOnce: () => this.connectOnce(),
      attempt: (n) => (this.lastAttempt = n),
      fail: (e) => this.fail(e),
      close: () => this.close(),
    });
  }

  /** The message types this API defines; any other type is ignored (logged once), never a fault. */
  protected abstract readonly knownTypes: ReadonlySet<string>;
  /** One message of a known type. Throwing (e.g. a failed parse) drops the connection as malformed. */
  protected abstract onMessage(message: DeepgramMessage): void;
  abstract finalize(): void;
  /** Connected, before the kept audio is replayed: send what must apply to it. */
  protected beforeReplay(): void {}
  /** Connected and the kept audio replayed: send what must follow it (control messages held back). */
  protected onConnected(): void {}
  /** The connection was lost (a reconnect follows): forget per-connection state. */
  protected onConnectionLost(): void {}
  /** The stream ends as asked by end(): last words out before the iterator ends. */
  protected onEnded(): void {}
  /** Once a second while connected. */
  protected onTick(_now: number): void {}

  private get signal(): AbortSignal {
    return this.lifetime.controller.signal;
  }

  start(): void {
    void this.loop.run(undefined);
  }

  push(samples: Float32Array, voiced = false): void {
    if (this.closed || this.endRequested || samples.length === 0) return;
    const pcm = float32ToInt16(samples);
    this.unconfirmed.push(pcm);
    this.unconfirmedSamples += pcm.length;
    while (this.unconfirmedSamples > this.options.sampleRate * MAX_REPLAY_S && this.unconfirmed.length > 1) {
      const dropped = this.unconfirmed.shift()!;
      this.unconfirmedSamples -= dropped.length;
      this.confirmedUpTo += dropped.length;
    }
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    ws.send(pcm);
    this.lastSendAt = this.now();
    if (!voiced) return;
    // Deepgram answers speech within a second or two: this much speech and not a word back means
    // the connection is stuck (measured in audio, so it cannot fire on silence).
    this.voicedSinceHeardMs += (samples.length / this.options.sampleRate) * 1000;
    if (this.voicedSinceHeardMs >= this.config.stallTimeoutMs) {
      this.drop(ws, new ParleyError('provider/timeout', `${this.config.displayName} answered nothing to ${Math.round(this.voicedSinceHeardMs / 1000)} s of speech`, { provider: this.config.id }));
    }
  }

  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.endRequested = true;
    this.sendJson({ type: 'CloseStream' });
    return new Promise((resolve) => (this.endResolve = resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.controller.abort();
    this.lifetime.dispose();
    this.config.context.clock.clearTimeout(this.timer);
    this.ws?.terminate();
    this.events.end();
    this.endResolve?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  /** The watchdog: a tick each second of clock time until the stream closes. */
  private tickEverySecond(): void {
    this.timer = this.config.context.clock.setTimeout(
      () => {
        this.tick();
        if (!this.closed) this.tickEverySecond();
      },
      1000,
      { background: true },
    );
  }

  protected now(): number {
    return this.config.context.clock.now();
  }

  protected isOpen(): boolean {
    return this.ws !== undefined && this.ws.readyState === this.ws.OPEN;
  }

  protected sendJson(message: object): void {
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** Audio up to `endS` (seconds on the current connection's clock) is settled: no need to replay it. */
  protected confirmSeconds(endS: number): void {
    const upTo = this.connectionBase + Math.round(endS * this.options.sampleRate);
    while (this.unconfirmed.length > 0 && this.confirmedUpTo + this.unconfirmed[0]!.length <= upTo) {
      const chunk = this.unconfirmed.shift()!;
      this.unconfirmedSamples -= chunk.length;
      this.confirmedUpTo += chunk.length;
    }
  }

  /** The server reported an error; its text explains the close that follows. */
  protected serverError(text: string): void {
    this.dropReason = new ParleyError('provider/server-error', `${this.config.displayName} error: ${text.slice(0, 200)}`, { provider: this.config.id });
  }

  protected log(message: string): void {
    this.config.context.log?.(`${this.config.id}: ${message}`);
  }

  private status(status: SttConnectionStatus): void {
    this.events.push({ type: 'status', status });
  }

  /** A fault the stream cannot recover from: one error, then the stream ends. */
  private fail(error: ParleyError): void {
    if (this.closed) return;
    this.events.push({ type: 'error', error });
    this.close();
  }

  private async connectOnce(): Promise<void> {
    // Paused until listening: Flux speaks first (Connected), possibly in the upgrade's own packet.
    const ws = await connectWebSocket(this.config.url(), {
      provider: this.config.id,
      displayName: this.config.displayName,
      headers: { Authorization: `Token ${this.config.apiKey}` },
      signal: this.signal,
      paused: true,
    });
    if (this.closed) return void ws.terminate();
    this.ws = ws;
    this.connectionBase = this.confirmedUpTo;
    this.lastHeardAt = this.now();
    this.pingSentAt = undefined;
    this.voicedSinceHeardMs = 0;
    this.dropReason = undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(ws, data, isBinary));
    // A pong proves the connection lives, not that speech is being transcribed.
    ws.on('pong', () => this.heard(false));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason));
    ws.on('error', () => undefined); // surfaces as 'close'
    ws.resume();
    this.beforeReplay();
    // Replay what no connection has confirmed yet, so no word of the user is lost.
    for (const chunk of this.unconfirmed) ws.send(chunk);
    if (this.unconfirmed.length > 0) this.lastSendAt = this.now();
    this.onConnected();
    if (this.endRequested) this.sendJson({ type: 'CloseStream' });
    this.budget.succeeded();
    this.status({ state: 'ok' });
    if (this.connectedOnce) this.events.push({ type: 'reconnected', attempt: this.lastAttempt });
    this.connectedOnce = true;
    if (!this.timer) this.tickEverySecond();
  }

  private heard(message: boolean): void {
    this.lastHeardAt = this.now();
    this.pingSentAt = undefined;
    if (message) this.voicedSinceHeardMs = 0;
  }

  /** Drops a connection on our side; the close handler reconnects (with replay) for `reason`. */
  private drop(ws: WebSocket, reason: ParleyError): void {
    if (ws !== this.ws) return;
    this.dropReason = reason;
    this.log(`${reason.message}; reconnecting`);
    ws.terminate();
  }

  private receive(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (ws !== this.ws) return;
    this.heard(true);
    let message: DeepgramMessage;
    try {
      if (isBinary) throw new Error('a binary frame');
      message = JSON.parse(data.toString('utf8')) as DeepgramMessage;
      if (typeof message !== 'object' || message === null || typeof message.type !== 'string') throw new Error('no message type');
    } catch (e) {
      // Not a message at all: this connection cannot be trusted; recover on a fresh one (audio replayed).
      return this.drop(ws, this.malformed(e));
    }
    if (!this.knownTypes.has(message.type)) {
      // A type this client does not know (the API grows): not a fault.
      if (this.config.loggedTypes.has(message.type)) return;
      this.config.loggedTypes.add(message.type);
      return this.log(`ignoring messages of unknown type '${message.type.slice(0, 40)}'`);
    }
    try {
      this.onMessage(message);
    } catch (e) {
      this.drop(ws, this.malformed(e));
    }
  }

  private malformed(e: unknown): ParleyError {
    return new ParleyError('provider/protocol', `${this.config.displayName} sent a malformed message (${describeError(e).slice(0, 80)})`, { provider: this.config.id });
  }

  private onClose(ws: WebSocket, code: number, reason: Buffer): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.closed) return;
    // Done as asked (CloseStream answered), or nothing left to transcribe: the stream ends. A drop
    // after end() with audio still unconfirmed reconnects like any other, replays, then ends.
    if (this.endRequested && (isNormalClose(code) || this.unconfirmed.length === 0)) {
      this.onEnded();
      return this.close();
    }
    const why = decodeCloseReason(reason);
    const fault = this.dropReason ?? new ParleyError('provider/disconnected', `${this.config.displayName} closed the connection (${code}${why ? ` ${why}` : ''})`, { provider: this.config.id });
    this.onConnectionLost();
    void this.loop.run(fault);
  }

  private tick(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    const now = this.now();
    const stallMs = this.config.stallTimeoutMs;
    if (this.pingSentAt !== undefined && now - this.pingSentAt >= stallMs) {
      return this.drop(ws, new ParleyError('provider/timeout', `${this.config.displayName} stopped answering (no reply to a ping in ${Math.round(stallMs / 1000)} s)`, { provider: this.config.id }));
    }
    // Silence may rightly get no answer; a ping always does, unless the connection is dead.
    if (this.pingSentAt === undefined && now - this.lastHeardAt >= PING_AFTER_MS) {
      this.pingSentAt = now;
      ws.ping();
    }
    this.onTick(now);
  }
}
