import { z } from 'zod';
import { systemClock, type Clock } from '../../clock.js';
import { Resampler } from '../../audio/resampler.js';
import { ParleyError, abortError, asParleyError, describeError, isAbort, isRetryable } from '../../errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { linkedAbort } from '../../util/abort.js';
import { withDeadlines } from '../../util/deadline.js';
import { DROPPED_CONNECTION, errorFromStatus, retryAfterMs } from '../http-errors.js';
import { onFirstUse } from '../sdk-client.js';
import { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { gaveUp } from './reconnect-loop.js';

export const OpenAiTranscriptionSettingsSchema = z.object({
  /** The server: whisper.cpp's on its default port, or e.g. https://api.openai.com/v1. */
  baseUrl: z.string().url().default('http://127.0.0.1:8080'),
  /**
   * Where the audio goes under the base URL: whisper.cpp's server answers on /inference (unless
   * started with --inference-path); OpenAI and the servers that copy its API on /audio/transcriptions.
   * auto: /audio/transcriptions when the address ends in /v1 (an OpenAI-style API root), else /inference.
   */
  path: z.enum(['auto', '/inference', '/audio/transcriptions']).default('auto'),
  /** The model name the API asks for (whisper.cpp transcribes with the model it loaded and ignores it). */
  model: z.string().min(1).default('whisper-1'),
  /** Spoken language (ISO 639-1, e.g. "en"); otherwise the conversation's, else the server detects it. */
  language: z.string().min(2).optional(),
  /** Words to steer the spelling (names, jargon), sent with every piece. */
  prompt: z.string().max(1000).optional(),
  /** Longest piece of audio sent in one request, in seconds: a longer utterance is transcribed piece by piece (Whisper reads 30 s windows). */
  maxSegmentS: z.number().min(5).max(30).default(30),
  /** One request, sent to answered, in ms (a CPU server needs a while for a long piece). */
  timeoutMs: z.number().int().positive().default(30_000),
});
export type OpenAiTranscriptionSettings = z.infer<typeof OpenAiTranscriptionSettingsSchema>;

const ID = 'openai-transcribe';
const NAME = 'OpenAI-compatible transcription';
const KEY_VARIABLE = 'OPENAI_TRANSCRIBE_API_KEY';
/** Whisper's input rate: whisper.cpp's server reads no other. */
const RATE = 16000;
/** Audio kept from before the caller's VAD says speech started (it says so only after a while). */
const PRE_ROLL_S = 1;
/** A piece shorter than this holds no words (OpenAI refuses files under 0.1 s). */
const MIN_PIECE_S = 0.1;
/** Where a long piece is cut: the quietest 20 ms in its last 2 s, so a word is not split. */
const CUT_SEARCH_S = 2;
const CUT_WINDOW = RATE / 50;
/** Speech waiting for its request while the server is slow or retried, in seconds, before the stream gives up. */
const MAX_QUEUED_S = 120;
/** The largest answer read (a transcript of 30 s is a few hundred bytes). */
const MAX_ANSWER_BYTES = 1 << 20;
/** The WAV writer, loaded when the first piece is sent (the registry, and so `parley --help`, stays light). */
const wavModule = onFirstUse(() => import('../../audio/wav.js'));

/**
 * Speech to text through a batch transcription API: a whisper.cpp server (POST /inference) or any
 * OpenAI-compatible one (POST /audio/transcriptions: OpenAI, whisper.cpp with --inference-path,
 * and the other servers that copy it). It is not streaming: the stream keeps the utterance's
 * 16 kHz audio and sends it as one WAV when the turn detector asks for the words (finalize) or at
 * the end, and answers with one final; it sends no partials and does not judge turns. An utterance
 * longer than maxSegmentS goes piece by piece, so memory stays bounded. Requests retry on the
 * session's one RetryBudget; a refused key or request ends the stream with one typed error.
 */
export class OpenAiTranscriptionStt implements SttProvider {
  readonly id = ID;
  readonly displayName = NAME;
  /** No partials: the words of a pause come with the final its finalize() asks for. */
  readonly finalsOnly = true;

  constructor(
    readonly settings: OpenAiTranscriptionSettings,
    private readonly apiKey: string | undefined,
    private readonly context: ProviderContext = { clock: systemClock },
  ) {}

  open(options: SttStreamOptions): Promise<SttStream> {
    return Promise.resolve(new TranscriptionStream(this.settings, this.apiKey, this.context, options));
  }
}

interface Piece {
  audio: Float32Array;
  /** The end of what finalize() or end() asked for (a cut of a long utterance is not). */
  asked: boolean;
  /** It goes on from the piece before it (a long utterance cut): that piece's text is its context. */
  continues: boolean;
}

class TranscriptionStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  private readonly controller: AbortController;
  private readonly dispose: () => void;
  private readonly clock: Clock;
  private readonly budget: RetryBudget;
  private readonly resampler: Resampler | undefined;
  private readonly url: string;
  private readonly language: string | undefined;
  /** The utterance being heard, not yet sent. */
  private chunks: Float32Array[] = [];
  private buffered = 0;
  /** The caller's VAD heard speech in the audio buffered (or said nothing either way). */
  private heardVoice = false;
  /** The utterance was cut and its first piece sent: the rest continues it. */
  private continues = false;
  private readonly pieces: Piece[] = [];
  private lastText = '';
  /** The run transcribing the queued pieces (`running` while it has not found the queue empty). */
  private working: Promise<void> = Promise.resolve();
  private running = false;
  private retrying = false;
  private finished = false;

  constructor(
    private readonly settings: OpenAiTranscriptionSettings,
    private readonly apiKey: string | undefined,
    private readonly context: ProviderContext,
    options: SttStreamOptions,
  ) {
    ({ controller: this.controller, dispose: this.dispose } = linkedAbort(options.signal));
    this.controller.signal.addEventListener('abort', () => this.stop(), { once: true });
    this.clock = context.clock;
    this.budget = options.retry ?? new RetryBudget(this.clock);
    this.resampler = options.sampleRate === RATE ? undefined : new Resampler({ inputRate: options.sampleRate, outputRate: RATE });
    this.url = transcriptionUrl(settings);
    // "en-US" -> "en": both APIs take ISO 639-1.
    this.language = (settings.language ?? options.language)?.split(/[-_]/)[0]?.toLowerCase() || undefined;
    // Nothing to connect to: the server is first asked when there are words to transcribe.
    this.events.push({ type: 'status', status: { state: 'ok' } });
  }

  push(samples: Float32Array, voiced?: boolean): void {
    if (this.finished || samples.length === 0) return;
    const audio = this.resampler ? this.resampler.process(samples) : samples.slice();
    if (voiced !== false) this.heardVoice = true;
    this.chunks.push(audio);
    this.buffered += audio.length;
    if (!this.heardVoice) this.keepPreRoll();
    else if (this.buffered >= this.settings.maxSegmentS * RATE) this.cutLongUtterance();
  }

  finalize(): void {
    if (this.finished) return;
    this.takeUtterance();
  }

  async end(): Promise<void> {
    if (this.finished) return;
    if (this.heardVoice) this.takeUtterance();
    this.finished = true;
    while (this.running) await this.working;
    this.events.end();
    this.dispose();
  }

  close(): void {
    this.controller.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private stop(): void {
    this.finished = true;
    this.chunks = [];
    this.pieces.length = 0;
    this.events.end();
    this.dispose();
  }

  /** No speech yet: only the last PRE_ROLL_S of audio is worth keeping. */
  private keepPreRoll(): void {
    while (this.chunks.length > 1 && this.buffered - this.chunks[0]!.length >= PRE_ROLL_S * RATE) this.buffered -= this.chunks.shift()!.length;
  }

  private drainBuffer(): Float32Array {
    const all = new Float32Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    return all;
  }

  /** The whole utterance so far, as one piece answered with a `fromFinalize` final. */
  private takeUtterance(): void {
    const audio = this.heardVoice ? this.drainBuffer() : new Float32Array(0);
    if (!this.heardVoice) {
      this.chunks = [];
      this.buffered = 0;
    }
    this.heardVoice = false;
    this.enqueue({ audio, asked: true, continues: this.continues });
    this.continues = false;
  }

  /** A long utterance: send what is heard up to a quiet moment near the limit, keep the rest. */
  private cutLongUtterance(): void {
    const all = this.drainBuffer();
    const limit = Math.floor(this.settings.maxSegmentS * RATE);
    const cut = quietestPoint(all, Math.max(CUT_WINDOW, limit - CUT_SEARCH_S * RATE), Math.min(limit, all.length));
    this.chunks = [all.slice(cut)];
    this.buffered = all.length - cut;
    this.enqueue({ audio: all.slice(0, cut), asked: false, continues: this.continues });
    this.continues = true;
  }

  private enqueue(piece: Piece): void {
    const queued = this.pieces.reduce((n, p) => n + p.audio.length, piece.audio.length) / RATE;
    if (queued > MAX_QUEUED_S) {
      return this.fail(new ParleyError('provider/timeout', `${NAME} cannot keep up: ${Math.round(queued)} s of speech wait for ${this.url}`, { provider: ID }));
    }
    this.pieces.push(piece);
    if (this.running) return;
    this.running = true;
    this.working = this.work();
  }

  /** Transcribes the pieces one at a time, in order (a local server runs one inference at a time anyway). */
  private async work(): Promise<void> {
    try {
      for (let piece = this.pieces.shift(); piece; piece = this.pieces.shift()) {
        let text = '';
        if (piece.audio.length >= MIN_PIECE_S * RATE) {
          try {
            text = await this.transcribe(piece.audio, piece.continues ? this.lastText : '');
          } catch (e) {
            if (isAbort(e) || this.controller.signal.aborted) return;
            return this.fail(asParleyError(e, 'provider/unreachable'));
          }
        }
        this.lastText = text;
        if (this.controller.signal.aborted) return;
        if (text || piece.asked) this.events.push({ type: 'final', text, endOfSpeech: false, fromFinalize: piece.asked });
      }
    } finally {
      // Cleared in the same step that found the queue empty: a piece enqueued after it starts a new run.
      this.running = false;
    }
  }

  /** One piece, retried on the session's budget; throws the typed error that ends the stream. */
  private async transcribe(audio: Float32Array, context: string): Promise<string> {
    const wav = (await wavModule()).encodeWav({ sampleRate: RATE, channels: [audio] });
    for (;;) {
      try {
        const text = await this.request(wav, context);
        this.budget.succeeded();
        if (this.retrying) this.events.push({ type: 'status', status: { state: 'ok' } });
        this.retrying = false;
        return text;
      } catch (e) {
        if (isAbort(e) || this.controller.signal.aborted) throw abortError();
        const error = asParleyError(e, 'provider/unreachable');
        // A malformed answer may be a one-off (a proxy cut it short): worth another try on the budget.
        if (!isRetryable(error) && error.code !== 'provider/protocol') throw error;
        const step = this.budget.next(error);
        if (!step) throw gaveUp(ID, error, this.budget.failures);
        this.retrying = true;
        this.context.log?.(`${NAME}: ${error.message}; retrying in ${step.delayMs} ms`);
        this.events.push({ type: 'status', status: { state: 'retrying', attempt: step.attempt, inMs: step.delayMs, reason: error } });
        await this.budget.wait(step.delayMs, this.controller.signal);
      }
    }
  }

  /** POST the WAV as multipart/form-data and read the answer, all under one deadline. */
  private async request(wav: Uint8Array, context: string): Promise<string> {
    const s = this.settings;
    const form = new FormData();
    form.append('file', new Blob([wav as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }), 'speech.wav');
    form.append('model', s.model);
    if (this.language) form.append('language', this.language);
    const prompt = [s.prompt, context.slice(-200)].filter(Boolean).join(' ');
    if (prompt) form.append('prompt', prompt);
    form.append('response_format', 'json');
    const headers: Record<string, string> = this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {};
    const { controller, dispose } = linkedAbort(this.controller.signal);
    // The response, then its body's chunks: one iterable, so one deadline covers the whole exchange.
    const exchange = async function* (url: string): AsyncGenerator<Response | Uint8Array> {
      const response = await fetch(url, { method: 'POST', body: form, headers, signal: controller.signal });
      yield response;
      if (response.body) yield* response.body as unknown as AsyncIterable<Uint8Array>;
    };
    try {
      let response: Response | undefined;
      const chunks: Uint8Array[] = [];
      let size = 0;
      const deadline = { totalMs: s.timeoutMs, timers: this.clock, onExpire: () => (controller.abort(), this.timeout()) };
      for await (const item of withDeadlines(exchange(this.url), deadline)) {
        if (item instanceof Response) {
          response = item;
          continue;
        }
        size += item.length;
        if (size > MAX_ANSWER_BYTES) throw new ParleyError('provider/protocol', `${NAME} sent an answer larger than ${MAX_ANSWER_BYTES} bytes`, { provider: ID });
        chunks.push(item);
      }
      const body = Buffer.concat(chunks).toString('utf8');
      if (!response!.ok) throw this.refusal(response!, body);
      return this.parseAnswer(body);
    } catch (e) {
      if (e instanceof ParleyError || isAbort(e) || this.controller.signal.aborted) throw e;
      throw this.networkError(e);
    } finally {
      controller.abort();
      dispose();
    }
  }

  private timeout(): ParleyError {
    return new ParleyError('provider/timeout', `${NAME} did not answer within ${Math.round(this.settings.timeoutMs / 1000)} s (${this.url})`, { provider: ID });
  }

  private networkError(e: unknown): ParleyError {
    const why = describeError((e as Error).cause ?? e);
    if (DROPPED_CONNECTION.test(`${describeError(e)} ${why}`)) {
      return new ParleyError('provider/disconnected', `${NAME} dropped the connection before answering (${this.url})`, { provider: ID, cause: e });
    }
    return new ParleyError('provider/unreachable', `cannot reach ${NAME} at ${this.url}: ${why}`, { provider: ID, cause: e });
  }

  /** An error status with OpenAI's body (`{"error": {"message"}}`) or any other. */
  private refusal(response: Response, body: string): ParleyError {
    let detail = body.slice(0, 200);
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } | string };
      const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message;
      if (typeof message === 'string') detail = message;
    } catch {
      // Not JSON (a proxy's page): its first words say enough.
    }
    const error = errorFromStatus(ID, NAME, response.status, detail, retryAfterMs(response.headers));
    if (error.code !== 'provider/invalid-key') return error;
    const what = this.apiKey ? `refused the key in ${KEY_VARIABLE}` : `wants a key: set ${KEY_VARIABLE}`;
    return new ParleyError('provider/invalid-key', `${error.message}; ${this.url} ${what}`, { provider: ID });
  }

  /** `{"text": ...}`; whisper.cpp says a refusal as `{"error": "..."}` with status 200. */
  private parseAnswer(body: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      throw new ParleyError('provider/protocol', `${NAME} sent a malformed answer: ${(e as Error).message}`, { provider: ID });
    }
    const answer = parsed as { text?: unknown; error?: unknown };
    if (typeof answer?.error === 'string') throw new ParleyError('provider/bad-request', `${NAME} refused the audio: ${answer.error.slice(0, 200)}`, { provider: ID });
    if (typeof answer?.text !== 'string') throw new ParleyError('provider/protocol', `${NAME} answered without a "text" field`, { provider: ID });
    // whisper.cpp puts each segment on a line of its own, with a leading space.
    return answer.text.replace(/\s+/g, ' ').trim();
  }

  /** One error event, then the stream ends and a request still in flight is cancelled. */
  private fail(error: ParleyError): void {
    if (this.events.closed) return;
    this.events.push({ type: 'error', error });
    this.controller.abort();
  }
}

/** Where the audio is posted: the base URL and its path (see the `path` setting). */
export function transcriptionUrl(settings: Pick<OpenAiTranscriptionSettings, 'baseUrl' | 'path'>): string {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const path = settings.path !== 'auto' ? settings.path : /\/v\d+$/.test(new URL(base).pathname) ? '/audio/transcriptions' : '/inference';
  return `${base}${path}`;
}

/** Start of the quietest CUT_WINDOW in [from, to) of `audio` (to when the range is too short). */
export function quietestPoint(audio: Float32Array, from: number, to: number): number {
  let best = to;
  let bestEnergy = Infinity;
  for (let start = from; start + CUT_WINDOW <= to; start += CUT_WINDOW / 2) {
    let energy = 0;
    for (let i = start; i < start + CUT_WINDOW; i++) energy += audio[i]! * audio[i]!;
    if (energy < bestEnergy) {
      bestEnergy = energy;
      best = start + CUT_WINDOW / 2;
    }
  }
  return best;
}
