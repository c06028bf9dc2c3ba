import type WebSocket from 'ws';
import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import type { ParleyError } from '../../errors.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import { gradiumError, gradiumUrl } from '../stt/gradium.js';
import type { TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';
import { connectWebSocket, isNormalClose } from '../websocket.js';
import { Pcm16Decoder } from './pcm-chunks.js';
import { WebSocketTtsStream } from './websocket-tts-stream.js';

export const GradiumTtsSettingsSchema = z.object({
  /** wss://api.gradium.ai, or a region: wss://eu.api.gradium.ai, wss://us.api.gradium.ai (a full .../api/speech/tts URL works too). */
  baseUrl: z.string().url().default('wss://api.gradium.ai'),
  model: z.string().min(1).default('default'),
  /** A voice of Gradium's library (Emma by default) or a custom voice's id. */
  voiceId: z.string().min(1).default('YTpq7expH9539ERJ'),
  /** Raw 16-bit mono PCM: `pcm` is 48 kHz, `pcm_24000` 24 kHz. */
  outputFormat: z.enum(['pcm_24000', 'pcm']).default('pcm_24000'),
  /** No audio for this long while text is pending = stalled (ms). */
  stallTimeoutMs: z.number().int().positive().default(10_000),
});
export type GradiumTtsSettings = z.infer<typeof GradiumTtsSettingsSchema>;

const NAME = 'Gradium';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const ServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), sample_rate: z.number().optional() }).passthrough(),
  z.object({ type: z.literal('audio'), audio: z.string() }).passthrough(),
  z.object({ type: z.literal('text'), text: z.string(), start_s: z.number().optional(), stop_s: z.number().optional() }).passthrough(),
  z.object({ type: z.literal('end_of_stream') }).passthrough(),
  z.object({ type: z.literal('error'), message: z.string().optional(), code: z.number().optional() }).passthrough(),
]);
const KNOWN_TYPES = new Set(['ready', 'audio', 'text', 'end_of_stream', 'error']);

/** The words the service speaks and reports back (one `text` reply each), tags left out. */
export function spokenWords(text: string): string[] {
  return text
    .replace(/<[^>]*>/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * Gradium streaming text to speech (wss://.../api/speech/tts): one socket per reply; `setup`, then
 * each pushed sentence as one `text` message ending in an inline `<flush>` tag (generate now), and
 * `end_of_stream` at the end. Audio comes back as base64 PCM, with a timestamped `text` reply per
 * spoken word. The audio is one timeline in push order, so a sentence's audio ends at the stop_s
 * of its last word: that is where the next segment's audio begins.
 */
export class GradiumTts implements TtsProvider {
  readonly id = 'gradium';
  readonly sampleRate: number;

  constructor(
    readonly settings: GradiumTtsSettings,
    readonly apiKey: string | undefined,
    readonly retry?: Partial<RetryPolicy>,
    /** What the stall timer and the reconnect backoffs wait on. */
    readonly clock: Clock = systemClock,
  ) {
    this.sampleRate = settings.outputFormat === 'pcm' ? 48000 : 24000;
  }

  url(): string {
    return gradiumUrl(this.settings.baseUrl, '/api/speech/tts');
  }

  open(options: TtsStreamOptions): TtsStream {
    return new GradiumTtsStream(this, options);
  }
}

class GradiumTtsStream extends WebSocketTtsStream {
  private connecting = false;
  /** Messages waiting for a connection, with the words each asks for. */
  private readonly outbox: { message: string; words: number }[] = [];
  /** Words sent over a socket so far: the service owes their audio. */
  private wordsSent = 0;
  /** Cumulative spoken words at the end of each segment. */
  private readonly segmentEnds: number[] = [];
  /** Where each segment's audio ends on the connection's timeline (samples), once its last word is reported. */
  private readonly segmentStops: (number | undefined)[] = [];
  /** Words reported so far (all connections), and the audio emitted on the current connection. */
  private wordsHeard = 0;
  private samplesOut = 0;
  /** Why the service is closing an idle socket (not a failure: the next push opens a new one). */
  private idleReason: ParleyError | undefined;
  private decoder = new Pcm16Decoder();

  constructor(
    private readonly provider: GradiumTts,
    options: TtsStreamOptions,
  ) {
    super(provider, NAME, options);
    void this.connect();
  }

  push(text: string): number {
    const index = this.segmentEnds.length;
    const words = spokenWords(text).length;
    this.segmentEnds.push((this.segmentEnds[index - 1] ?? 0) + words);
    this.segmentStops.push(undefined);
    // One message per sentence, flushed at once: generation starts without waiting for more text.
    this.send(JSON.stringify({ type: 'text', text: `${text.trim()} <flush>` }), words);
    this.armStall();
    return index;
  }

  end(): void {
    this.ended = true;
    if (this.ws || this.connecting || this.owed()) this.send(JSON.stringify({ type: 'end_of_stream' }));
    else this.finish();
    this.armStall();
  }

  protected segmentCount(): number {
    return this.segmentEnds.length;
  }

  private async connect(): Promise<void> {
    const { settings, apiKey, retry } = this.provider;
    this.connecting = true;
    try {
      const ws = await withRetry(
        () => connectWebSocket(this.provider.url(), { provider: this.provider.id, displayName: NAME, headers: { 'x-api-key': apiKey ?? '' }, signal: this.controller.signal, paused: true }),
        { signal: this.controller.signal, policy: retry, clock: this.provider.clock },
      );
      if (this.finished) return void ws.terminate();
      this.ws = ws;
      this.idleReason = undefined;
      ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(ws, data, isBinary));
      ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason));
      ws.on('error', () => undefined); // reported through 'close'
      ws.resume();
      // The setup must be the first message; the text may follow before `ready` (it is queued).
      ws.send(JSON.stringify({ type: 'setup', model_name: settings.model, voice_id: settings.voiceId, output_format: settings.outputFormat }));
      for (const m of this.outbox.splice(0)) this.send(m.message, m.words);
    } catch (e) {
      this.shutdown(e);
    } finally {
      this.connecting = false;
    }
  }

  private send(message: string, words = 0): void {
    if (this.finished) return;
    if (this.ws && this.ws.readyState === this.ws.OPEN) {
      this.wordsSent += words;
      return this.ws.send(message);
    }
    this.outbox.push({ message, words });
    // The service closed an idle socket between sentences: this sentence opens a new one.
    if (!this.ws && !this.connecting) void this.connect();
  }

  /** Audio is still owed: a word sent and not yet reported, or a message waiting to be sent. */
  private owed(): boolean {
    return this.wordsHeard < this.wordsSent || this.outbox.length > 0;
  }

  private onMessage(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (ws !== this.ws || this.finished) return;
    if (isBinary) return this.shutdown(this.protocolError('a binary frame (expected JSON)'));
    let raw: { type?: unknown };
    try {
      raw = JSON.parse(data.toString('utf8')) as { type?: unknown };
    } catch {
      return this.shutdown(this.protocolError('a malformed message'));
    }
    if (typeof raw?.type === 'string' && !KNOWN_TYPES.has(raw.type)) return; // the API grows: not a fault
    const parsed = ServerMessageSchema.safeParse(raw);
    if (!parsed.success) return this.shutdown(this.protocolError('a malformed message'));
    const m = parsed.data;
    switch (m.type) {
      case 'audio': {
        if (!BASE64.test(m.audio)) return this.shutdown(this.protocolError('audio that is not valid base64'));
        // Odd bytes carry over to the next chunk: a chunk may end inside a sample.
        this.emitAudio(this.decoder.decode(Buffer.from(m.audio, 'base64')));
        this.armStall();
        return;
      }
      case 'ready':
        if (m.sample_rate !== undefined && m.sample_rate !== this.provider.sampleRate) {
          return this.shutdown(this.protocolError(`${m.sample_rate} Hz audio, not the ${this.provider.sampleRate} Hz asked for`));
        }
        return;
      case 'text':
        return this.onWords(spokenWords(m.text).length, m.stop_s);
      case 'end_of_stream':
        this.wordsHeard = Math.max(this.wordsHeard, this.segmentEnds.at(-1) ?? 0);
        return this.finish();
      case 'error': {
        const error = gradiumError(this.provider.id, m.message ?? 'unknown error', m.code);
        // Nothing owed and not a key problem: the service is closing an idle socket.
        if (error.code !== 'provider/invalid-key' && this.wordsHeard >= this.wordsSent && !this.ended) {
          this.idleReason = error;
          return;
        }
        return this.shutdown(error);
      }
      default:
        return;
    }
  }

  /** `n` more words were spoken, the last ending at `stopS` (when given): a segment they complete ends there. */
  private onWords(n: number, stopS: number | undefined): void {
    const before = this.wordsHeard;
    this.wordsHeard += n;
    for (let k = this.segment; k < this.segmentEnds.length; k++) {
      const end = this.segmentEnds[k]!;
      if (end <= before) continue;
      if (end > this.wordsHeard) break;
      // Without a timestamp the segment's end is only known at the end of the stream.
      if (stopS !== undefined) this.segmentStops[k] = Math.round(stopS * this.provider.sampleRate);
    }
  }

  /** Emits audio, cut where a segment's last word stops when a later segment is waiting for it. */
  private emitAudio(pcm: Int16Array): void {
    let at = 0;
    while (at < pcm.length) {
      // A segment with nothing to say ends where it begins.
      const empty = this.segmentEnds[this.segment] === (this.segmentEnds[this.segment - 1] ?? 0);
      const stop = empty ? this.samplesOut : this.segmentStops[this.segment];
      const next = this.segment + 1 < this.segmentEnds.length;
      if (next && stop !== undefined && stop <= this.samplesOut + (pcm.length - at)) {
        const take = Math.max(0, stop - this.samplesOut);
        if (take > 0) this.audio(pcm.subarray(at, at + take));
        at += take;
        this.events.push({ type: 'segment-done', segment: this.segment });
        this.segment++;
        continue;
      }
      this.audio(pcm.subarray(at));
      at = pcm.length;
    }
  }

  private audio(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.samplesOut += pcm.length;
    this.events.push({ type: 'audio', segment: Math.min(this.segment, this.segmentEnds.length - 1), pcm: pcm.slice(), sampleRate: this.provider.sampleRate });
  }

  private onClose(ws: WebSocket, code: number, reason: Buffer): void {
    if (ws !== this.ws || this.finished) return;
    this.ws = undefined;
    if (isNormalClose(code) && this.ended) return this.finish();
    if (this.wordsHeard >= this.wordsSent && (!this.ended || this.outbox.length > 0)) {
      // An idle socket closed between sentences: what it was sent is spoken. The next sentence
      // (perhaps already waiting) goes over a new connection, whose timeline starts at 0.
      this.closeSegments(this.wordsSent);
      this.samplesOut = 0;
      this.decoder = new Pcm16Decoder();
      this.idleReason = undefined;
      if (this.outbox.length > 0) void this.connect();
      return;
    }
    this.shutdown(this.idleReason ?? this.closeError(code, reason));
  }

  /** Every segment within the first `words` words is done. */
  private closeSegments(words: number): void {
    for (; this.segment < this.segmentEnds.length && this.segmentEnds[this.segment]! <= words; this.segment++) this.events.push({ type: 'segment-done', segment: this.segment });
  }

  /** Watch for a stall only while audio is owed (text pending, or the end requested). */
  protected override audioOwed(): boolean {
    return this.owed() || this.ended;
  }

  protected override onStall(): void {
    // Everything sent was spoken meanwhile (the last word's timestamp came after its audio): quiet is not a stall.
    if (!this.audioOwed()) return;
    super.onStall();
  }
}
