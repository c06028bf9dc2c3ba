import type { AudioSink } from '../audio/playout.js';
import { rms } from '../audio/pcm.js';
import { systemClock, type Clock } from '../clock.js';
import { asParleyError, isAbort, type ParleyError } from '../errors.js';
import { TurnLatency } from '../metrics/latency.js';
import { abortableSleep } from '../util/abort.js';
import type { RetryBudget } from '../providers/retry-budget.js';
import type { ChatMessage, LlmProvider, SttProvider, SttStream, TtsProvider } from '../providers/types.js';
import type { TranscriptLog } from '../events/transcript.js';
import type { ToolRegistry } from '../tools/registry.js';
import { linkedAbort } from '../util/abort.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { EndpointerOptions } from '../vad/endpointer.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import { VoiceActivityDetector, type VadEvent } from '../vad/voice-activity-detector.js';
import { BargeInDetector, type BargeInOptions } from './barge-in.js';
import type { EngineEvent, ConversationState, SttStatus } from '../events/conversation-events.js';
import { AssistantReply, type LlmDeadlines } from './reply.js';

export interface TurnTakingOptions {
  /**
   * When the STT has settled the words (a final with end-of-speech) and the VAD has heard at
   * least this much silence (ms), the turn ends without waiting out the VAD's full hangover. Both
   * signals agreeing is strong evidence; it saves most of the hangover on every turn. Default 96.
   */
  earlyEndSilenceMs?: number;
  /** The user's endpointing (VAD). minSilenceMs is the silence that ends the user's speech. */
  vad?: Omit<EndpointerOptions, 'frameMs'>;
  /** After the VAD hears the speech end, wait at most this long for the STT's final transcript (ms). Default 1000. */
  finalWaitMs?: number;
  /** Barge-in while the assistant speaks; `false` turns it off. */
  bargeIn?: Omit<BargeInOptions, 'frameMs'> | false;
}

export interface CascadeOptions {
  stt: SttProvider;
  llm: LlmProvider;
  tts: TtsProvider;
  fallbackLlm?: LlmProvider;
  fallbackTts?: TtsProvider;
  vad: SpeechProbabilityModel;
  sink: AudioSink;
  tools?: ToolRegistry;
  systemPrompt?: string;
  clock?: Clock;
  now?: () => Date;
  log?: TranscriptLog;
  turnTaking?: TurnTakingOptions;
  language?: string;
  /** Deadlines for each LLM request (first words, whole reply); defaults in DEFAULT_LLM_DEADLINES. */
  llmDeadlines?: Partial<LlmDeadlines>;
  /** The conversation so far (e.g. carried over from a session with other providers); its system message is replaced by `systemPrompt`. */
  history?: readonly ChatMessage[];
  /** The speech-to-text's retry allowance for the whole session (default: the provider's own). */
  sttRetry?: RetryBudget;
}

const STT_RATE = 16000;
/** Audio kept while the STT stream is being opened (s); the stream itself buffers after that. */
const MAX_PENDING_S = 10;

interface ActiveTurn {
  id: number;
  userText: string;
  /** Where the turn's user message sits in the history. */
  historyIndex: number;
  /** The user went on speaking before any reply was heard: the turn is folded into the next one. */
  resumed: boolean;
  controller: AbortController;
  latency: TurnLatency;
  reply: AssistantReply;
  done: Promise<void>;
}

/**
 * The cascade: microphone audio in (16 kHz mono), spoken replies out. Silero VAD and the STT run
 * on every frame; when the user's turn ends (VAD silence + final transcript, or the provider's
 * end-of-turn), an AssistantReply streams LLM -> TTS -> sink. User speech over the reply is a
 * barge-in: playback pauses within two frames and, once confirmed, the turn's AbortController
 * cancels every stage and the history keeps only what was heard.
 */
export class CascadeSession {
  readonly history: ChatMessage[] = [];
  private queue: AsyncQueue<EngineEvent> | undefined;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly clock: Clock;
  private readonly vad: VoiceActivityDetector;
  private readonly bargeIn: BargeInDetector | undefined;
  private readonly session = new AbortController();
  private stt: SttStream | undefined;
  private sttPending: Float32Array[] = [];
  private sttPendingSamples = 0;
  private sttStatus: SttStatus = { state: 'connecting' };
  private state: ConversationState = 'listening';
  private nextTurnId = 1;
  private turn: ActiveTurn | undefined;
  // The user's turn in progress.
  private userFinals: string[] = [];
  private userSpeaking = false;
  private speechEndAt: number | undefined;
  private lastFinalAt: number | undefined;
  private finalAfterSpeechEnd = false;
  /** The STT's latest word was final with end-of-speech, and no partial since: nothing is pending. */
  private sttSettled = false;
  private providerEndOfTurn = false;
  private finalWaitTimer: ReturnType<typeof setTimeout> | undefined;
  private finalWaitExpired = false;
  /** The current utterance was ended early; the VAD's own speech-end for it is then ignored. */
  private earlyEnded = false;
  private stopped = false;

  constructor(private readonly o: CascadeOptions) {
    this.clock = o.clock ?? systemClock;
    if (o.systemPrompt) this.history.push({ role: 'system', content: o.systemPrompt });
    this.history.push(...(o.history ?? []).filter((m) => m.role !== 'system'));
    this.vad = new VoiceActivityDetector(o.vad, {
      ...o.turnTaking?.vad,
      clock: this.clock,
      collectAudio: false,
      onProbability: (p, _at, frame) => this.onVadFrame(p, frame),
    });
    const frameMs = (o.vad.frameSamples / o.vad.sampleRate) * 1000;
    this.bargeIn = o.turnTaking?.bargeIn === false ? undefined : new BargeInDetector({ frameMs, ...o.turnTaking?.bargeIn });
  }

  /** Events as an async iterable (one consumer), or use subscribe() for several. */
  events(): AsyncIterable<EngineEvent> {
    this.queue ??= new AsyncQueue<EngineEvent>();
    return this.queue;
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get conversationState(): ConversationState {
    return this.state;
  }

  /**
   * The fault that ended the session's listening (the STT refused the key, or its retries ran
   * out). The session itself stays up: a new key (settings) rebuilds it; the UI says what to do.
   */
  get sttFailure(): ParleyError | undefined {
    return this.sttStatus.state === 'stopped' ? this.sttStatus.error : undefined;
  }

  async start(): Promise<void> {
    // Load the HTTP client now rather than on the first turn (~30 ms the first time fetch is used).
    void fetch('data:,').catch(() => undefined);
    this.o.log?.write({ kind: 'session-start', at: this.iso(), providers: { stt: this.o.stt.id, llm: this.o.llm.id, tts: this.o.tts.id } });
    this.emit({ type: 'state', state: 'listening' });
    await this.openStt();
  }

  /** Feeds microphone audio (16 kHz mono float). Never throws: faults become events. */
  async pushAudio(samples: Float32Array): Promise<void> {
    if (this.stopped) return;
    // The VAD's view of the audio rides along: the STT may judge a silent server only by speech.
    if (this.stt) this.stt.push(samples, this.userSpeaking);
    else if (this.sttStatus.state === 'connecting' && this.sttPendingSamples < STT_RATE * MAX_PENDING_S) {
      this.sttPending.push(samples);
      this.sttPendingSamples += samples.length;
    }
    try {
      for (const event of await this.vad.push(samples)) this.onVadEvent(event);
    } catch (e) {
      this.emit({ type: 'error', stage: 'vad', error: asParleyError(e, 'onnx/inference-failed') });
    }
  }

  /** Ends the input: flushes the VAD and waits for the last turn to be answered. */
  async finishInput(): Promise<void> {
    for (const event of await this.vad.end()) this.onVadEvent(event);
    // Let a pending end-of-turn decide (final transcript or its timeout), then the reply finish.
    // While the STT reconnects, its words are still to come (its retry budget bounds the wait).
    for (let i = 0; !this.stopped; i++) {
      const recovering = this.sttRecovering();
      if (!this.turn && !this.userSpeaking && this.speechEndAt === undefined && !recovering) break;
      if (i >= 400 && !recovering) break;
      if (this.turn) await this.turn.done;
      else await abortableSleep(25);
    }
  }

  /**
   * The user is done (push-to-talk released): the speech ends now, without waiting out the VAD's
   * silence hangover. The turn is then answered as soon as the STT settles the words.
   */
  async endUserSpeech(): Promise<void> {
    if (this.stopped) return;
    for (const event of await this.vad.end()) this.onVadEvent(event);
    this.vad.reset();
  }

  /** The stop-talking button: cut the reply off as a confirmed barge-in would (history keeps what was heard). */
  interruptReply(): boolean {
    const turn = this.turn;
    if (!turn || (this.state !== 'assistant-speaking' && this.state !== 'thinking')) return false;
    this.interrupt(turn);
    return true;
  }

  /** The conversation so far (without the system prompt), to carry into another session. */
  conversation(): ChatMessage[] {
    return this.history.filter((m) => m.role !== 'system');
  }

  /** Waits for the current reply (if any) to finish. */
  async idle(): Promise<void> {
    while (this.turn) await this.turn.done;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.finalWaitTimer);
    this.turn?.controller.abort();
    this.session.abort();
    this.o.sink.flush();
    this.stt?.close();
    await this.turn?.done;
    await this.o.log?.flush();
    this.queue?.end();
  }

  // ---------- STT ----------

  /**
   * Opens the one STT stream of the session and waits for its first outcome (connected, retrying
   * or refused), so a rejected key is known before any audio. The stream reconnects on its own,
   * on one retry budget; once it gives up, the session stops listening (see `failure`): it is
   * never reopened per audio frame.
   */
  private async openStt(): Promise<void> {
    let stream: SttStream;
    try {
      stream = await this.o.stt.open({ sampleRate: STT_RATE, language: this.o.language, signal: this.session.signal, ...(this.o.sttRetry ? { retry: this.o.sttRetry } : {}) });
    } catch (e) {
      if (!isAbort(e) && !this.stopped) this.sttStopped(asParleyError(e, 'provider/unreachable'));
      return;
    }
    this.stt = stream;
    for (const s of this.sttPending.splice(0)) stream.push(s);
    this.sttPendingSamples = 0;
    await new Promise<void>((firstOutcome) => void this.readStt(stream, firstOutcome));
  }

  private sttRecovering(): boolean {
    return this.stt !== undefined && (this.sttStatus.state === 'connecting' || this.sttStatus.state === 'retrying');
  }

  private setSttStatus(status: SttStatus): void {
    this.sttStatus = status;
    this.emit({ type: 'stt-status', provider: this.o.stt.displayName ?? this.o.stt.id, status });
  }

  /** The STT will not come back: one error, and the session stops listening. */
  private sttStopped(error: ParleyError): void {
    if (this.sttStatus.state === 'stopped') return;
    this.stt = undefined;
    this.sttPending = [];
    this.setSttStatus({ state: 'stopped', error });
    this.emit({ type: 'error', stage: 'stt', error });
    // A turn waiting for words that will not come ends with what it has.
    if (this.speechEndAt !== undefined) {
      this.finalWaitExpired = true;
      this.maybeEndUserTurn();
    }
  }

  private async readStt(stream: SttStream, firstOutcome: () => void): Promise<void> {
    for await (const event of stream) {
      switch (event.type) {
        case 'status':
          this.setSttStatus(event.status);
          if (event.status.state === 'connecting') break;
          firstOutcome();
          // Back after a fault: the replayed audio is being transcribed; ask for its final words
          // and give them the usual time to arrive.
          if (event.status.state === 'ok' && this.speechEndAt !== undefined) {
            stream.finalize();
            this.armFinalWait();
          }
          break;
        case 'partial':
          this.sttSettled = false;
          this.emit({ type: 'user-partial', text: [...this.userFinals, event.text].join(' ') });
          break;
        case 'final':
          // Any final (even an empty one closing the utterance) is the STT confirming the words so far.
          if (this.userFinals.length > 0 || event.text) this.lastFinalAt = this.clock.now();
          if (event.text) {
            this.userFinals.push(event.text);
            this.emit({ type: 'user-partial', text: this.userFinals.join(' ') });
          }
          if (event.fromFinalize || event.endOfSpeech) {
            if (this.speechEndAt !== undefined) this.finalAfterSpeechEnd = true;
            else this.sttSettled = true;
          }
          this.maybeEndEarly();
          this.maybeEndUserTurn();
          break;
        case 'end-of-turn':
          this.providerEndOfTurn = true;
          this.maybeEndUserTurn();
          break;
        case 'reconnected':
          this.emit({ type: 'notice', message: `${this.o.stt.displayName ?? this.o.stt.id} reconnected; your audio was replayed` });
          break;
        case 'error':
          if (!this.stopped) this.sttStopped(event.error);
          break;
        case 'speech-started':
          break;
      }
    }
    firstOutcome();
    if (this.stt === stream) this.stt = undefined;
  }

  // ---------- Turn taking ----------

  private onVadFrame(probability: number, frame: Float32Array): void {
    // Ended early, but the VAD hears speech again before its hangover ran out: the user goes on.
    if (this.earlyEnded && probability >= this.vad.endpointer.options.activationThreshold) this.onSpeechStart();
    this.maybeEndEarly();
    if (!this.bargeIn || !this.turn || this.state !== 'assistant-speaking') return;
    const decision = this.bargeIn.process(probability, rms(frame), this.turn.reply.playbackRms);
    const turn = this.turn;
    if (decision === 'suspect') {
      this.o.sink.pause();
      this.emit({ type: 'barge-in', turnId: turn.id, phase: 'suspected' });
    } else if (decision === 'release') {
      this.o.sink.resume();
      this.emit({ type: 'barge-in', turnId: turn.id, phase: 'released' });
    } else if (decision === 'confirm') {
      this.interrupt(turn);
    }
  }

  /** Barge-in: cancel every stage of the turn at once and drop what was not yet played. */
  private interrupt(turn: ActiveTurn): void {
    this.o.sink.pause();
    turn.controller.abort();
    this.emit({ type: 'barge-in', turnId: turn.id, phase: 'confirmed' });
  }

  private onSpeechStart(): void {
    this.earlyEnded = false;
    this.userSpeaking = true;
    clearTimeout(this.finalWaitTimer);
    this.speechEndAt = undefined;
    this.finalAfterSpeechEnd = false;
    this.providerEndOfTurn = false;
    this.sttSettled = false;
    // Speaking again while the assistant only thinks: the user was not done. Drop the premature
    // reply and carry the words into the turn that is still being spoken.
    if (this.turn && this.state === 'thinking' && !this.turn.resumed) {
      this.turn.resumed = true;
      this.turn.controller.abort();
      this.userFinals.unshift(this.turn.userText);
    }
    if (!this.turn) this.setState('user-speaking');
  }

  private onVadEvent(event: VadEvent): void {
    if (event.type === 'speech-start') {
      this.onSpeechStart();
    } else if (event.type === 'speech-end') {
      if (this.earlyEnded) {
        this.earlyEnded = false;
        return;
      }
      this.userSpeaking = false;
      // detectedAt is the decision (after the hangover); the speech itself ended that much earlier.
      this.speechEndAt = event.detectedAt - (event.atMs - event.endMs);
      this.finalWaitExpired = false;
      // The STT may already have settled the words (its endpointer can beat the VAD's hangover).
      this.finalAfterSpeechEnd = this.sttSettled && this.userFinals.length > 0;
      this.stt?.finalize();
      this.armFinalWait();
      this.maybeEndUserTurn();
    }
  }

  /** After the speech end, the STT's final words get this long (finalWaitMs) to arrive. */
  private armFinalWait(): void {
    this.finalWaitExpired = false;
    clearTimeout(this.finalWaitTimer);
    this.finalWaitTimer = setTimeout(() => {
      this.finalWaitExpired = true;
      this.maybeEndUserTurn();
    }, this.o.turnTaking?.finalWaitMs ?? 1000);
  }

  /** The STT settled the words and the VAD hears silence: end the user's speech now (see earlyEndSilenceMs). */
  private maybeEndEarly(): void {
    if (!this.userSpeaking || !this.sttSettled || this.userFinals.length === 0) return;
    const silenceMs = this.vad.endpointer.silenceMs;
    if (silenceMs < (this.o.turnTaking?.earlyEndSilenceMs ?? 96)) return;
    this.userSpeaking = false;
    this.earlyEnded = true;
    this.speechEndAt = this.clock.now() - silenceMs;
    this.finalAfterSpeechEnd = true;
    this.maybeEndUserTurn();
  }

  /** Silence policy: the VAD heard the end and the STT settled the words (or the provider says so, or we waited long enough). */
  private maybeEndUserTurn(): void {
    if (this.userSpeaking || this.speechEndAt === undefined) return;
    if (!(this.finalAfterSpeechEnd || this.providerEndOfTurn || this.finalWaitExpired)) return;
    const text = this.userFinals.join(' ').trim();
    if (!text) {
      // Empty finals are normal (silence spans); the words may still be on their way. Only when
      // the wait is over is it noise or a sound without words: nothing to answer. While the STT
      // reconnects, the words are in its replay buffer: the wait restarts once it is back.
      if (!this.finalWaitExpired || this.sttRecovering()) return;
      this.speechEndAt = undefined;
      if (!this.turn) this.setState('listening');
      return;
    }
    const speechEnd = this.speechEndAt;
    clearTimeout(this.finalWaitTimer);
    this.speechEndAt = undefined;
    this.userFinals = [];
    this.startTurn(text, speechEnd);
  }

  private startTurn(text: string, speechEnd: number): void {
    this.turn?.controller.abort();
    const id = this.nextTurnId++;
    const latency = new TurnLatency(this.clock);
    latency.mark('speechEnd', speechEnd);
    latency.mark('endOfTurn');
    latency.mark('sttFinal', this.lastFinalAt ?? this.clock.now());
    const historyIndex = this.history.push({ role: 'user', content: text }) - 1;
    this.o.log?.write({ kind: 'user', turnId: id, at: this.iso(), text });
    this.emit({ type: 'user-final', turnId: id, text });
    // A child of the session's signal (stop() cancels the turn too), released when the turn ends.
    const { controller, dispose } = linkedAbort(this.session.signal);
    const toolArgs = new Map<string, unknown>();
    const reply = new AssistantReply({
      turnId: id,
      llm: this.o.llm,
      tts: this.o.tts,
      fallbackLlm: this.o.fallbackLlm,
      fallbackTts: this.o.fallbackTts,
      sink: this.o.sink,
      tools: this.o.tools,
      llmDeadlines: this.o.llmDeadlines,
      now: this.o.now ?? (() => new Date()),
      latency,
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'assistant-chunk' && this.turn?.id === id) this.setState('assistant-speaking');
        if (e.type === 'tool-call') toolArgs.set(e.call.id, e.call.arguments);
        if (e.type === 'tool-result') this.o.log?.write({ kind: 'tool', turnId: id, at: this.iso(), name: e.name, arguments: toolArgs.get(e.callId), ok: e.ok, result: e.content });
        this.emit(e);
      },
    });
    const turn: ActiveTurn = { id, userText: text, historyIndex, resumed: false, controller, latency, reply, done: Promise.resolve() };
    this.turn = turn;
    this.bargeIn?.reset();
    this.setState('thinking');
    turn.done = this.finishTurn(turn, reply.run([...this.history])).finally(dispose);
  }

  private async finishTurn(turn: ActiveTurn, running: Promise<Awaited<ReturnType<AssistantReply['run']>>>): Promise<void> {
    const result = await running;
    if (result.interrupted) this.o.sink.flush();
    else this.o.sink.resume();
    if (turn.resumed) {
      // Nothing was heard; the user's words move to the next turn (see onSpeechStart).
      this.history.splice(turn.historyIndex, 1);
      this.emit({ type: 'notice', message: 'you went on speaking; your words carry into the next turn' });
      if (this.turn === turn) {
        this.turn = undefined;
        this.setState(this.userSpeaking ? 'user-speaking' : 'listening');
      }
      return;
    }
    // Only what was heard goes into the history, so the model knows where it was cut off.
    this.history.push(...result.messages);
    if (result.text || result.interrupted) {
      this.o.log?.write({ kind: 'assistant', turnId: turn.id, at: this.iso(), text: result.text, interrupted: result.interrupted });
      this.emit({ type: 'assistant-done', turnId: turn.id, text: result.text, interrupted: result.interrupted });
    }
    const report = turn.latency.report();
    this.o.log?.write({ kind: 'latency', turnId: turn.id, at: this.iso(), spans: report.spans as Record<string, number>, ...(report.voiceToVoiceMs !== undefined ? { voiceToVoiceMs: report.voiceToVoiceMs } : {}) });
    this.emit({ type: 'latency', turnId: turn.id, report });
    if (this.turn === turn) {
      this.turn = undefined;
      this.bargeIn?.reset();
      this.setState(this.userSpeaking ? 'user-speaking' : 'listening');
    }
  }

  // ---------- plumbing ----------

  private setState(state: ConversationState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit({ type: 'state', state });
  }

  private emit(event: EngineEvent): void {
    if (event.type === 'error') {
      this.o.log?.write({ kind: 'error', ...(event.turnId !== undefined ? { turnId: event.turnId } : {}), at: this.iso(), stage: event.stage, code: event.error.code, message: event.error.message });
    }
    this.queue?.push(event);
    for (const l of this.listeners) l(event);
  }

  private iso(): string {
    return (this.o.now ?? (() => new Date()))().toISOString();
  }
}
