import type WebSocket from 'ws';
import { z } from 'zod';
import { Resampler } from '../../audio/resampler.js';
import { ParleyError, describeError } from '../../errors.js';
import { linkedAbort } from '../../util/abort.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { KYUTAI_FRAME, KYUTAI_RATE, capacityError, connectKyutai, packAudio, packMessage, unpackMessage, type KyutaiMessage } from '../kyutai-moshi.js';
import { RetryBudget } from '../retry-budget.js';
import type { ProviderContext, SttConnectionStatus, SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';
import { ReconnectLoop } from './reconnect-loop.js';

export const KyutaiSttSettingsSchema = z.object({
  /** The moshi-server running the ASR module (Unmute's default port is 8090). */
  baseUrl: z.string().url().default('ws://127.0.0.1:8090'),
  /** The model's ASR delay in seconds (stt-1b-en_fr 0.5, stt-2.6b-en 2.5): sizes the flush. */
  delaySec: z.number().min(0).max(5).default(0.5),
  /** End of turn when the smoothed pause prediction passes this (Unmute: 0.6). */
  pauseThreshold: z.number().min(0).max(1).default(0.6),
  /** Speech (by the caller's VAD), or any audio while a flush is owed, sent with no message back this long = stalled (ms). */
  stallTimeoutMs: z.number().int().positive().default(10_000),
  /** Retries in a row on connection faults before giving up (one is earned back per 10 s connected). */
  maxReconnects: z.number().int().min(0).max(10).default(5),
});
export type KyutaiSttSettings = z.infer<typeof KyutaiSttSettingsSchema>;

const NAME = 'Kyutai STT';
const PATH = '/api/asr-streaming';
const STEP_S = KYUTAI_FRAME / KYUTAI_RATE;
/** The replay buffer's bound: older unconfirmed audio cannot be recovered anyway. */
const MAX_REPLAY_S = 60;
/** Silence frames sent after the first flush burst before a marker that does not come back is a stall. */
const MAX_EXTRA_FLUSH_FRAMES = Math.ceil(10 / STEP_S);

/**
 * Unmute's end-of-turn rule (unmute/stt/speech_to_text.py, unmute_handler.py): an exponential
 * moving average of the pause prediction `prs[2]` of every Step, with a 0.01 s half-life both ways
 * (so 80 ms steps barely smooth it), starting at 1.0; the first 12 steps of a connection are
 * skipped (the prediction is all over the place then); it is reset to 0 when the user's first word
 * of a turn arrives, and the turn ends once it passes 0.6 while the user is speaking.
 */
export class UnmutePauseRule {
  static readonly SKIPPED_STEPS = 12;
  static readonly HALF_LIFE_S = 0.01;
  private skip = UnmutePauseRule.SKIPPED_STEPS;
  private speaking = false;
  value = 1;

  constructor(private readonly threshold = 0.6) {}

  /** A new connection: its first steps are skipped again. */
  restart(): void {
    this.skip = UnmutePauseRule.SKIPPED_STEPS;
  }

  /** One Step's `prs[2]`: the smoothed value, or undefined while steps are skipped. */
  step(pr: number): number | undefined {
    if (this.skip > 0) {
      this.skip--;
      return undefined;
    }
    const alpha = 1 - Math.exp((-STEP_S / UnmutePauseRule.HALF_LIFE_S) * Math.LN2);
    this.value = (1 - alpha) * this.value + alpha * Math.max(0, pr);
    return this.value;
  }

  /**
   * A word: the first of a turn starts it (and the average from 0, so one word cannot end it at
   * once). True when it started one.
   */
  word(): boolean {
    if (this.speaking) return false;
    this.speaking = true;
    this.value = 0;
    return true;
  }

  /** True once per turn: the user is speaking and the average passed the threshold. */
  endOfTurn(): boolean {
    if (!this.speaking || this.value <= this.threshold) return false;
    this.speaking = false;
    return true;
  }

  /** The turn was closed another way (a final): wait for the next word. */
  reset(): void {
    this.speaking = false;
  }
}

const StepSchema = z.object({ step_idx: z.number(), prs: z.array(z.number()).min(3), buffered_pcm: z.number().optional() });
const WordSchema = z.object({ text: z.string(), start_time: z.number() });
const MarkerSchema = z.object({ id: z.number().int() });
/** The ASR's output messages (moshi-server asr.rs OutMsg); other types are ignored. */
const KNOWN_TYPES = new Set(['Ready', 'Word', 'EndWord', 'Step', 'Marker', 'Error']);

/**
 * Kyutai's streaming STT served by moshi-server (the self-hosted stack Unmute runs): float32 24 kHz
 * audio in 80 ms MessagePack frames, words as they are recognised (about 0.5 s behind), a pause
 * prediction every step that gives the turn signal, and markers to flush.
 */
export class KyutaiStt implements SttProvider {
  readonly id = 'kyutai';
  readonly displayName = NAME;
  /** Unmute's pause rule on the model's end-of-speech probability: the turn detector waits for its call. */
  readonly judgesTurns = true;
  /** Unknown message types already logged (once each, for the provider's lifetime). */
  readonly loggedTypes = new Set<string>();

  constructor(
    readonly settings: KyutaiSttSettings,
    readonly apiKey: string | undefined,
    readonly context: ProviderContext,
  ) {}

  url(): string {
    // Unmute accepts http(s) URLs for its servers too.
    return `${this.settings.baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}${PATH}`;
  }

  async open(options: SttStreamOptions): Promise<SttStream> {
    const budget = options.retry ?? new RetryBudget(this.context.clock, { retries: this.settings.maxReconnects });
    const stream = new KyutaiStream(this, options, budget);
    stream.start();
    return stream;
  }
}

interface PendingMarker {
  id: number;
  /** Absolute input sample index the marker follows. */
  upTo: number;
  /** From end(): its final is the last. */
  ending: boolean;
}

class KyutaiStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  private readonly loop: ReconnectLoop;
  private readonly rule: UnmutePauseRule;
  private readonly lifetime: ReturnType<typeof linkedAbort>;
  private ws: WebSocket | undefined;
  private connectedOnce = false;
  private lastAttempt = 0;
  private closed = false;
  private endRequested = false;
  private endResolve: (() => void) | undefined;
  /** Input audio (at the caller's rate) since the last returned marker: replayed after a reconnect. */
  private replay: Float32Array[] = [];
  private replaySamples = 0;
  private pushedTotal = 0;
  private resampler: Resampler | undefined;
  private readonly frame = new Float32Array(KYUTAI_FRAME);
  private frameFill = 0;
  private markers: PendingMarker[] = [];
  private markerSeq = 0;
  /** Steps heard since the oldest pending marker was sent, and silence frames sent beyond the first burst. */
  private stepsSinceMarker = 0;
  private extraFlushFrames = 0;
  private userFrameSinceStep = false;
  private words: string[] = [];
  private endOfSpeech = false;
  private unansweredMs = 0;
  private dropReason: ParleyError | undefined;

  constructor(
    private readonly provider: KyutaiStt,
    private readonly options: SttStreamOptions,
    budget: RetryBudget,
  ) {
    this.rule = new UnmutePauseRule(provider.settings.pauseThreshold);
    this.lifetime = linkedAbort(options.signal);
    this.lifetime.controller.signal.addEventListener('abort', () => this.close(), { once: true });
    this.loop = new ReconnectLoop({
      provider: provider.id,
      budget,
      signal: this.lifetime.controller.signal,
      closed: () => this.closed,
      status: (s) => this.status(s),
      connectOnce: () => this.connectOnce(budget),
      attempt: (n) => (this.lastAttempt = n),
      fail: (e) => this.fail(e),
      close: () => this.close(),
    });
  }

  /** Flush frames after a marker, as Unmute sends them: ceil(delay / 80 ms) + 1. */
  private get flushFrames(): number {
    return Math.ceil(this.provider.settings.delaySec / STEP_S) + 1;
  }

  start(): void {
    void this.loop.run(undefined);
  }

  push(samples: Float32Array, voiced = false): void {
    if (this.closed || this.endRequested || samples.length === 0) return;
    const copy = samples.slice();
    this.replay.push(copy);
    this.replaySamples += copy.length;
    this.pushedTotal += copy.length;
    while (this.replaySamples > this.options.sampleRate * MAX_REPLAY_S && this.replay.length > 1) this.replaySamples -= this.replay.shift()!.length;
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    this.sendInput(ws, copy);
    // The server answers every 80 ms frame with a Step: this much speech with nothing back is a
    // stuck connection; so is this much audio of any kind while a flush marker is owed (measured
    // in audio, so it cannot fire on a pause).
    if (!voiced && this.markers.length === 0) return;
    this.unansweredMs += (samples.length / this.options.sampleRate) * 1000;
    if (this.unansweredMs >= this.provider.settings.stallTimeoutMs) {
      this.drop(ws, new ParleyError('provider/timeout', `${NAME} answered nothing to ${Math.round(this.unansweredMs / 1000)} s of ${voiced ? 'speech' : 'audio while a flush was owed'}`, { provider: this.provider.id }));
    }
  }

  finalize(): void {
    this.addMarker(false);
  }

  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const promise = new Promise<void>((resolve) => (this.endResolve = resolve));
    if (!this.endRequested) {
      this.endRequested = true;
      // Nothing unconfirmed: nothing to flush.
      if (this.replaySamples === 0 && this.markers.length === 0) this.close();
      else this.addMarker(true);
    }
    return promise;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.controller.abort();
    this.lifetime.dispose();
    this.ws?.terminate();
    this.ws = undefined;
    this.events.end();
    this.endResolve?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<SttEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private status(status: SttConnectionStatus): void {
    this.events.push({ type: 'status', status });
  }

  private fail(error: ParleyError): void {
    if (this.closed) return;
    this.events.push({ type: 'error', error });
    this.close();
  }

  private addMarker(ending: boolean): void {
    if (this.closed) return;
    const marker = { id: ++this.markerSeq, upTo: this.pushedTotal, ending };
    this.markers.push(marker);
    // Not connected (yet, or again): sent once the pending audio has been replayed.
    if (this.ws && this.ws.readyState === this.ws.OPEN) this.sendMarker(this.ws, marker);
  }

  /**
   * Unmute's flush: the audio held back to fill a frame goes out padded with silence, then the
   * marker, then enough silence to push the audio before it through the model's delay. More
   * silence follows, a frame per step, until the marker comes back.
   */
  private sendMarker(ws: WebSocket, marker: PendingMarker): void {
    if (this.frameFill > 0) {
      this.frame.fill(0, this.frameFill);
      this.sendFrame(ws);
    }
    ws.send(packMessage({ type: 'Marker', id: marker.id }));
    if (this.markers[0] === marker) {
      this.stepsSinceMarker = 0;
      this.extraFlushFrames = 0;
    }
    for (let i = 0; i < this.flushFrames; i++) ws.send(packAudio(new Float32Array(KYUTAI_FRAME)));
  }

  /** Input audio to 24 kHz, sent in whole 1920-sample frames (a remainder waits for more). */
  private sendInput(ws: WebSocket, samples: Float32Array): void {
    this.resampler ??= new Resampler({ inputRate: this.options.sampleRate, outputRate: KYUTAI_RATE });
    const out = this.options.sampleRate === KYUTAI_RATE ? samples : this.resampler.process(samples);
    for (let i = 0; i < out.length; ) {
      const n = Math.min(out.length - i, KYUTAI_FRAME - this.frameFill);
      this.frame.set(out.subarray(i, i + n), this.frameFill);
      this.frameFill += n;
      i += n;
      if (this.frameFill === KYUTAI_FRAME) this.sendFrame(ws);
    }
  }

  private sendFrame(ws: WebSocket): void {
    ws.send(packAudio(this.frame));
    this.frameFill = 0;
    this.userFrameSinceStep = true;
  }

  private async connectOnce(budget: RetryBudget): Promise<void> {
    const p = this.provider;
    const { ws, takeBacklog } = await connectKyutai(p.url(), { provider: p.id, displayName: NAME, apiKey: p.apiKey, signal: this.lifetime.controller.signal, clock: p.context.clock });
    if (this.closed) return void ws.terminate();
    this.ws = ws;
    this.dropReason = undefined;
    this.unansweredMs = 0;
    this.rule.restart();
    // The replay starts where the last returned marker left off: the words of that audio come again.
    this.words = [];
    this.resampler = undefined;
    this.frameFill = 0;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(ws, data, isBinary));
    ws.on('close', (code: number) => this.onClose(ws, code));
    for (const [data, isBinary] of takeBacklog()) this.onMessage(ws, data, isBinary);
    // Markers go back where they were asked for, so each final covers the same audio as before the drop.
    let at = this.pushedTotal - this.replaySamples;
    let next = 0;
    for (const chunk of this.replay) {
      while (next < this.markers.length && this.markers[next]!.upTo <= at) this.sendMarker(ws, this.markers[next++]!);
      this.sendInput(ws, chunk);
      at += chunk.length;
    }
    while (next < this.markers.length) this.sendMarker(ws, this.markers[next++]!);
    budget.succeeded();
    this.status({ state: 'ok' });
    if (this.connectedOnce) this.events.push({ type: 'reconnected', attempt: this.lastAttempt });
    this.connectedOnce = true;
  }

  /** Drops a connection on our side; the close handler reconnects (with replay) for `reason`. */
  private drop(ws: WebSocket, reason: ParleyError): void {
    if (ws !== this.ws) return;
    this.dropReason = reason;
    this.provider.context.log?.(`kyutai: ${reason.message}; reconnecting`);
    ws.terminate();
  }

  private onMessage(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (ws !== this.ws || this.closed) return;
    this.unansweredMs = 0;
    let m: KyutaiMessage;
    try {
      m = unpackMessage(data, isBinary);
    } catch (e) {
      return this.drop(ws, this.malformed(e));
    }
    if (!KNOWN_TYPES.has(m.type)) {
      if (this.provider.loggedTypes.has(m.type)) return;
      this.provider.loggedTypes.add(m.type);
      return this.provider.context.log?.(`kyutai: ignoring messages of unknown type '${m.type.slice(0, 40)}'`);
    }
    switch (m.type) {
      case 'Step': {
        const s = StepSchema.safeParse(m);
        if (!s.success) return this.drop(ws, this.malformed(s.error));
        return this.onStep(ws, s.data.prs[2]!);
      }
      case 'Word': {
        const w = WordSchema.safeParse(m);
        if (!w.success) return this.drop(ws, this.malformed(w.error));
        const text = w.data.text.trim();
        if (!text) return;
        if (this.words.length === 0) this.events.push({ type: 'speech-started' });
        // Words after the end of turn, before the final: the user went on after a pause.
        if (this.rule.word() && this.endOfSpeech) {
          this.endOfSpeech = false;
          this.events.push({ type: 'turn-resumed' });
        }
        this.words.push(text);
        return this.events.push({ type: 'partial', text: this.words.join(' ') });
      }
      case 'Marker': {
        const mk = MarkerSchema.safeParse(m);
        if (!mk.success) return this.drop(ws, this.malformed(mk.error));
        return this.onMarker(mk.data.id);
      }
      case 'Error': {
        const text = typeof m.message === 'string' ? m.message.slice(0, 200) : 'unknown error';
        // The server closes after it; its text explains the close.
        this.dropReason = /no free channels/i.test(text) ? capacityError(this.provider.id, NAME, this.provider.url()) : new ParleyError('provider/server-error', `${NAME} error: ${text}`, { provider: this.provider.id });
        return;
      }
      default:
        return; // Ready (a batched server's answer to Init), EndWord (word ends are not needed here)
    }
  }

  private onStep(ws: WebSocket, pr: number): void {
    const value = this.rule.step(pr);
    if (value !== undefined) this.events.push({ type: 'turn-probability', probability: value });
    // Unmute does not judge the pause while flushing: the silence it sends would always look like one.
    if (this.markers.length === 0 && this.rule.endOfTurn()) {
      this.endOfSpeech = true;
      this.events.push({ type: 'end-of-turn', probability: this.rule.value });
    }
    if (this.markers.length > 0 && ++this.stepsSinceMarker > this.flushFrames) {
      // The first burst was not enough (a longer model delay, or audio queued in the server): a
      // frame of silence per step until the marker returns, unless the user's audio moves it on.
      if (!this.userFrameSinceStep) {
        if (++this.extraFlushFrames > MAX_EXTRA_FLUSH_FRAMES) {
          return this.drop(ws, new ParleyError('provider/timeout', `${NAME} did not return its flush marker after ${Math.round(this.stepsSinceMarker * STEP_S)} s of audio`, { provider: this.provider.id }));
        }
        ws.send(packAudio(new Float32Array(KYUTAI_FRAME)));
      }
    }
    this.userFrameSinceStep = false;
  }

  private onMarker(id: number): void {
    const index = this.markers.findIndex((m) => m.id === id);
    if (index < 0) return; // not ours (or from before a reconnect)
    const returned = this.markers.splice(0, index + 1);
    const last = returned[returned.length - 1]!;
    this.confirm(last.upTo);
    this.stepsSinceMarker = 0;
    this.extraFlushFrames = 0;
    const text = this.words.join(' ');
    this.events.push({ type: 'final', text, endOfSpeech: this.endOfSpeech, fromFinalize: !last.ending });
    this.words = [];
    this.endOfSpeech = false;
    this.rule.reset();
    if (this.endRequested && this.markers.length === 0) this.close();
  }

  /** Drops replay audio up to absolute input sample `upTo`. */
  private confirm(upTo: number): void {
    let start = this.pushedTotal - this.replaySamples;
    while (this.replay.length > 0 && start + this.replay[0]!.length <= upTo) {
      const chunk = this.replay.shift()!;
      this.replaySamples -= chunk.length;
      start += chunk.length;
    }
    if (this.replay.length > 0 && start < upTo) {
      const cut = this.replay[0]!.subarray(upTo - start);
      this.replaySamples -= upTo - start;
      this.replay[0] = cut;
    }
  }

  private malformed(e: unknown): ParleyError {
    return new ParleyError('provider/protocol', `${NAME} sent a malformed message (${describeError(e).slice(0, 80)})`, { provider: this.provider.id });
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    if (this.closed) return;
    const fault = this.dropReason ?? new ParleyError('provider/disconnected', `${NAME} closed the connection (${code})`, { provider: this.provider.id });
    void this.loop.run(fault);
  }
}
