import type WebSocket from 'ws';
import { z } from 'zod';
import { float32ToInt16 } from '../../audio/pcm.js';
import { ParleyError, describeError, isAbort } from '../../errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { abortableSleep, backoffDelay, DEFAULT_RETRY } from '../retry.js';
import type { ProviderContext, SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { connectWebSocket, decodeCloseReason } from '../websocket.js';

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
  /** Audio sent but nothing heard back for this long = stalled connection (ms). */
  stallTimeoutMs: z.number().int().positive().default(10_000),
  /** Reconnect attempts after a dropped connection before giving up. */
  maxReconnects: z.number().int().min(0).max(10).default(3),
});
export type DeepgramSettings = z.infer<typeof DeepgramSettingsSchema>;

const NAME = 'Deepgram';

const ResultsSchema = z.object({
  type: z.literal('Results'),
  start: z.number(),
  duration: z.number(),
  is_final: z.boolean().default(false),
  speech_final: z.boolean().default(false),
  from_finalize: z.boolean().default(false),
  channel: z.object({ alternatives: z.array(z.object({ transcript: z.string() })).min(1) }),
});
const MessageSchema = z.union([
  ResultsSchema,
  z.object({ type: z.literal('UtteranceEnd') }).passthrough(),
  z.object({ type: z.literal('SpeechStarted') }).passthrough(),
  z.object({ type: z.literal('Metadata') }).passthrough(),
  z.object({ type: z.literal('Error'), description: z.string().optional(), message: z.string().optional() }).passthrough(),
]);

/** Deepgram live transcription over its WebSocket API (thin client: we need reconnect with replay). */
export class DeepgramStt implements SttProvider {
  readonly id = 'deepgram';

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

  async open(options: SttStreamOptions): Promise<SttStream> {
    if (!this.apiKey) throw new ParleyError('provider/missing-key', `no API key for ${NAME}: set DEEPGRAM_API_KEY or add it in settings`, { provider: this.id });
    const stream = new DeepgramStream(this, options);
    await stream.connect(false);
    return stream;
  }
}

class DeepgramStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  private ws: WebSocket | undefined;
  private connecting = false;
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
  private reconnects = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private endResolve: (() => void) | undefined;

  constructor(
    private readonly provider: DeepgramStt,
    private readonly options: SttStreamOptions,
  ) {
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  async connect(isReconnect: boolean): Promise<void> {
    this.connecting = true;
    try {
      const ws = await connectWebSocket(this.provider.url(this.options.sampleRate, this.options.language), {
        provider: this.provider.id,
        displayName: NAME,
        headers: { Authorization: `Token ${this.provider.apiKey}` },
        signal: this.options.signal,
      });
      if (this.closed) return void ws.terminate();
      this.ws = ws;
      this.connectionBase = this.confirmedUpTo;
      this.lastHeardAt = this.now();
      ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
      ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason));
      ws.on('error', () => undefined); // surfaces as 'close'
      // Replay what the dropped connection never confirmed, so no word of the user is lost.
      for (const chunk of this.unconfirmed) ws.send(chunk);
      if (isReconnect) this.events.push({ type: 'reconnected', attempt: this.reconnects });
      this.timer ??= setInterval(() => this.tick(), 1000);
    } finally {
      this.connecting = false;
    }
  }

  push(samples: Float32Array): void {
    if (this.closed || this.endRequested || samples.length === 0) return;
    const pcm = float32ToInt16(samples);
    this.unconfirmed.push(pcm);
    this.unconfirmedSamples += pcm.length;
    // Bound the replay buffer (~60 s): older audio cannot be recovered anyway.
    while (this.unconfirmedSamples > this.options.sampleRate * 60 && this.unconfirmed.length > 1) {
      const dropped = this.unconfirmed.shift()!;
      this.unconfirmedSamples -= dropped.length;
      this.confirmedUpTo += dropped.length;
    }
    if (this.ws && this.ws.readyState === this.ws.OPEN) {
      this.ws.send(pcm);
      this.lastSendAt = this.now();
    }
  }

  finalize(): void {
    this.sendJson({ type: 'Finalize' });
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
    clearInterval(this.timer);
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

  private sendJson(message: object): void {
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.lastHeardAt = this.now();
    let message: z.infer<typeof MessageSchema>;
    try {
      if (isBinary) throw new Error('binary frame');
      message = MessageSchema.parse(JSON.parse(data.toString('utf8')));
    } catch (e) {
      // One bad frame: report it, drop the connection and recover on a fresh one (audio replayed).
      this.events.push({ type: 'error', error: new ParleyError('provider/protocol', `${NAME} sent a malformed message (${describeError(e).slice(0, 80)})`, { provider: this.provider.id }) });
      this.ws?.terminate();
      return;
    }
    switch (message.type) {
      case 'Results': {
        const r = message as z.infer<typeof ResultsSchema>;
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
        const m = message as { description?: string; message?: string };
        this.events.push({ type: 'error', error: new ParleyError('provider/server-error', `${NAME} error: ${m.description ?? m.message ?? 'unknown'}`, { provider: this.provider.id }) });
        break;
      }
      default:
        break;
    }
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
    if (this.endRequested) return this.close();
    const why = decodeCloseReason(reason);
    void this.reconnect(`${code}${why ? ` ${why}` : ''}`);
  }

  private async reconnect(why: string): Promise<void> {
    if (this.connecting || this.closed) return;
    for (;;) {
      this.reconnects++;
      if (this.reconnects > this.provider.settings.maxReconnects) {
        this.events.push({
          type: 'error',
          error: new ParleyError('provider/disconnected', `${NAME} connection lost (${why}) and ${this.provider.settings.maxReconnects} reconnects failed`, { provider: this.provider.id }),
        });
        return this.close();
      }
      this.provider.context.log?.(`deepgram: connection lost (${why}); reconnect ${this.reconnects}`);
      try {
        await abortableSleep(backoffDelay(this.reconnects, DEFAULT_RETRY, Math.random), this.options.signal);
        await this.connect(true);
        return;
      } catch (e) {
        if (isAbort(e) || this.closed) return this.close();
        if (e instanceof ParleyError && (e.code === 'provider/invalid-key' || e.code === 'provider/bad-request')) {
          this.events.push({ type: 'error', error: e });
          return this.close();
        }
        why = describeError(e);
      }
    }
  }

  private tick(): void {
    if (!this.ws || this.ws.readyState !== this.ws.OPEN) return;
    const now = this.now();
    const s = this.provider.settings;
    if (this.lastSendAt > this.lastHeardAt && now - this.lastHeardAt > s.stallTimeoutMs) {
      this.provider.context.log?.('deepgram: no results while audio flows; reconnecting');
      this.ws.terminate(); // -> onClose -> reconnect with replay
      return;
    }
    if (now - this.lastSendAt >= s.keepAliveMs) this.sendJson({ type: 'KeepAlive' });
  }
}

