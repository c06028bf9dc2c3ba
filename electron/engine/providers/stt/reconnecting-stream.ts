import type WebSocket from 'ws';
import type { ClockTimer } from '../../clock.js';
import { ReconnectLoop } from './reconnect-loop.js';
import { float32ToInt16 } from '../../audio/pcm.js';
import { ParleyError, describeError } from '../../errors.js';
import { linkedAbort } from '../../util/abort.js';
import { AsyncQueue } from '../../util/async-queue.js';
import type { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttConnectionStatus, SttEvent, SttStream, SttStreamOptions } from '../types.js';
import { decodeCloseReason, isNormalClose } from '../websocket.js';

/** What the shared stream needs to know of the provider that opened it. */
export interface SttVendor {
  readonly id: string;
  readonly displayName: string;
  readonly context: ProviderContext;
  /** Unknown message types already logged (once each, for the provider's lifetime). */
  readonly loggedTypes: Set<string>;
}

export interface ReconnectTuning {
  /** Speech sent with no word back this long, or a ping unanswered this long (ms): the connection is stalled. */
  stallTimeoutMs: number;
  /** No audio sent this long (ms): keepAlive() is called. Undefined: never. */
  keepAliveMs?: number;
  /** Sample rate of the audio on the wire (what toWire produces). */
  wireRate: number;
}

/** A JSON message from the service: an object with a string `type`. */
export type VendorMessage = { type: string } & Record<string, unknown>;

/** No word from the server this long (ms): ping it, so a dead connection shows even in silence. */
const PING_AFTER_MS = 5000;
/** The replay buffer's bound: older unconfirmed audio cannot be recovered anyway. */
const MAX_REPLAY_S = 60;

/**
 * A streaming speech-to-text connection that survives faults, shared by the WebSocket STT
 * providers (Deepgram v1 and Flux, Gradium; the vendor part is the subclass: auth and URL, setup
 * handshake, audio framing, message meaning, the finalize / keep-alive / end messages).
 * It connects in the background; every (re)connect draws on one RetryBudget (through the shared
 * ReconnectLoop) and is told in 'status' events; audio not yet covered by a final result is kept
 * and replayed on the next connection, so no word of the user is lost; a connection that answers
 * nothing to speech, or no ping, is dropped and replaced (a watchdog tick each second on the
 * injected clock); a rejected key or a spent budget ends the stream with one 'error' event.
 * Unknown message types are ignored (logged once). end() asks the service to finish; close()
 * (or the caller's signal) frees everything at once.
 */
export abstract class ReconnectingSttStream implements SttStream {
  protected readonly events = new AsyncQueue<SttEvent>();
  /** The connection in service (past its handshake). */
  protected ws: WebSocket | undefined;
  /** A connection still in its handshake. */
  private handshaking: WebSocket | undefined;
  private connectedOnce = false;
  private finalizePending = false;
  /** The retry (in a row) that led to the current connection, for the 'reconnected' event. */
  private lastAttempt = 0;
  protected closed = false;
  protected endRequested = false;
  /** Audio sent but not yet covered by a final result: replayed after a reconnect. */
  private unconfirmed: Int16Array[] = [];
  private unconfirmedSamples = 0;
  /** Absolute wire-sample index where the current connection's time 0 lies, and where finals reach. */
  protected connectionBase = 0;
  private confirmedUpTo = 0;
  /** Wire samples sent on the current connection (its own time axis, replay included). */
  protected sentOnConnection = 0;
  private lastSendAt = 0;
  private lastHeardAt = 0;
  private pingSentAt: number | undefined;
  /** Speech (ms, by the caller's VAD) sent on this connection since the server last said anything. */
  private voicedSinceHeardMs = 0;
  /** Why the current connection is being dropped (set before it closes): it is replaced. */
  protected dropReason: ParleyError | undefined;
  /** The service refused us for good (a revoked key, a format it rejects) before closing: the stream ends. */
  protected refusal: ParleyError | undefined;
  private timer: ClockTimer | undefined;
  private endResolve: (() => void) | undefined;
  /** Cancels this stream's connect and waits; a child of the caller's signal, let go on close. */
  private readonly lifetime: ReturnType<typeof linkedAbort>;
  private readonly loop: ReconnectLoop;

  constructor(
    protected readonly vendor: SttVendor,
    protected readonly options: SttStreamOptions,
    private readonly budget: RetryBudget,
    private readonly tuning: ReconnectTuning,
  ) {
    this.lifetime = linkedAbort(options.signal);
    this.lifetime.controller.signal.addEventListener('abort', () => this.close(), { once: true });
    this.loop = new ReconnectLoop({
      provider: vendor.id,
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

  // ---------- The vendor's part ----------

  /** Opens a socket (paused, so no early frame is lost); rejects with a typed error. */
  protected abstract connect(signal: AbortSignal): Promise<WebSocket>;
  /** Converts pushed samples to wire chunks (resampled, framed); may keep a remainder. By default: 16-bit PCM as pushed. */
  protected toWire(samples: Float32Array): Int16Array[] {
    return [float32ToInt16(samples)];
  }
  /** The remainder toWire kept, as a last (short) chunk, before a finalize or the end. */
  protected drainWire(): Int16Array | undefined {
    return undefined;
  }
  /** One wire chunk on the open connection. By default: a binary frame of raw PCM. */
  protected sendAudio(ws: WebSocket, pcm: Int16Array): void {
    ws.send(pcm);
  }
  /** Asks the open connection for the final words of everything sent. */
  protected abstract sendFinalize(): void;
  /** Tells the open connection no more audio comes. */
  protected abstract sendEnd(): void;
  /** A message on the connection in service. Throwing (e.g. a failed parse) drops the connection as malformed. */
  protected abstract onMessage(ws: WebSocket, message: VendorMessage): void;
  /** Message types the vendor defines; others are ignored (logged once). */
  protected abstract readonly knownTypes: ReadonlySet<string>;
  /**
   * Runs after the socket opened, before it serves: e.g. send a setup and await `ready` (none: the
   * socket serves at once, and the server's first message is a served one).
   */
  protected handshake?(ws: WebSocket): Promise<void>;
  /** A message during the handshake. */
  protected onHandshakeMessage(_ws: WebSocket, _message: VendorMessage): void {}
  /** The socket closed during the handshake. */
  protected onHandshakeClose(_ws: WebSocket, _code: number, _reason: string): void {}
  /** Connected, before the kept audio is replayed: send what must apply to it. */
  protected beforeReplay(): void {}
  /** Connected and replayed: resend what the dropped connection left unanswered. */
  protected onServing(): void {}
  /** The connection was lost (a reconnect follows): forget per-connection state. */
  protected onConnectionLost(): void {}
  /** The stream ends as asked by end(): last words out before the iterator ends. */
  protected onEnded(): void {}
  /** No audio sent for tuning.keepAliveMs. */
  protected keepAlive(): void {}

  // ---------- SttStream ----------

  start(): void {
    void this.loop.run(undefined);
  }

  push(samples: Float32Array, voiced = false): void {
    if (this.closed || this.endRequested || samples.length === 0) return;
    for (const chunk of this.toWire(samples)) this.queueAudio(chunk);
    const ws = this.ws;
    if (!voiced || !ws || ws.readyState !== ws.OPEN) return;
    // A service answers speech within a second or two: this much speech and not a word back means
    // the connection is stuck (measured in audio, so it cannot fire on silence).
    this.voicedSinceHeardMs += (samples.length / this.options.sampleRate) * 1000;
    if (this.voicedSinceHeardMs >= this.tuning.stallTimeoutMs) {
      this.drop(ws, new ParleyError('provider/timeout', `${this.vendor.displayName} answered nothing to ${Math.round(this.voicedSinceHeardMs / 1000)} s of speech`, { provider: this.vendor.id }));
    }
  }

  finalize(): void {
    this.queueRemainder();
    // Not connected (yet, or again): asked for once the pending audio has been replayed.
    if (!this.isOpen()) this.finalizePending = true;
    else this.sendFinalize();
  }

  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.queueRemainder();
    this.endRequested = true;
    if (this.isOpen()) this.sendEnd();
    return new Promise((resolve) => (this.endResolve = resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.controller.abort();
    this.lifetime.dispose();
    this.vendor.context.clock.clearTimeout(this.timer);
    this.ws?.terminate();
    this.handshaking?.terminate();
    this.events.end();
    this.endResolve?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  // ---------- For the vendor's part ----------

  protected get signal(): AbortSignal {
    return this.lifetime.controller.signal;
  }

  /** The watchdog: a tick each second of clock time until the stream closes. */
  private tickEverySecond(): void {
    this.timer = this.vendor.context.clock.setTimeout(
      () => {
        this.tick();
        if (!this.closed) this.tickEverySecond();
      },
      1000,
      { background: true },
    );
  }

  protected now(): number {
    return this.vendor.context.clock.now();
  }

  protected isOpen(): boolean {
    return !!this.ws && this.ws.readyState === this.ws.OPEN;
  }

  protected sendJson(message: object): void {
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** A fault the stream cannot recover from: one error, then the stream ends. */
  protected fail(error: ParleyError): void {
    if (this.closed) return;
    this.events.push({ type: 'error', error });
    this.close();
  }

  /** Drops a connection on our side; the close handler reconnects (with replay) for `reason`. */
  protected drop(ws: WebSocket, reason: ParleyError): void {
    if (ws !== this.ws) return;
    this.dropReason = reason;
    this.log(`${reason.message}; reconnecting`);
    ws.terminate();
  }

  protected log(message: string): void {
    this.vendor.context.log?.(`${this.vendor.id}: ${message}`);
  }

  /** Logs `message` once per `key` for the provider's lifetime. */
  protected logOnce(key: string, message: string): void {
    if (this.vendor.loggedTypes.has(key)) return;
    this.vendor.loggedTypes.add(key);
    this.log(message);
  }

  protected malformed(e: unknown): ParleyError {
    return new ParleyError('provider/protocol', `${this.vendor.displayName} sent a malformed message (${describeError(e).slice(0, 80)})`, { provider: this.vendor.id });
  }

  /** Drops replay audio up to absolute wire sample `upTo` (the end of a final result). */
  protected confirm(upTo: number): void {
    while (this.unconfirmed.length > 0 && this.confirmedUpTo + this.unconfirmed[0]!.length <= upTo) {
      const chunk = this.unconfirmed.shift()!;
      this.unconfirmedSamples -= chunk.length;
      this.confirmedUpTo += chunk.length;
    }
  }

  /** Seconds on the current connection's time axis, as an absolute wire-sample index. */
  protected absoluteSample(seconds: number): number {
    return this.connectionBase + Math.round(seconds * this.tuning.wireRate);
  }

  // ---------- Internals ----------

  private status(status: SttConnectionStatus): void {
    this.events.push({ type: 'status', status });
  }

  private queueRemainder(): void {
    if (this.closed || this.endRequested) return;
    const rest = this.drainWire();
    if (rest && rest.length > 0) this.queueAudio(rest);
  }

  private queueAudio(pcm: Int16Array): void {
    this.unconfirmed.push(pcm);
    this.unconfirmedSamples += pcm.length;
    while (this.unconfirmedSamples > this.tuning.wireRate * MAX_REPLAY_S && this.unconfirmed.length > 1) {
      const dropped = this.unconfirmed.shift()!;
      this.unconfirmedSamples -= dropped.length;
      this.confirmedUpTo += dropped.length;
    }
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    this.sendAudio(ws, pcm);
    this.sentOnConnection += pcm.length;
    this.lastSendAt = this.now();
  }

  private async connectOnce(): Promise<void> {
    const ws = await this.connect(this.signal);
    if (this.closed) return void ws.terminate();
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(ws, data, isBinary));
    // A pong proves the connection lives, not that speech is being transcribed.
    ws.on('pong', () => this.heard(false));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason));
    ws.on('error', () => undefined); // surfaces as 'close'
    if (this.handshake) {
      this.handshaking = ws;
      // Started while the socket is paused, so the handshake hears the server's very first frame.
      const handshake = this.handshake(ws);
      ws.resume();
      try {
        await handshake;
      } catch (e) {
        ws.terminate();
        throw e;
      } finally {
        this.handshaking = undefined;
      }
      if (this.closed) return void ws.terminate();
    } else {
      // No handshake: it serves at once (in this same turn, so its first frame is a served one).
      ws.resume();
    }
    this.ws = ws;
    this.connectionBase = this.confirmedUpTo;
    this.sentOnConnection = 0;
    this.lastHeardAt = this.now();
    this.pingSentAt = undefined;
    this.voicedSinceHeardMs = 0;
    this.dropReason = undefined;
    this.beforeReplay();
    // Replay what no connection has confirmed yet, so no word of the user is lost.
    for (const chunk of this.unconfirmed) {
      this.sendAudio(ws, chunk);
      this.sentOnConnection += chunk.length;
    }
    if (this.unconfirmed.length > 0) this.lastSendAt = this.now();
    this.onServing();
    if (this.finalizePending) this.sendFinalize();
    this.finalizePending = false;
    if (this.endRequested) this.sendEnd();
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

  private onFrame(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    const inHandshake = ws === this.handshaking;
    if (ws !== this.ws && !inHandshake) return;
    this.heard(true);
    let message: VendorMessage;
    try {
      if (isBinary) throw new Error('a binary frame');
      message = JSON.parse(data.toString('utf8')) as VendorMessage;
      if (typeof message !== 'object' || message === null || typeof message.type !== 'string') throw new Error('no message type');
    } catch (e) {
      // Not a message at all: this connection cannot be trusted; recover on a fresh one (audio replayed).
      if (inHandshake) return void ws.terminate();
      return this.drop(ws, this.malformed(e));
    }
    // A type this client does not know (the API grows): not a fault.
    if (!this.knownTypes.has(message.type)) return this.logOnce(message.type, `ignoring messages of unknown type '${message.type.slice(0, 40)}'`);
    try {
      if (inHandshake) this.onHandshakeMessage(ws, message);
      else this.onMessage(ws, message);
    } catch (e) {
      if (inHandshake) return void ws.terminate();
      this.drop(ws, this.malformed(e));
    }
  }

  private onClose(ws: WebSocket, code: number, reasonBytes: Buffer): void {
    const reason = decodeCloseReason(reasonBytes);
    if (ws === this.handshaking) return this.onHandshakeClose(ws, code, reason);
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.closed) return;
    // Done as asked, or nothing left to transcribe: the stream ends. A drop after end() with audio
    // still unconfirmed reconnects like any other, replays, then ends.
    if (this.endRequested && (isNormalClose(code) || this.unconfirmed.length === 0)) {
      this.onEnded();
      return this.close();
    }
    const fault = this.dropReason ?? new ParleyError('provider/disconnected', `${this.vendor.displayName} closed the connection (${code}${reason ? ` ${reason}` : ''})`, { provider: this.vendor.id });
    // The service said why, and it will not fix itself: final.
    if (this.refusal) return this.fail(this.refusal);
    this.onConnectionLost();
    void this.loop.run(fault);
  }

  private tick(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    const now = this.now();
    const stallMs = this.tuning.stallTimeoutMs;
    if (this.pingSentAt !== undefined && now - this.pingSentAt >= stallMs) {
      return this.drop(ws, new ParleyError('provider/timeout', `${this.vendor.displayName} stopped answering (no reply to a ping in ${Math.round(stallMs / 1000)} s)`, { provider: this.vendor.id }));
    }
    // Silence may rightly get no answer; a ping always does, unless the connection is dead.
    if (this.pingSentAt === undefined && now - this.lastHeardAt >= PING_AFTER_MS) {
      this.pingSentAt = now;
      ws.ping();
    }
    if (this.tuning.keepAliveMs !== undefined && now - this.lastSendAt >= this.tuning.keepAliveMs) this.keepAlive();
  }
}
