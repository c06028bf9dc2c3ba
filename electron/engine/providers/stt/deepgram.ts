import type WebSocket from 'ws';
import { z } from 'zod';
import { float32ToInt16 } from '../../audio/pcm.js';
import type { ClockTimer } from '../../clock.js';
import { ParleyError, asParleyError, describeError, isAbort, isRetryable } from '../../errors.js';
import { linkedAbort } from '../../util/abort.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttConnectionStatus, SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { connectWebSocket, decodeCloseReason, isNormalClose } from '../websocket.js';

export const DeepgramSettingsSchema = z.object({
  baseUrl: z.string().url().default('wss://api.deepgram.com'),
  model: z.string().min(1).default('nova-3'),
  language: z.string().min(2).default('en-US'),
  /** Deepgram's own endpointing: this much silence marks speech_final (ms). */
  endpointingMs: z.number().int().min(10).max(10_000).default(300),
  /** UtteranceEnd after this gap since the last word (ms, >= 1000). */
  utteranceEndMs: z.number().int().min(1000).max(5000).default(1000),
  smartFormat: z.boolean().default(true),
  /** Silence keep-alive period while no audio flows (ms). */
  keepAliveMs: z.number().int().positive().default(4000),
  /**
   * Stalled connection: this much speech (as the VAD hears it) sent with no word back, or a ping
   * unanswered this long (ms). Silence is not a stall: Deepgram may rightly say nothing to it.
   */
  stallTimeoutMs: z.number().int().positive().default(10_000),
  /** Retries in a row on connection faults before giving up (one is earned back per 10 s connected). */
  maxReconnects: z.number().int().min(0).max(10).default(5),
});
export type DeepgramSettings = z.infer<typeof DeepgramSettingsSchema>;

const NAME = 'Deepgram';
/** No word from the server this long (ms): ping it, so a dead connection shows even in silence. */
const PING_AFTER_MS = 5000;
/** The replay buffer's bound: older unconfirmed audio cannot be recovered anyway. */
const MAX_REPLAY_S = 60;

const ResultsSchema = z.object({
  type: z.literal('Results'),
  start: z.number(),
  duration: z.number(),
  is_final: z.boolean().default(false),
  speech_final: z.boolean().default(false),
  from_finalize: z.boolean().default(false),
  channel: z.object({ alternatives: z.array(z.object({ transcript: z.string() })).min(1) }),
});
/** v1's message set (deepgram-js-sdk): Results, Metadata, UtteranceEnd, SpeechStarted. Other types are ignored. */
const KNOWN_TYPES = new Set(['Results', 'UtteranceEnd', 'SpeechStarted', 'Metadata', 'Error']);
const ErrorMessageSchema = z.object({ type: z.literal('Error'), description: z.string().optional(), message: z.string().optional() }).passthrough();

/** Deepgram live transcription over its WebSocket API (thin client: we need reconnect with replay). */
export class DeepgramStt implements SttProvider {
  readonly id = 'deepgram';
  readonly displayName = NAME;
  /** Unknown message types already logged (once each, for the provider's lifetime). */
  readonly loggedTypes = new Set<string>();

  constructor(
    readonly settings: DeepgramSettings,
    readonly apiKey: string | undefined,
    readonly context: ProviderContext,
  ) {}

  url(sampleRate: number, language?: string): string {
    const s = this.settings;
    const q = new URLSearchParams({
      model: s.model,
      language: language ?? s.language,
      encoding: 'linear16',
      sample_rate: String(sampleRate),
      channels: '1',
      interim_results: 'true',
      endpointing: String(s.endpointingMs),
      utterance_end_ms: String(s.utteranceEndMs),
      vad_events: 'true',
      smart_format: String(s.smartFormat),
      punctuate: 'true',
    });
    return `${s.baseUrl.replace(/\/+$/, '')}/v1/listen?${q}`;
  }

  /**
   * The stream comes back at once and connects in the background (its 'status' events say how
   * that goes); audio pushed meanwhile is kept and sent once connected. A rejected key or a spent
   * retry budget ends it with one 'error' event.
   */
  async open(options: SttStreamOptions): Promise<SttStream> {
    if (!this.apiKey) throw new ParleyError('provider/missing-key', `no API key for ${NAME}: set DEEPGRAM_API_KEY or add it in settings`, { provider: this.id });
    const budget = options.retry ?? new RetryBudget(this.context.clock, { retries: this.settings.maxReconnects });
    const stream = new DeepgramStream(this, options, budget);
    stream.start();
    return stream;
  }
}

class DeepgramStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  private ws: WebSocket | undefined;
  private connecting = false;
  private connectedOnce = false;
  private finalizePending = false;
  /** The retry (in a row) that led to the current connection, for the 'reconnected' event. */
  private lastAttempt = 0;
  private closed = false;
  private endRequested = false;
  /** Audio sent but not yet covered by a final result: replayed after a reconnect. */
  private unconfirmed: Int16Array[] = [];
  private unconfirmedSamples = 0;
  /** Absolute sample index where the current connection's time 0 lies, and where finals reach. */
  private connectionBase = 0;
  private confirmedUpTo = 0;
  private lastSendAt = 0;
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

  constructor(
    private readonly provider: DeepgramStt,
    private readonly options: SttStreamOptions,
    private readonly budget: RetryBudget,
  ) {
    this.lifetime = linkedAbort(options.signal);
    this.lifetime.controller.signal.addEventListener('abort', () => this.close(), { once: true });
  }

  private get signal(): AbortSignal {
    return this.lifetime.controller.signal;
  }

  start(): void {
    void this.connectLoop(undefined);
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
    // Deepgram answers speech with interim results within a second or two: this much speech and
    // not a word back means the connection is stuck (measured in audio, so it cannot fire on silence).
    this.voicedSinceHeardMs += (samples.length / this.options.sampleRate) * 1000;
    if (this.voicedSinceHeardMs >= this.provider.settings.stallTimeoutMs) {
      this.drop(ws, new ParleyError('provider/timeout', `${NAME} answered nothing to ${Math.round(this.voicedSinceHeardMs / 1000)} s of speech`, { provider: this.provider.id }));
    }
  }

  finalize(): void {
    // Not connected (yet, or again): asked for once the pending audio has been replayed.
    if (!this.ws || this.ws.readyState !== this.ws.OPEN) this.finalizePending = true;
    else this.sendJson({ type: 'Finalize' });
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
    this.provider.context.clock.clearTimeout(this.timer);
    this.ws?.terminate();
    this.events.end();
    this.endResolve?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private now(): number {
    return this.provider.context.clock.now();
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

  /**
   * Connects, and after a fault (`fault`) reconnects, drawing every retry from the budget: never
   * one attempt per audio frame, never more than the budget allows in a row.
   */
  private async connectLoop(fault: ParleyError | undefined): Promise<void> {
    if (this.connecting || this.closed) return;
    this.connecting = true;
    try {
      for (;;) {
        if (fault) {
          const step = this.budget.next(fault);
          if (!step) return this.fail(this.gaveUp(fault));
          this.lastAttempt = step.attempt;
          this.status({ state: 'retrying', attempt: step.attempt, inMs: step.delayMs, reason: fault });
          await this.budget.wait(step.delayMs, this.signal);
          if (this.closed) return;
        }
        this.status({ state: 'connecting' });
        try {
          await this.connectOnce();
          return;
        } catch (e) {
          if (isAbort(e) || this.closed) return this.close();
          const error = asParleyError(e, 'provider/unreachable');
          // A rejected key or request will not fix itself: final.
          if (!isRetryable(error)) return this.fail(error);
          fault = error;
        }
      }
    } catch (e) {
      // Only the wait throws here: the stream was aborted.
      if (!isAbort(e)) this.fail(asParleyError(e, 'provider/unreachable'));
      else this.close();
    } finally {
      this.connecting = false;
    }
  }

  private gaveUp(fault: ParleyError): ParleyError {
    const n = this.budget.failures;
    const what = fault.retryAfterMs !== undefined && n === 1 ? `${fault.message} (asked to wait ${Math.round(fault.retryAfterMs / 1000)} s)` : fault.message;
    return new ParleyError(fault.code, `${what}; gave up after ${n} ${n === 1 ? 'attempt' : 'attempts'}`, { provider: this.provider.id, cause: fault });
  }

  private async connectOnce(): Promise<void> {
    const ws = await connectWebSocket(this.provider.url(this.options.sampleRate, this.options.language), {
      provider: this.provider.id,
      displayName: NAME,
      headers: { Authorization: `Token ${this.provider.apiKey}` },
      signal: this.signal,
    });
    if (this.closed) return void ws.terminate();
    this.ws = ws;
    this.connectionBase = this.confirmedUpTo;
    this.lastHeardAt = this.now();
    this.pingSentAt = undefined;
    this.voicedSinceHeardMs = 0;
    this.dropReason = undefined;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(ws, data, isBinary));
    // A pong proves the connection lives, not that speech is being transcribed.
    ws.on('pong', () => this.heard(false));
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason));
    ws.on('error', () => undefined); // surfaces as 'close'
    // Replay what no connection has confirmed yet, so no word of the user is lost.
    for (const chunk of this.unconfirmed) ws.send(chunk);
    if (this.unconfirmed.length > 0) this.lastSendAt = this.now();
    if (this.finalizePending) this.sendJson({ type: 'Finalize' });
    this.finalizePending = false;
    if (this.endRequested) this.sendJson({ type: 'CloseStream' });
    this.budget.succeeded();
    this.status({ state: 'ok' });
    if (this.connectedOnce) this.events.push({ type: 'reconnected', attempt: this.lastAttempt });
    this.connectedOnce = true;
    if (!this.timer) this.tickEverySecond();
  }

  /** The watchdog: a tick each second of clock time until the stream closes. */
  private tickEverySecond(): void {
    this.timer = this.provider.context.clock.setTimeout(
      () => {
        this.tick();
        if (!this.closed) this.tickEverySecond();
      },
      1000,
      { background: true },
    );
  }

  private sendJson(message: object): void {
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
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
    this.provider.context.log?.(`deepgram: ${reason.message}; reconnecting`);
    ws.terminate();
  }

  private logOnce(type: string, message: string): void {
    if (this.provider.loggedTypes.has(type)) return;
    this.provider.loggedTypes.add(type);
    this.provider.context.log?.(message);
  }

  private onMessage(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (ws !== this.ws) return;
    this.heard(true);
    let message: { type?: unknown };
    try {
      if (isBinary) throw new Error('a binary frame');
      message = JSON.parse(data.toString('utf8')) as { type?: unknown };
      if (typeof message !== 'object' || message === null || typeof message.type !== 'string') throw new Error('no message type');
    } catch (e) {
      // Not a message at all: this connection cannot be trusted; recover on a fresh one (audio replayed).
      return this.drop(ws, this.malformed(e));
    }
    const type = message.type as string;
    if (!KNOWN_TYPES.has(type)) {
      // A type this client does not know (the API grows): not a fault.
      return this.logOnce(type, `deepgram: ignoring messages of unknown type '${type.slice(0, 40)}'`);
    }
    switch (type) {
      case 'Results': {
        const parsed = ResultsSchema.safeParse(message);
        if (!parsed.success) return this.drop(ws, this.malformed(parsed.error));
        const r = parsed.data;
        const text = r.channel.alternatives[0]!.transcript.trim();
        if (r.is_final) {
          this.confirm(this.connectionBase + Math.round((r.start + r.duration) * this.options.sampleRate));
          this.events.push({ type: 'final', text, endOfSpeech: r.speech_final, fromFinalize: r.from_finalize });
        } else if (text) {
          this.events.push({ type: 'partial', text });
        }
        break;
      }
      case 'UtteranceEnd':
        this.events.push({ type: 'end-of-turn' });
        break;
      case 'SpeechStarted':
        this.events.push({ type: 'speech-started' });
        break;
      case 'Error': {
        // Not in v1's documented set; errors normally come as close frames. Its text explains the close that follows.
        const m = ErrorMessageSchema.safeParse(message);
        const text = m.success ? (m.data.description ?? m.data.message ?? 'unknown') : 'unknown';
        this.dropReason = new ParleyError('provider/server-error', `${NAME} error: ${text.slice(0, 200)}`, { provider: this.provider.id });
        break;
      }
      default:
        break;
    }
  }

  private malformed(e: unknown): ParleyError {
    return new ParleyError('provider/protocol', `${NAME} sent a malformed message (${describeError(e).slice(0, 80)})`, { provider: this.provider.id });
  }

  /** Drops replay audio up to absolute sample `upTo` (the end of a final result). */
  private confirm(upTo: number): void {
    while (this.unconfirmed.length > 0 && this.confirmedUpTo + this.unconfirmed[0]!.length <= upTo) {
      const chunk = this.unconfirmed.shift()!;
      this.unconfirmedSamples -= chunk.length;
      this.confirmedUpTo += chunk.length;
    }
  }

  private onClose(ws: WebSocket, code: number, reason: Buffer): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.closed) return;
    // Done as asked (CloseStream answered), or nothing left to transcribe: the stream ends. A drop
    // after end() with audio still unconfirmed reconnects like any other, replays, then ends.
    if (this.endRequested && (isNormalClose(code) || this.unconfirmed.length === 0)) return this.close();
    const why = decodeCloseReason(reason);
    const fault = this.dropReason ?? new ParleyError('provider/disconnected', `${NAME} closed the connection (${code}${why ? ` ${why}` : ''})`, { provider: this.provider.id });
    void this.connectLoop(fault);
  }

  private tick(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    const now = this.now();
    const s = this.provider.settings;
    if (this.pingSentAt !== undefined && now - this.pingSentAt >= s.stallTimeoutMs) {
      return this.drop(ws, new ParleyError('provider/timeout', `${NAME} stopped answering (no reply to a ping in ${Math.round(s.stallTimeoutMs / 1000)} s)`, { provider: this.provider.id }));
    }
    // Silence may rightly get no answer; a ping always does, unless the connection is dead.
    if (this.pingSentAt === undefined && now - this.lastHeardAt >= PING_AFTER_MS) {
      this.pingSentAt = now;
      ws.ping();
    }
    if (now - this.lastSendAt >= s.keepAliveMs) this.sendJson({ type: 'KeepAlive' });
  }
}
