import type WebSocket from 'ws';
import { z } from 'zod';
import { float32ToInt16 } from '../../audio/pcm.js';
import { Resampler } from '../../audio/resampler.js';
import { ParleyError, isRetryable } from '../../errors.js';
import { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { connectWebSocket } from '../websocket.js';
import { ReconnectingSttStream, type VendorMessage } from './reconnecting-stream.js';

/** json_config.delay_in_frames values the service accepts (80 ms frames). */
const DELAYS = [7, 8, 10, 12, 14, 16, 20, 24, 32, 36, 48];

export const GradiumSttSettingsSchema = z.object({
  /** wss://api.gradium.ai, or a region: wss://eu.api.gradium.ai, wss://us.api.gradium.ai (a full .../api/speech/asr URL works too). */
  baseUrl: z.string().url().default('wss://api.gradium.ai'),
  model: z.string().min(1).default('default'),
  /** Language hint (en, fr, es, de, pt); a region suffix (en-US) is dropped. */
  language: z.string().min(2).default('en'),
  /** The model's lookahead in 80 ms frames: more is steadier text, later partials (7, 8, 10, 12, 14, 16, 20, 24, 32, 36, 48). */
  delayInFrames: z.number().int().refine((v) => DELAYS.includes(v), { message: `one of ${DELAYS.join(', ')}` }).default(10),
  /**
   * End of turn: the probability (semantic VAD, longest horizon of each 80 ms `step`) that the user
   * stays silent, above which the turn is over. 0.5 is Gradium's recommended start (its docs and
   * Pipecat's Gradium turn service); LiveKit's plugin uses 0.9 (more careful, slower).
   */
  endOfTurnThreshold: z.number().min(0.05).max(0.99).default(0.5),
  /** End of turn: how long (ms) the probability must stay above the threshold; 0 = the first step above it (noisy lines: a few steps). */
  endOfTurnHoldMs: z.number().int().min(0).max(3000).default(0),
  /** Stalled connection: this much speech sent with no message back, or a ping unanswered this long (ms). */
  stallTimeoutMs: z.number().int().positive().default(10_000),
  /** Retries in a row on connection faults before giving up (one is earned back per 10 s connected). */
  maxReconnects: z.number().int().min(0).max(10).default(5),
});
export type GradiumSttSettings = z.infer<typeof GradiumSttSettingsSchema>;

const NAME = 'Gradium';
const KEY_VARIABLE = 'GRADIUM_API_KEY';
/** `input_format: "pcm"` is 16-bit mono at 24 kHz. */
const WIRE_RATE = 24000;
const DEFAULT_FRAME = 1920;
const HANDSHAKE_MS = 10_000;
const KNOWN_TYPES = new Set(['ready', 'text', 'end_text', 'step', 'flushed', 'end_of_stream', 'error']);

const ReadySchema = z.object({ sample_rate: z.number().int().positive(), frame_size: z.number().int().positive().optional(), delay_in_frames: z.number().optional(), delay_in_tokens: z.number().optional() });
const TextSchema = z.object({ text: z.string(), start_s: z.number().optional() });
const EndTextSchema = z.object({ stop_s: z.number() });
const StepSchema = z.object({ vad: z.array(z.object({ horizon_s: z.number(), inactivity_prob: z.number().min(0).max(1) })), step_duration_s: z.number().positive().optional() });
const FlushedSchema = z.object({ flush_id: z.union([z.number(), z.string()]) });
const ErrorSchema = z.object({ message: z.string().optional(), code: z.number().optional() }).passthrough();

/**
 * Gradium's error message (`{"type":"error","message","code"}`, then a close): 1008 is policy (a bad
 * key, a bad setup or format: final; a timeout: a fresh connection will do), 1011 an internal fault
 * (a fresh connection may work).
 */
export function gradiumError(provider: string, message: string, code: number | undefined): ParleyError {
  const text = message.slice(0, 200);
  if (code === 1008 && /key|auth|token|credential|unauthori[sz]ed/i.test(text)) {
    return new ParleyError('provider/invalid-key', `invalid API key for ${NAME}: ${text}`, { provider });
  }
  if (code === 1008 && /time.?out|idle|inactiv/i.test(text)) return new ParleyError('provider/timeout', `${NAME} closed the connection: ${text}`, { provider });
  if (code === 1008) return new ParleyError('provider/bad-request', `${NAME} refused the request: ${text}`, { provider });
  return new ParleyError('provider/server-error', `${NAME} server error${code ? ` (${code})` : ''}: ${text}`, { provider });
}

/** The endpoint for `path` under a base URL that may be a bare host or already the full endpoint. */
export function gradiumUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith(path) ? base : `${base.replace(/\/api\/speech\/(asr|tts)$/, '')}${path}`;
}

/**
 * Gradium streaming speech to text (wss://.../api/speech/asr): a `setup` first, then base64 PCM at
 * 24 kHz in 80 ms frames; words come one `text` at a time (the utterance so far is the partial),
 * `step` messages carry the semantic VAD every 80 ms, and a `flush` is answered with `flushed` once
 * every word of the audio before it was sent: that is where a final ends.
 */
export class GradiumStt implements SttProvider {
  readonly id = 'gradium';
  readonly displayName = NAME;
  /** Gradium's semantic VAD ends turns (inactivity past the threshold): the turn detector waits for its call. */
  readonly judgesTurns = true;
  readonly loggedTypes = new Set<string>();

  constructor(
    readonly settings: GradiumSttSettings,
    readonly apiKey: string | undefined,
    readonly context: ProviderContext,
  ) {}

  url(): string {
    return gradiumUrl(this.settings.baseUrl, '/api/speech/asr');
  }

  async open(options: SttStreamOptions): Promise<SttStream> {
    if (!this.apiKey) throw new ParleyError('provider/missing-key', `no API key for ${NAME}: set ${KEY_VARIABLE} or add it in settings`, { provider: this.id });
    const budget = options.retry ?? new RetryBudget(this.context.clock, { retries: this.settings.maxReconnects });
    const stream = new GradiumSttStream(this, options, budget);
    stream.start();
    return stream;
  }
}

type FlushKind = 'finalize' | 'end-of-turn';

class GradiumSttStream extends ReconnectingSttStream {
  protected readonly knownTypes = KNOWN_TYPES;
  private readonly resampler: Resampler | undefined;
  /** Resampled audio not yet a whole frame. */
  private frame: Float32Array;
  private frameFill = 0;
  /** Words of the utterance since the last final. */
  private words: string[] = [];
  /** Words heard since the last end of turn: the turn the semantic VAD is judging. */
  private inTurn = false;
  private aboveForS = 0;
  private flushCounter = 0;
  /** Flushes not yet acknowledged: why each was sent, and the absolute wire sample it covers. */
  private readonly outstanding = new Map<number, { kind: FlushKind; upTo: number }>();
  private ready: { resolve: () => void; reject: (e: ParleyError) => void } | undefined;

  constructor(
    private readonly provider: GradiumStt,
    options: SttStreamOptions,
    budget: RetryBudget,
  ) {
    super(provider, options, budget, { stallTimeoutMs: provider.settings.stallTimeoutMs, wireRate: WIRE_RATE });
    this.resampler = options.sampleRate === WIRE_RATE ? undefined : new Resampler({ inputRate: options.sampleRate, outputRate: WIRE_RATE });
    this.frame = new Float32Array(DEFAULT_FRAME);
  }

  protected connect(signal: AbortSignal): Promise<WebSocket> {
    return connectWebSocket(this.provider.url(), { provider: this.provider.id, displayName: NAME, headers: { 'x-api-key': this.provider.apiKey ?? '' }, signal, paused: true });
  }

  /** Sends the setup and waits for `ready` (or the service's refusal). */
  protected override handshake(ws: WebSocket): Promise<void> {
    const s = this.provider.settings;
    const language = (this.options.language ?? s.language).split(/[-_]/)[0]!.toLowerCase();
    ws.send(JSON.stringify({ type: 'setup', model_name: s.model, input_format: 'pcm', json_config: { language, delay_in_frames: s.delayInFrames } }));
    const clock = this.provider.context.clock;
    return new Promise<void>((resolve, reject) => {
      const timeout = () => reject(new ParleyError('provider/timeout', `${NAME} did not answer the setup within ${HANDSHAKE_MS / 1000} s`, { provider: this.provider.id }));
      const timer = clock.setTimeout(timeout, HANDSHAKE_MS, { background: true });
      this.ready = {
        resolve: () => {
          clock.clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clock.clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  protected override onHandshakeMessage(_ws: WebSocket, message: VendorMessage): void {
    if (message.type === 'error') return this.ready?.reject(this.errorOf(message));
    if (message.type !== 'ready') return;
    const ready = ReadySchema.safeParse(message);
    if (!ready.success) return this.ready?.reject(this.malformed(ready.error));
    if (ready.data.sample_rate !== WIRE_RATE) {
      return this.ready?.reject(new ParleyError('provider/protocol', `${NAME} expects ${ready.data.sample_rate} Hz audio, not the ${WIRE_RATE} Hz asked for`, { provider: this.provider.id }));
    }
    const frameSize = ready.data.frame_size ?? DEFAULT_FRAME;
    if (frameSize !== this.frame.length && this.frameFill === 0) this.frame = new Float32Array(frameSize);
    this.ready?.resolve();
  }

  protected override onHandshakeClose(_ws: WebSocket, code: number, reason: string): void {
    this.ready?.reject(new ParleyError('provider/disconnected', `${NAME} closed the connection during setup (${code}${reason ? ` ${reason}` : ''})`, { provider: this.provider.id }));
  }

  protected override toWire(samples: Float32Array): Int16Array[] {
    const input = this.resampler ? this.resampler.process(samples) : samples;
    const out: Int16Array[] = [];
    let at = 0;
    while (at < input.length) {
      const n = Math.min(this.frame.length - this.frameFill, input.length - at);
      this.frame.set(input.subarray(at, at + n), this.frameFill);
      this.frameFill += n;
      at += n;
      if (this.frameFill === this.frame.length) {
        out.push(float32ToInt16(this.frame));
        this.frameFill = 0;
      }
    }
    return out;
  }

  protected override drainWire(): Int16Array | undefined {
    if (this.frameFill === 0) return undefined;
    const rest = float32ToInt16(this.frame.subarray(0, this.frameFill));
    this.frameFill = 0;
    return rest;
  }

  protected override sendAudio(ws: WebSocket, pcm: Int16Array): void {
    ws.send(JSON.stringify({ type: 'audio', audio: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64') }));
  }

  protected sendFinalize(): void {
    this.flush('finalize');
  }

  protected sendEnd(): void {
    this.sendJson({ type: 'end_of_stream' });
  }

  /** The dropped connection never acknowledged these: ask the new one (after the replay). */
  protected override onServing(): void {
    for (const [id, flush] of this.outstanding) {
      flush.upTo = this.connectionBase + this.sentOnConnection;
      this.sendJson({ type: 'flush', flush_id: id });
    }
  }

  private flush(kind: FlushKind): void {
    const id = ++this.flushCounter;
    this.outstanding.set(id, { kind, upTo: this.connectionBase + this.sentOnConnection });
    if (this.isOpen()) this.sendJson({ type: 'flush', flush_id: id });
  }

  protected onMessage(ws: WebSocket, message: VendorMessage): void {
    switch (message.type) {
      case 'text': {
        const m = TextSchema.safeParse(message);
        if (!m.success) return this.drop(ws, this.malformed(m.error));
        const word = m.data.text.trim();
        if (!word) return;
        if (!this.inTurn) this.events.push({ type: 'speech-started' });
        this.inTurn = true;
        this.words.push(word);
        this.events.push({ type: 'partial', text: this.words.join(' ') });
        return;
      }
      case 'end_text': {
        const m = EndTextSchema.safeParse(message);
        if (!m.success) return this.drop(ws, this.malformed(m.error));
        // Every word of the audio before stop_s was sent (and is kept here): no need to replay it.
        this.confirm(this.absoluteSample(m.data.stop_s));
        return;
      }
      case 'step': {
        const m = StepSchema.safeParse(message);
        if (!m.success || m.data.vad.length === 0) return this.drop(ws, this.malformed(m.success ? 'a step without vad' : m.error));
        const longest = m.data.vad.reduce((a, b) => (b.horizon_s > a.horizon_s ? b : a));
        return this.onStep(longest.inactivity_prob, m.data.step_duration_s ?? 0.08);
      }
      case 'flushed': {
        const m = FlushedSchema.safeParse(message);
        if (!m.success) return this.drop(ws, this.malformed(m.error));
        const id = Number(m.data.flush_id);
        const flush = this.outstanding.get(id);
        if (!flush) return;
        this.outstanding.delete(id);
        this.confirm(flush.upTo);
        return this.emitFinal(flush.kind === 'end-of-turn', flush.kind === 'finalize');
      }
      case 'end_of_stream':
        // After our end_of_stream: every remaining word was sent; the close follows.
        this.confirm(Infinity);
        if (this.words.length > 0) this.emitFinal(true, false);
        return;
      case 'error': {
        const error = this.errorOf(message);
        // A refused key or format is final; an internal fault or a timeout is worth a fresh connection.
        if (isRetryable(error)) this.dropReason = error;
        else this.refusal = error;
        return;
      }
      default:
        return;
    }
  }

  /**
   * Gradium's turn rule (its docs; Pipecat's Gradium turn service): once words were heard, the
   * turn ends when the longest horizon's inactivity probability passes the threshold (for
   * endOfTurnHoldMs); then a flush brings the last words out as the final.
   */
  private onStep(probability: number, stepS: number): void {
    this.events.push({ type: 'turn-probability', probability });
    if (!this.inTurn) return;
    const s = this.provider.settings;
    if (probability <= s.endOfTurnThreshold) {
      this.aboveForS = 0;
      return;
    }
    this.aboveForS += stepS;
    if (this.aboveForS * 1000 + 1e-6 < s.endOfTurnHoldMs + stepS * 1000) return;
    this.inTurn = false;
    this.aboveForS = 0;
    this.events.push({ type: 'end-of-turn', probability });
    this.flush('end-of-turn');
  }

  private emitFinal(endOfSpeech: boolean, fromFinalize: boolean): void {
    const text = this.words.join(' ');
    this.words = [];
    this.events.push({ type: 'final', text, endOfSpeech, fromFinalize });
  }

  private errorOf(message: VendorMessage): ParleyError {
    const m = ErrorSchema.safeParse(message);
    return gradiumError(this.provider.id, (m.success ? m.data.message : undefined) ?? 'unknown error', m.success ? m.data.code : undefined);
  }
}
