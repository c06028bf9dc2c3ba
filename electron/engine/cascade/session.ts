import { InputTimeline } from '../audio/input-timeline.js';
import type { AudioSink } from '../audio/playout.js';
import { rms } from '../audio/pcm.js';
import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { asParleyError, isAbort, type ParleyError } from '../errors.js';
import { TurnLatency } from '../metrics/latency.js';
import type { RetryBudget } from '../providers/retry-budget.js';
import type { ChatMessage, LlmProvider, SttProvider, SttStream, TtsProvider } from '../providers/types.js';
import { InterruptedTurns } from '../events/barge-in.js';
import { TranscriptRecorder, type TranscriptLog } from '../events/transcript.js';
import type { ToolRegistry } from '../tools/registry.js';
import { linkedAbort } from '../util/abort.js';
import { AsyncQueue } from '../util/async-queue.js';
import type { EndpointerOptions } from '../vad/endpointer.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import { VoiceActivityDetector } from '../vad/voice-activity-detector.js';
import { TurnDetector, type TurnAction, type TurnDetectorOptions } from '../turn/turn-detector.js';
import { TurnAudioWindow } from '../turn/turn-audio.js';
import { isBackchannel } from '../turn/transcript-semantics.js';
import { PreparedLlmRequest } from './prepared-llm.js';
import { BargeInDetector, type BargeInOptions } from './barge-in.js';
import type { EngineEvent, ConversationState, SttStatus } from '../events/conversation-events.js';
import { AssistantReply, type LlmDeadlines } from './reply.js';

export interface TurnTakingOptions {
  /** Speech detection: activationThreshold and minSpeechMs (what opens a turn). */
  vad?: Pick<EndpointerOptions, 'activationThreshold' | 'deactivationThreshold' | 'minSpeechMs'>;
  /** The end-of-turn decision: waits (ms) per verdict, transcript semantics, Smart Turn, preemptive replies. */
  endOfTurn?: Omit<TurnDetectorOptions, 'frameMs' | 'activationThreshold' | 'deactivationThreshold' | 'minSpeechMs' | 'smartTurn'>;
  /** Barge-in while the assistant speaks; `false` turns it off. */
  bargeIn?: Omit<BargeInOptions, 'frameMs'> | false;
}

/** Scores a pause with an audio turn model (Smart Turn): the last 8 s of 16 kHz audio in, P(complete) out. */
export interface TurnAudioScorer {
  predict(audio: Float32Array): Promise<{ probability: number }>;
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
  /** An audio turn model scored at each pause (Smart Turn); without it the words and the provider decide. */
  smartTurn?: TurnAudioScorer;
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
  /** The user's voice cut the reply (not the stop button). */
  bargedIn: boolean;
  controller: AbortController;
  latency: TurnLatency;
  reply: AssistantReply;
  done: Promise<void>;
}

/** Preemptive generation, counted: replies prepared before the end of turn, and how many were used. */
export interface PreemptiveStats {
  prepared: number;
  used: number;
  discarded: number;
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
  /** Writes the transcript log from this session's events. */
  private readonly recorder: TranscriptRecorder | undefined;
  /** Late events of interrupted turns are filtered by ON_BARGE_IN. */
  private readonly interrupted = new InterruptedTurns();
  private stt: SttStream | undefined;
  private sttPending: Float32Array[] = [];
  private sttPendingSamples = 0;
  private sttStatus: SttStatus = { state: 'connecting' };
  private state: ConversationState = 'listening';
  private nextTurnId = 1;
  private turn: ActiveTurn | undefined;
  // The user's turn in progress: who holds the floor is the detector's call.
  private readonly detector: TurnDetector;
  private readonly frameMs: number;
  /** Audio pushed so far (ms of stream). */
  private pushedMs = 0;
  /** Where the VAD's stream starts in the input (it restarts after push-to-talk). */
  private vadStreamStartMs = 0;
  /** Dates each VAD frame on the clock, so audio that comes late keeps its own time. */
  private readonly timeline = new InputTimeline();
  private wakeTimer: ClockTimer | undefined;
  private wakeAt: number | undefined;
  /** Resolved whenever the detector acts (finishInput waits on it). */
  private changed: (() => void) | undefined;
  private readonly turnAudio: TurnAudioWindow | undefined;
  private prepared: PreparedLlmRequest | undefined;
  /** A local LLM evaluating the conversation so far while the user speaks (see preloadLlm). */
  private preloading: AbortController | undefined;
  /** The user's words when a barge-in was suspected (what came after is what they said over the reply). */
  private wordsAtOnset = '';
  readonly preemptive: PreemptiveStats = { prepared: 0, used: 0, discarded: 0 };
  private stopped = false;

  constructor(private readonly options: CascadeOptions) {
    this.recorder = options.log ? new TranscriptRecorder(options.log, options.now) : undefined;
    this.clock = options.clock ?? systemClock;
    if (options.systemPrompt) this.history.push({ role: 'system', content: options.systemPrompt });
    this.history.push(...(options.history ?? []).filter((m) => m.role !== 'system'));
    this.vad = new VoiceActivityDetector(options.vad, {
      ...options.turnTaking?.vad,
      clock: this.clock,
      collectAudio: false,
      onProbability: (p, startMs, frame) => this.onVadFrame(p, startMs, frame),
    });
    const frameMs = (options.vad.frameSamples / options.vad.sampleRate) * 1000;
    this.frameMs = frameMs;
    this.detector = new TurnDetector({
      awaitProvider: options.stt.judgesTurns === true,
      finalsOnly: options.stt.finalsOnly === true,
      ...options.turnTaking?.endOfTurn,
      ...options.turnTaking?.vad,
      frameMs,
      smartTurn: options.smartTurn !== undefined,
      ...(options.language ? { language: options.language } : {}),
    });
    this.turnAudio = options.smartTurn ? new TurnAudioWindow() : undefined;
    this.bargeIn = options.turnTaking?.bargeIn === false ? undefined : new BargeInDetector({ frameMs, ...options.turnTaking?.bargeIn });
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

  /** Only listening: no reply under way and no pause being judged (`parley run --speed 0` skips ahead only then). */
  get onlyListening(): boolean {
    return !this.stopped && this.turn === undefined && !(this.detector.turnOpen && !this.detector.userSpeaking);
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
    this.recorder?.started({ stt: this.options.stt.id, llm: this.options.llm.id, tts: this.options.tts.id });
    this.emit({ type: 'state', state: 'listening' });
    // Local engines load their models now, not on the first reply (failures surface with that reply).
    this.options.tts.warmUp?.(this.session.signal).catch(() => undefined);
    this.preloadLlm();
    await this.openStt();
  }

  /** Feeds microphone audio (16 kHz mono float). Never throws: faults become events. */
  async pushAudio(samples: Float32Array): Promise<void> {
    if (this.stopped) return;
    this.pushedMs += (samples.length / STT_RATE) * 1000;
    this.timeline.arrived(this.clock.now(), this.pushedMs);
    this.turnAudio?.push(samples);
    // The VAD's view of the audio rides along: the STT may judge a silent server only by speech.
    if (this.stt) this.stt.push(samples, this.detector.userSpeaking);
    else if (this.sttStatus.state === 'connecting' && this.sttPendingSamples < STT_RATE * MAX_PENDING_S) {
      this.sttPending.push(samples);
      this.sttPendingSamples += samples.length;
    }
    try {
      await this.vad.push(samples);
    } catch (e) {
      this.emit({ type: 'error', stage: 'vad', error: asParleyError(e, 'onnx/inference-failed') });
    }
  }

  /** Ends the input: flushes the VAD and waits for the last turn to be answered. */
  async finishInput(): Promise<void> {
    await this.vad.end().catch(() => []);
    // The input is over, so is the user's turn: it is answered on its words once the STT settles
    // them. While the STT reconnects, its words are still to come (its retry budget bounds the wait).
    this.act(this.detector.update({ type: 'user-done', atMs: this.clock.now() }));
    while (!this.stopped && (this.turn || this.detector.turnOpen)) {
      if (this.turn) await this.turn.done;
      else await new Promise<void>((resolve) => (this.changed = resolve));
    }
  }

  /**
   * The user is done (push-to-talk released): the speech ends now, without waiting out the VAD's
   * silence hangover. The turn is then answered as soon as the STT settles the words.
   */
  async endUserSpeech(): Promise<void> {
    if (this.stopped) return;
    await this.vad.end().catch(() => []);
    this.vad.reset();
    this.vadStreamStartMs = this.pushedMs;
    this.act(this.detector.update({ type: 'user-done', atMs: this.clock.now() }));
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
    this.clock.clearTimeout(this.wakeTimer);
    this.prepared?.discard();
    this.changed?.();
    this.turn?.controller.abort();
    this.session.abort();
    this.options.sink.flush();
    this.stt?.close();
    await this.turn?.done;
    await this.recorder?.flush();
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
      stream = await this.options.stt.open({ sampleRate: STT_RATE, language: this.options.language, signal: this.session.signal, ...(this.options.sttRetry ? { retry: this.options.sttRetry } : {}) });
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
    this.act(this.detector.update({ type: 'stt-recovering', atMs: this.turnNow(), recovering: this.sttRecovering() }));
    this.emit({ type: 'stt-status', provider: this.options.stt.displayName ?? this.options.stt.id, status });
  }

  /** The STT will not come back: one error, and the session stops listening. */
  private sttStopped(error: ParleyError): void {
    if (this.sttStatus.state === 'stopped') return;
    this.stt = undefined;
    this.sttPending = [];
    this.setSttStatus({ state: 'stopped', error });
    this.emit({ type: 'error', stage: 'stt', error });
    // A turn waiting for words that will not come ends with what it has.
    if (this.detector.turnOpen) this.act(this.detector.update({ type: 'user-done', atMs: this.clock.now() }));
  }

  private async readStt(stream: SttStream, firstOutcome: () => void): Promise<void> {
    for await (const event of stream) {
      switch (event.type) {
        case 'status':
          this.setSttStatus(event.status);
          if (event.status.state === 'connecting') break;
          firstOutcome();
          break;
        case 'reconnected':
          this.emit({ type: 'notice', message: `${this.options.stt.displayName ?? this.options.stt.id} reconnected; your audio was replayed` });
          break;
        case 'error':
          if (!this.stopped) this.sttStopped(event.error);
          break;
        default: {
          const before = this.detector.transcript;
          this.act(this.detector.update({ type: 'stt', atMs: this.turnNow(), event }));
          const words = this.detector.transcript;
          if (words !== before && words) this.emit({ type: 'user-partial', text: words });
          if (words !== before) this.hearOverReply(words);
        }
      }
    }
    firstOutcome();
    if (this.stt === stream) this.stt = undefined;
  }

  // ---------- Turn taking ----------

  private onVadFrame(probability: number, startMs: number, frame: Float32Array): void {
    const endMs = this.vadStreamStartMs + startMs + this.frameMs;
    const atMs = this.timeline.place(this.clock.now(), endMs);
    this.act(this.detector.update({ type: 'frame', atMs, streamMs: endMs, probability }));
    if (!this.bargeIn || !this.turn || this.state !== 'assistant-speaking') return;
    const decision = this.bargeIn.process(probability, rms(frame), this.turn.reply.playbackRms);
    const turn = this.turn;
    if (decision === 'suspect') {
      this.wordsAtOnset = this.detector.transcript;
      this.options.sink.pause();
      this.emit({ type: 'barge-in', turnId: turn.id, phase: 'suspected' });
    } else if (decision === 'release') {
      this.options.sink.resume();
      this.emit({ type: 'barge-in', turnId: turn.id, phase: 'released' });
    } else if (decision === 'confirm') {
      this.interrupt(turn, true);
    }
  }

  /** Words heard while the reply is paused on a suspected barge-in: real words confirm it, "mm-hmm" does not. */
  private hearOverReply(words: string): void {
    const turn = this.turn;
    if (!this.bargeIn?.suspected || !turn) return;
    const since = words.startsWith(this.wordsAtOnset) ? words.slice(this.wordsAtOnset.length) : words;
    const heard = since.trim() === '' ? 'none' : isBackchannel(since, this.options.language) ? 'backchannel' : 'words';
    if (this.bargeIn.hear(heard) === 'confirm') this.interrupt(turn, true);
  }

  /** Barge-in: cancel every stage of the turn at once and drop what was not yet played. */
  private interrupt(turn: ActiveTurn, byVoice = false): void {
    turn.bargedIn ||= byVoice;
    this.options.sink.pause();
    this.interrupted.add(turn.id);
    turn.controller.abort();
    this.emit({ type: 'barge-in', turnId: turn.id, phase: 'confirmed' });
  }

  /** Carries out the turn detector's decisions, and wakes it when it waits on time. */
  private act(actions: TurnAction[]): void {
    if (this.stopped) return;
    for (const action of actions) {
      switch (action.type) {
        case 'speech-start':
          this.onSpeechStart(action.overDecided);
          break;
        case 'finalize-stt':
          this.stt?.finalize();
          break;
        case 'score-turn':
          this.scoreTurn(action.pauseId);
          break;
        case 'preempt':
          this.prepare(action.text);
          break;
        case 'preempt-cancel':
          this.discardPrepared();
          break;
        case 'no-words':
          this.discardPrepared();
          if (!this.turn) this.setState('listening');
          break;
        case 'end-of-turn':
          // "Mm-hmm" over a reply that is still playing is feedback, not a turn: the reply goes on.
          if (this.turn && this.state === 'assistant-speaking' && !this.turn.controller.signal.aborted && isBackchannel(action.text, this.options.language)) {
            this.discardPrepared();
            break;
          }
          this.startTurn(action);
          break;
      }
    }
    if (actions.length > 0) {
      const changed = this.changed;
      this.changed = undefined;
      changed?.();
    }
    this.scheduleWake();
  }

  /** The time the turn detector hears now: the Clock's, or while the microphone's audio comes late, that audio's. */
  private turnNow(): number {
    return this.timeline.now(this.clock.now());
  }

  private scheduleWake(): void {
    const at = this.detector.wakeAtMs;
    if (at === this.wakeAt) return;
    this.clock.clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    if (at !== undefined) this.wakeAtOrLater(at, at);
  }

  /**
   * A tick for `at`, sent when it comes due. Audio for that moment still on its way (a busy page,
   * the VAD behind) must not read as silence: its frames move the detector's time themselves, and
   * the tick waits until they have, or until the input counts as stopped.
   */
  private wakeAtOrLater(at: number, fireAt: number): void {
    this.wakeTimer = this.clock.setTimeout(() => {
      const now = this.turnNow();
      const late = this.timeline.lateUntil(this.clock.now());
      if (now < at && late !== undefined) {
        this.wakeAtOrLater(at, late);
        return;
      }
      this.wakeAt = undefined;
      this.act(this.detector.update({ type: 'tick', atMs: Math.max(at, now) }));
    }, Math.max(0, fireAt - this.clock.now()));
  }

  private onSpeechStart(overDecided: boolean): void {
    // Speaking again while the assistant only thinks: the user was not done. Drop the premature
    // reply and carry the words into the turn that is still being spoken.
    if (overDecided && this.turn && this.state === 'thinking' && !this.turn.resumed) {
      this.turn.resumed = true;
      this.turn.controller.abort();
      this.detector.carryWords(this.turn.userText);
    }
    if (!this.turn) {
      this.setState('user-speaking');
      this.preloadLlm();
    }
  }

  /**
   * A local LLM (llama.cpp) evaluates the system prompt and the history while the user speaks, so
   * the reply's first token does not wait for them. Stopped when a reply is prepared or started:
   * the LLM is theirs then.
   */
  private preloadLlm(): void {
    const llm = this.options.llm;
    if (!llm.preload || this.preloading) return;
    const { controller, dispose } = linkedAbort(this.session.signal);
    this.preloading = controller;
    const tools = this.options.tools && this.options.tools.size > 0 ? this.options.tools.specs() : undefined;
    llm
      .preload({ messages: [...this.history], ...(tools ? { tools } : {}), signal: controller.signal })
      // A failed preload costs nothing: the reply's own request reports what is wrong.
      .catch(() => undefined)
      .finally(() => {
        dispose();
        if (this.preloading === controller) this.preloading = undefined;
      });
  }

  private stopPreload(): void {
    this.preloading?.abort();
    this.preloading = undefined;
  }

  /** Smart Turn on the last 8 s of audio; its score joins the decision for this pause. */
  private scoreTurn(pauseId: number): void {
    const scorer = this.options.smartTurn;
    const audio = this.turnAudio?.read();
    if (!scorer || !audio) return;
    scorer.predict(audio).then(
      ({ probability }) => this.act(this.detector.update({ type: 'smart-turn', atMs: this.turnNow(), pauseId, probability })),
      (e: unknown) => this.emit({ type: 'notice', message: `the turn model could not score this pause (${asParleyError(e, 'onnx/inference-failed').message}); deciding on the words` }),
    );
  }

  /** Starts the reply's LLM request on settled words, before the end of turn is confirmed. */
  private prepare(text: string): void {
    this.discardPrepared();
    this.stopPreload();
    // A reply still playing or thinking owns the LLM; preparing over it would answer twice.
    if (this.turn) return;
    const tools = this.options.tools && this.options.tools.size > 0 ? this.options.tools.specs() : undefined;
    this.prepared = new PreparedLlmRequest(this.options.llm, text, [...this.history, { role: 'user', content: text }], tools, this.session.signal);
    this.preemptive.prepared++;
  }

  private discardPrepared(): void {
    if (!this.prepared) return;
    this.prepared.discard();
    this.prepared = undefined;
    this.preemptive.discarded++;
  }

  private startTurn(decision: Extract<TurnAction, { type: 'end-of-turn' }>): void {
    const { text } = decision;
    this.stopPreload();
    this.turn?.controller.abort();
    const id = this.nextTurnId++;
    const latency = new TurnLatency(this.clock);
    latency.mark('speechEnd', decision.speechEndMs);
    latency.mark('endOfTurn', decision.atMs);
    latency.mark('sttFinal', decision.sttFinalMs);
    latency.decision = { by: Array.isArray(decision.by) ? decision.by.join('+') : decision.by, turnClass: decision.turnClass, delayMs: Math.round(decision.delayMs), preempted: decision.preempted };
    latency.speechEndStreamMs = decision.speechEndStreamMs;
    const historyIndex = this.history.push({ role: 'user', content: text }) - 1;
    this.emit({ type: 'user-final', turnId: id, text });
    // A child of the session's signal (stop() cancels the turn too), released when the turn ends.
    const { controller, dispose } = linkedAbort(this.session.signal);
    // The reply prepared on these same words (preemptive generation) is used; any other is dropped.
    let llm = this.options.llm;
    if (this.prepared && decision.preempted && !this.turn) {
      llm = this.prepared.provider(controller.signal);
      this.preemptive.used++;
      this.prepared = undefined;
    } else {
      this.discardPrepared();
    }
    const reply = new AssistantReply({
      turnId: id,
      llm,
      tts: this.options.tts,
      fallbackLlm: this.options.fallbackLlm,
      fallbackTts: this.options.fallbackTts,
      sink: this.options.sink,
      tools: this.options.tools,
      llmDeadlines: this.options.llmDeadlines,
      timers: this.clock,
      now: this.options.now ?? (() => new Date()),
      latency,
      signal: controller.signal,
      emit: (e) => {
        if (e.type === 'assistant-chunk' && this.turn?.id === id) this.setState('assistant-speaking');
        this.emit(e);
      },
    });
    const turn: ActiveTurn = { id, userText: text, historyIndex, resumed: false, bargedIn: false, controller, latency, reply, done: Promise.resolve() };
    this.turn = turn;
    this.bargeIn?.reset();
    this.setState('thinking');
    turn.done = this.finishTurn(turn, reply.run([...this.history])).finally(dispose);
  }

  private async finishTurn(turn: ActiveTurn, running: Promise<Awaited<ReturnType<AssistantReply['run']>>>): Promise<void> {
    const result = await running;
    if (result.interrupted) this.options.sink.flush();
    else this.options.sink.resume();
    // Talked over before a word of the reply was heard (and no tool ran): the user was not done.
    if (!turn.resumed && turn.bargedIn && result.interrupted && result.text.trim() === '' && result.messages.length === 0 && this.detector.turnOpen) {
      turn.resumed = true;
      this.detector.carryWords(turn.userText);
    }
    if (turn.resumed) {
      // Nothing was heard; the user's words move to the next turn (see onSpeechStart).
      this.history.splice(turn.historyIndex, 1);
      this.emit({ type: 'notice', message: 'you went on speaking; your words carry into the next turn' });
      if (this.turn === turn) {
        this.turn = undefined;
        this.setState(this.detector.userSpeaking ? 'user-speaking' : 'listening');
      }
      return;
    }
    // Only what was heard goes into the history, so the model knows where it was cut off.
    this.history.push(...result.messages);
    if (result.text || result.interrupted) {
      this.emit({ type: 'assistant-done', turnId: turn.id, text: result.text, interrupted: result.interrupted });
    }
    const report = turn.latency.report();
    this.emit({ type: 'latency', turnId: turn.id, report });
    if (this.turn === turn) {
      this.turn = undefined;
      this.bargeIn?.reset();
      this.setState(this.detector.userSpeaking ? 'user-speaking' : 'listening');
    }
  }

  // ---------- plumbing ----------

  private setState(state: ConversationState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit({ type: 'state', state });
  }

  private emit(event: EngineEvent): void {
    if (!this.interrupted.passes(event)) return;
    this.recorder?.record(event);
    this.queue?.push(event);
    for (const l of this.listeners) l(event);
  }
}
