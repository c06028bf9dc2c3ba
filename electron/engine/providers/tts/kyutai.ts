import { z } from 'zod';
import { float32ToInt16 } from '../../audio/pcm.js';
import { systemClock, type Clock } from '../../clock.js';
import { ParleyError, describeError } from '../../errors.js';
import { KYUTAI_RATE, capacityError, connectKyutai, packMessage, unpackMessage, type KyutaiMessage } from '../kyutai-moshi.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import type { TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';
import { isNormalClose } from '../websocket.js';
import { WebSocketTtsStream } from './websocket-tts-stream.js';

export const KyutaiTtsSettingsSchema = z.object({
  /** The moshi-server running the TTS module (Unmute's default port is 8089). */
  baseUrl: z.string().url().default('ws://127.0.0.1:8089'),
  /** A voice the server knows (a path in its voice repository); empty: the server's default. */
  voice: z.string().default(''),
  /** Classifier-free guidance strength (Unmute: 1.5). */
  cfgAlpha: z.number().min(0).max(10).default(1.5),
  /** No audio for this long while speech is owed = stalled (ms). */
  stallTimeoutMs: z.number().int().positive().default(10_000),
});
export type KyutaiTtsSettings = z.infer<typeof KyutaiTtsSettingsSchema>;

const NAME = 'Kyutai TTS';
const PATH = '/api/tts_streaming';

/** Unmute's prepare_text_for_tts: marks the model cannot say go, typographic quotes become plain. */
export function prepareTextForTts(text: string): string {
  return text
    .trim()
    .replace(/[*_`]/g, '')
    .replace(/[“”]/g, '"')
    .replace(/[‘’]/g, "'")
    .replaceAll(' : ', ' ');
}

const BREAK_TAG = /<break\s+time="([0-9.]+)s"\s*\/>/;

/**
 * How many words (timed `Text` messages) moshi-server makes of a text, as its tts_preprocess.rs
 * does: each `<break time="Ns"/>` of more than 0 s is one; the text around them is normalised
 * (’ to ', – dropped, : to a space, parentheses dropped) and split at whitespace.
 */
export function serverWordCount(text: string): number {
  const parts = text.split(BREAK_TAG); // text, seconds, text, seconds, ...
  let words = 0;
  parts.forEach((part, i) => {
    if (i % 2 === 1) words += Number(part) > 0 ? 1 : 0;
    else words += part.replace(/–/g, '').replace(/:/g, ' ').replace(/[()]/g, '').split(/\s+/).filter(Boolean).length;
  });
  return words;
}

const TextSchema = z.object({ text: z.string(), start_s: z.number(), stop_s: z.number() });
const AudioSchema = z.object({ pcm: z.array(z.number()) });

/**
 * Kyutai's streaming TTS served by moshi-server, one connection per reply as Unmute does it: the
 * reply's text goes in as it comes (`Text`), `Eos` when it is complete; 24 kHz float audio comes
 * back with each word's place in it (`Text` with start/stop seconds), which says where one pushed
 * sentence's audio ends and the next one's begins.
 */
export class KyutaiTts implements TtsProvider {
  readonly id = 'kyutai';
  readonly sampleRate = KYUTAI_RATE;

  constructor(
    readonly settings: KyutaiTtsSettings,
    readonly apiKey: string | undefined,
    readonly retry?: Partial<RetryPolicy>,
    /** What the stall timer and the reconnect backoffs wait on. */
    readonly clock: Clock = systemClock,
  ) {}

  url(): string {
    const s = this.settings;
    const q = new URLSearchParams({ format: 'PcmMessagePack', cfg_alpha: String(s.cfgAlpha) });
    if (s.voice) q.set('voice', s.voice);
    return `${s.baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}${PATH}?${q}`;
  }

  open(options: TtsStreamOptions): TtsStream {
    return new KyutaiTtsStream(this, options);
  }
}

class KyutaiTtsStream extends WebSocketTtsStream {
  private readonly outbox: KyutaiMessage[] = [];
  /** Words the server will speak, cumulative at the end of each segment. */
  private readonly segmentWordEnds: number[] = [];
  /** Where each segment's audio ends (s), once the server has timed its last word. */
  private readonly segmentEndS: (number | undefined)[] = [];
  private wordsTimed = 0;
  private samples = 0;

  constructor(
    private readonly provider: KyutaiTts,
    options: TtsStreamOptions,
  ) {
    super(provider, NAME, options);
    void this.connect();
  }

  push(text: string): number {
    const index = this.segmentWordEnds.length;
    const prepared = prepareTextForTts(text);
    const words = serverWordCount(prepared);
    this.segmentWordEnds.push((this.segmentWordEnds[index - 1] ?? 0) + words);
    this.segmentEndS.push(undefined);
    // The server must not get empty text (Unmute never sends it).
    if (words > 0) this.send({ type: 'Text', text: prepared });
    this.armStall();
    return index;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.send({ type: 'Eos' });
    this.armStall();
  }

  protected segmentCount(): number {
    return this.segmentWordEnds.length;
  }

  private async connect(): Promise<void> {
    const p = this.provider;
    try {
      const { ws, takeBacklog } = await withRetry(() => connectKyutai(p.url(), { provider: p.id, displayName: NAME, apiKey: p.apiKey, signal: this.controller.signal, clock: p.clock }), { signal: this.controller.signal, policy: p.retry, clock: p.clock });
      if (this.finished) return void ws.terminate();
      this.ws = ws;
      ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
      ws.on('close', (code: number) => this.onClose(code));
      for (const [data, isBinary] of takeBacklog()) this.onMessage(data, isBinary);
      for (const m of this.outbox.splice(0)) ws.send(packMessage(m));
    } catch (e) {
      this.shutdown(e);
    }
  }

  /** Packed when it goes out: the MessagePack codec loads with the connection. */
  private send(message: KyutaiMessage): void {
    if (this.finished) return;
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.ws.send(packMessage(message));
    else this.outbox.push(message);
  }

  private malformed(e: unknown): ParleyError {
    return this.protocolError(`a malformed message (${describeError(e).slice(0, 80)})`);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.finished) return;
    let m: KyutaiMessage;
    try {
      m = unpackMessage(data, isBinary);
    } catch (e) {
      return this.shutdown(this.malformed(e));
    }
    switch (m.type) {
      case 'Audio': {
        const a = AudioSchema.safeParse(m);
        if (!a.success) return this.shutdown(this.malformed(a.error));
        this.onAudio(Float32Array.from(a.data.pcm));
        // Between sentences the server rightly waits for text: only the end is owed for sure.
        if (this.ended) this.armStall();
        else this.disarmStall();
        return;
      }
      case 'Text': {
        const t = TextSchema.safeParse(m);
        if (!t.success) return this.shutdown(this.malformed(t.error));
        // The server always sends an empty 0/0 Text: not a word.
        if (!t.data.text) return;
        this.onWordTimed(t.data.stop_s);
        return;
      }
      case 'Error': {
        const text = typeof m.message === 'string' ? m.message.slice(0, 200) : 'unknown error';
        return this.shutdown(/no free channels/i.test(text) ? capacityError(this.provider.id, NAME, this.provider.url().split('?')[0]!) : new ParleyError('provider/server-error', `${NAME} error: ${text}`, { provider: this.provider.id }));
      }
      default:
        return; // Ready again, or a type added later
    }
  }

  /** A word's times: the last word of a segment marks where that segment's audio ends. */
  private onWordTimed(stopS: number): void {
    this.wordsTimed++;
    for (let k = 0; k < this.segmentWordEnds.length; k++) {
      if (this.segmentEndS[k] === undefined && this.segmentWordEnds[k]! <= this.wordsTimed) this.segmentEndS[k] = stopS;
    }
    this.advance();
  }

  /** Closes every segment whose audio is all out (a later segment exists and the audio passed its end). */
  private advance(): void {
    while (this.segment < this.segmentWordEnds.length - 1) {
      const endS = this.segmentEndS[this.segment];
      if (endS === undefined || this.samples < Math.round(endS * KYUTAI_RATE)) return;
      this.events.push({ type: 'segment-done', segment: this.segment });
      this.segment++;
    }
  }

  /** Audio to the segments it speaks, cut where one segment's last word ends. */
  private onAudio(pcm: Float32Array): void {
    let offset = 0;
    while (offset < pcm.length) {
      this.advance();
      const endS = this.segment < this.segmentWordEnds.length - 1 ? this.segmentEndS[this.segment] : undefined;
      const room = endS === undefined ? Infinity : Math.round(endS * KYUTAI_RATE) - this.samples;
      const n = Math.max(1, Math.min(pcm.length - offset, room));
      const segment = Math.max(0, Math.min(this.segment, this.segmentWordEnds.length - 1));
      this.events.push({ type: 'audio', segment, pcm: float32ToInt16(pcm.subarray(offset, offset + n)), sampleRate: KYUTAI_RATE });
      this.samples += n;
      offset += n;
    }
    this.advance();
  }

  private onClose(code: number): void {
    if (this.finished) return;
    // The server closes once it has spoken everything after Eos.
    if (isNormalClose(code) && this.ended) return this.finish();
    this.shutdown(new ParleyError('provider/disconnected', `${NAME} closed the connection before the reply was spoken (${code})`, { provider: this.provider.id }));
  }

  /**
   * Audio is owed after text is pushed (until some comes) and after the end (until the server
   * closes): a stall then. While the reply waits for the next sentence, a quiet server is right.
   */
  protected override armStall(): void {
    super.armStall({ background: true });
  }
}
