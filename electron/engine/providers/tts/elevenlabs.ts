import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import { ParleyError } from '../../errors.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';
import { connectWebSocket, isNormalClose } from '../websocket.js';
import { Pcm16Decoder } from './pcm-chunks.js';
import { WebSocketTtsStream } from './websocket-tts-stream.js';

export const ElevenLabsSettingsSchema = z.object({
  baseUrl: z.string().url().default('wss://api.elevenlabs.io'),
  voiceId: z.string().min(1).default('21m00Tcm4TlvDq8ikWAM'),
  modelId: z.string().min(1).default('eleven_flash_v2_5'),
  stability: z.number().min(0).max(1).default(0.5),
  similarityBoost: z.number().min(0).max(1).default(0.8),
  speed: z.number().min(0.7).max(1.2).default(1),
  /** No audio for this long while text is pending = stalled (ms). */
  stallTimeoutMs: z.number().int().positive().default(10_000),
});
export type ElevenLabsSettings = z.infer<typeof ElevenLabsSettingsSchema>;

const NAME = 'ElevenLabs';
const SAMPLE_RATE = 24000;
const INACTIVITY_TIMEOUT_S = 180;

/** ElevenLabs stream-input WebSocket: text streamed in, 24 kHz PCM with character alignment out. */
export class ElevenLabsTts implements TtsProvider {
  readonly id = 'elevenlabs';
  readonly sampleRate = SAMPLE_RATE;

  constructor(
    readonly settings: ElevenLabsSettings,
    readonly apiKey: string | undefined,
    readonly retry?: Partial<RetryPolicy>,
    /** What the stall timer and the reconnect backoffs wait on. */
    readonly clock: Clock = systemClock,
  ) {}

  url(): string {
    const base = this.settings.baseUrl.replace(/\/+$/, '');
    // The service closes a socket after 20 s without text by default: a slow tool or LLM between
    // two sentences would cut the reply. 180 s is the longest it allows.
    const q = new URLSearchParams({ model_id: this.settings.modelId, output_format: `pcm_${SAMPLE_RATE}`, sync_alignment: 'true', inactivity_timeout: String(INACTIVITY_TIMEOUT_S) });
    return `${base}/v1/text-to-speech/${encodeURIComponent(this.settings.voiceId)}/stream-input?${q}`;
  }

  open(options: TtsStreamOptions): TtsStream {
    return new ElevenLabsStream(this, options);
  }
}

const ServerMessageSchema = z.object({
  audio: z.string().nullish(),
  isFinal: z.boolean().nullish(),
  normalizedAlignment: z.object({ chars: z.array(z.string()) }).passthrough().nullish(),
  alignment: z.object({ chars: z.array(z.string()) }).passthrough().nullish(),
  message: z.string().optional(),
  error: z.string().optional(),
  code: z.union([z.number(), z.string()]).optional(),
});

/** Standard base64 with padding, as the service encodes audio (Buffer.from would skip bad characters silently). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Counts the characters alignment reports against, ignoring spacing the server may normalise. */
const visibleLength = (s: string) => s.replace(/\s+/g, '').length;

class ElevenLabsStream extends WebSocketTtsStream {
  private readonly outbox: string[] = [];
  /** Cumulative visible characters at the end of each segment. */
  private readonly segmentEnds: number[] = [];
  private spokenChars = 0;
  /** Alignment came on the text we sent (exact), not only on the spelled-out text. */
  private alignedOnInput = false;
  private readonly decoder = new Pcm16Decoder();

  constructor(
    private readonly provider: ElevenLabsTts,
    options: TtsStreamOptions,
  ) {
    super(provider, NAME, options);
    void this.connect();
  }

  push(text: string): number {
    const index = this.segmentEnds.length;
    this.segmentEnds.push((this.segmentEnds[index - 1] ?? 0) + visibleLength(text));
    // Each chunk is already a speakable unit: flush so generation starts at once.
    this.send(JSON.stringify({ text: text.endsWith(' ') ? text : `${text} `, flush: true }));
    this.armStall();
    return index;
  }

  end(): void {
    this.ended = true;
    this.send(JSON.stringify({ text: '' }));
    this.armStall();
    this.finishIfAllSpoken();
  }

  protected segmentCount(): number {
    return this.segmentEnds.length;
  }

  private async connect(): Promise<void> {
    const { settings, apiKey, retry } = this.provider;
    try {
      const ws = await withRetry(
        () => connectWebSocket(this.provider.url(), { provider: this.provider.id, displayName: NAME, headers: apiKey ? { 'xi-api-key': apiKey } : {}, signal: this.controller.signal }),
        { signal: this.controller.signal, policy: retry, clock: this.provider.clock },
      );
      if (this.finished) return void ws.terminate();
      this.ws = ws;
      ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
      ws.on('close', (code: number, reason: Buffer) => this.onClose(code, reason));
      ws.on('error', () => undefined); // reported through 'close'
      ws.send(
        JSON.stringify({
          text: ' ',
          voice_settings: { stability: settings.stability, similarity_boost: settings.similarityBoost, speed: settings.speed },
          ...(apiKey ? { xi_api_key: apiKey } : {}),
        }),
      );
      for (const m of this.outbox.splice(0)) ws.send(m);
    } catch (e) {
      this.shutdown(e);
    }
  }

  private send(message: string): void {
    if (this.finished) return;
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.send(message);
    else this.outbox.push(message);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.shutdown(this.protocolError('a binary frame (expected JSON)'));
    let parsed: z.infer<typeof ServerMessageSchema>;
    try {
      parsed = ServerMessageSchema.parse(JSON.parse(data.toString('utf8')));
    } catch {
      return this.shutdown(this.protocolError('a malformed message'));
    }
    if (parsed.error || (parsed.message && !parsed.audio)) {
      const text = parsed.message ?? parsed.error ?? 'error';
      const code = /api.?key|unauthori[sz]ed|401/i.test(`${text} ${parsed.error ?? ''} ${parsed.code ?? ''}`) ? 'provider/invalid-key' : 'provider/server-error';
      return this.shutdown(new ParleyError(code, code === 'provider/invalid-key' ? `invalid API key for ${NAME}: ${text}` : `${NAME} error: ${text}`, { provider: this.provider.id }));
    }
    if (parsed.audio) {
      if (!BASE64.test(parsed.audio)) return this.shutdown(this.protocolError('audio that is not valid base64'));
      // Odd bytes carry over to the next chunk: a chunk may end inside a sample.
      const pcm = this.decoder.decode(Buffer.from(parsed.audio, 'base64'));
      if (pcm.length) this.events.push({ type: 'audio', segment: Math.min(this.segment, this.segmentEnds.length - 1), pcm, sampleRate: SAMPLE_RATE });
      // `alignment` is the text we sent; `normalizedAlignment` spells numbers out and would not line up with it.
      const chars = parsed.alignment?.chars ?? parsed.normalizedAlignment?.chars;
      if (parsed.alignment) this.alignedOnInput = true;
      if (chars) this.advance(visibleLength(chars.join('')));
      this.armStall();
    }
    if (parsed.isFinal) {
      this.advance(Infinity);
      this.finish();
    }
    this.finishIfAllSpoken();
  }

  /**
   * The service may never say isFinal (nor close): once the input is over and the alignment of the
   * text we sent covers every segment, every sentence has been spoken and the stream is complete.
   */
  private finishIfAllSpoken(): void {
    if (this.ended && this.alignedOnInput && this.segmentEnds.length > 0 && this.segment >= this.segmentEnds.length) this.finish();
  }

  /** Alignment says `n` more characters were spoken: close every segment they complete. */
  private advance(n: number): void {
    this.spokenChars += n;
    while (this.segment < this.segmentEnds.length && this.spokenChars >= this.segmentEnds[this.segment]!) {
      this.events.push({ type: 'segment-done', segment: this.segment });
      this.segment++;
    }
  }

  private onClose(code: number, reason: Buffer): void {
    if (this.finished) return;
    if (isNormalClose(code) && this.ended) {
      this.advance(Infinity);
      return this.finish();
    }
    this.shutdown(this.closeError(code, reason));
  }

  /** Watch for a stall only while audio is owed (text pending, or the end requested). */
  protected override audioOwed(): boolean {
    return this.segment < this.segmentEnds.length || this.ended;
  }

  protected override onStall(): void {
    // Every segment spoken (by the spelled-out alignment) and the input over: quiet is the end, not a stall.
    if (this.ended && this.segment >= this.segmentEnds.length) return this.finish();
    super.onStall();
  }
}
