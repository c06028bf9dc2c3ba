import type WebSocket from 'ws';
import { z } from 'zod';
import { ParleyError } from '../../errors.js';
import { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { connectWebSocket } from '../websocket.js';
import { ReconnectingSttStream, type SttVendor, type VendorMessage } from './reconnecting-stream.js';

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
    const s = this.settings;
    const stream = new DeepgramStream(this, options, budget, { url: () => this.url(options.sampleRate, options.language), apiKey: this.apiKey, stallTimeoutMs: s.stallTimeoutMs, keepAliveMs: s.keepAliveMs });
    stream.start();
    return stream;
  }
}

/** How a Deepgram live stream (v1 /listen or v2 Flux) connects, and its fault settings. */
export interface DeepgramConnection {
  /** The WebSocket URL for the next connection (built anew each time: settings may change mid-stream). */
  url: () => string;
  apiKey: string;
  /** Speech (by the caller's VAD) answered by nothing for this long, or a ping unanswered this long (ms), is a stall. */
  stallTimeoutMs: number;
  /** No audio sent this long (ms): KeepAlive. Undefined: never (Flux has no KeepAlive). */
  keepAliveMs?: number;
}

/**
 * What Deepgram's two live APIs share on the wire: Token auth, raw linear16 audio at the stream's
 * own rate in binary frames, JSON messages, CloseStream to finish, an error message ahead of the
 * close it explains. The reconnecting machinery is the shared ReconnectingSttStream.
 */
export abstract class DeepgramSocketStream extends ReconnectingSttStream {
  constructor(vendor: SttVendor, options: SttStreamOptions, budget: RetryBudget, private readonly connection: DeepgramConnection) {
    super(vendor, options, budget, { stallTimeoutMs: connection.stallTimeoutMs, keepAliveMs: connection.keepAliveMs, wireRate: options.sampleRate });
  }

  protected connect(signal: AbortSignal): Promise<WebSocket> {
    // Paused until listening: Flux speaks first (Connected), possibly in the upgrade's own packet.
    const { id, displayName } = this.vendor;
    return connectWebSocket(this.connection.url(), { provider: id, displayName, headers: { Authorization: `Token ${this.connection.apiKey}` }, signal, paused: true });
  }

  protected sendEnd(): void {
    this.sendJson({ type: 'CloseStream' });
  }

  /** Audio up to `endS` (seconds on the current connection's clock) is settled: no need to replay it. */
  protected confirmSeconds(endS: number): void {
    this.confirm(this.absoluteSample(endS));
  }

  /** The server reported an error; its text explains the close that follows. */
  protected serverError(text: string): void {
    this.dropReason = new ParleyError('provider/server-error', `${this.vendor.displayName} error: ${text.slice(0, 200)}`, { provider: this.vendor.id });
  }
}

/** v1 /listen: Results confirm their audio span; finalize() is Finalize; KeepAlive in silence. */
class DeepgramStream extends DeepgramSocketStream {
  protected readonly knownTypes = KNOWN_TYPES;

  protected sendFinalize(): void {
    this.sendJson({ type: 'Finalize' });
  }

  protected override keepAlive(): void {
    this.sendJson({ type: 'KeepAlive' });
  }

  protected onMessage(_ws: WebSocket, message: VendorMessage): void {
    switch (message.type) {
      case 'Results': {
        const r = ResultsSchema.parse(message);
        const text = r.channel.alternatives[0]!.transcript.trim();
        if (r.is_final) {
          this.confirmSeconds(r.start + r.duration);
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
        this.serverError(m.success ? (m.data.description ?? m.data.message ?? 'unknown') : 'unknown');
        break;
      }
      default:
        break;
    }
  }
}
