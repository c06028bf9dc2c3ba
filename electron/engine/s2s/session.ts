import type { AudioSink } from '../audio/playout.js';
import { rms } from '../audio/pcm.js';
import { Resampler } from '../audio/resampler.js';
import type { EngineEvent, ConversationState } from '../events/conversation-events.js';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError, asParleyError } from '../errors.js';
import { TurnLatency } from '../metrics/latency.js';
import { InterruptedTurns } from '../events/barge-in.js';
import { TranscriptRecorder, type TranscriptLog } from '../events/transcript.js';
import type { EndpointerOptions } from '../vad/endpointer.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import { VoiceActivityDetector, type VadEvent } from '../vad/voice-activity-detector.js';
import type { ChatMessage, SttProvider, SttStream } from '../providers/types.js';
import { abortableSleep } from '../util/abort.js';
import type { S2sClient, S2sEvent } from '../providers/s2s/types.js';

export interface S2sSessionOptions {
  client: S2sClient;
  /** Measures the user's speech (start/end) for latency and overlap; never gates the audio. */
  vad: SpeechProbabilityModel;
  /** Plays the model's voice; its rate must be the client's. */
  sink: AudioSink;
  clock?: Clock;
  log?: TranscriptLog;
  instructions?: string;
  /** The conversation so far as text (given to models that accept it). */
  history?: { role: 'user' | 'assistant'; text: string }[];
  vadOptions?: Omit<EndpointerOptions, 'frameMs'>;
  /**
   * When a paced model's audio waiting to play exceeds this (ms), the backlog is dropped so the
   * conversation stays live (a model that cannot keep real time, or a burst after a stall). Default 600.
   */
  maxLagMs?: number;
  /** Model audio quieter than this RMS counts as silence (Moshi streams silence between words). Default 0.01 (-40 dBFS). */
  speakingRms?: number;
  /**
   * Transcribes the user's side with this STT, for models that give no transcript (Moshi).
   * Optional: without it the turn shows the speaking activity.
   */
  stt?: SttProvider;
  /** Reconnects after a dropped or dead call, for the whole session (clients with reopen()). Default 3. */
  maxReconnects?: number;
  /**
   * Nothing from the model for this long (ms) while it should be sending (a paced model always,
   * others during a reply): the user is told. Default 2000 paced, 5000 otherwise.
   */
  stallNoticeMs?: number;
  /** Nothing for this long (ms): the call is taken as dead and reconnected (or ended). Default 6000 paced, 15000 otherwise. */
  stallReconnectMs?: number;
}

const MIC_RATE = 16000;
/** Backoff before reconnect attempt n: 250 ms, 500 ms, 1 s, ... (ms). */
const reconnectDelay = (attempt: number) => Math.min(4000, 250 * 2 ** (attempt - 1));
/** Backlog skips closer together than this (ms) are one episode of falling behind: one notice. */
const LAG_EPISODE_MS = 3000;

interface Turn {
  id: number;
  latency: TurnLatency;
  userText: string;
  assistantText: string;
  /** Model speech over the user's speech during this turn (ms). */
  overlapMs: number;
  answered: boolean;
  /** The user cut the answer off (turn-based models). */
  interrupted: boolean;
  /** userText came from a transcription (not the speaking-activity placeholder). */
  userTranscribed: boolean;
}

/**
 * Speech-to-speech: the microphone streams to one full-duplex model without gating or barge-in
 * logic (the model handles overlap); its voice plays as it arrives, its words are the assistant
 * transcript. The engine's VAD still runs to measure: user speech end -> first model audio, and
 * how long the model spoke over the user. Emits the cascade's event union, so the app, CLI and
 * logs treat both architectures alike.
 */
export class S2sSession {
  readonly transcript: { role: 'user' | 'assistant'; text: string }[] = [];
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly vad: VoiceActivityDetector;
  private readonly resampler: Resampler | undefined;
  private readonly clock: Clock;
  private state: ConversationState = 'listening';
  private turn: Turn | undefined;
  private nextTurnId = 1;
  private userSpeaking = false;
  private userSpeechStartAt = 0;
  private modelSpeaking = false;
  private lastVoiceAt = 0;
  /** Text waiting for the next audio block to start playing (text in step with audio). */
  private pendingText = '';
  private pumping: Promise<void> | undefined;
  private stopped = false;
  private fatal: ParleyError | undefined;
  private droppedMs = 0;
  /** When backlog was last skipped: skips less than LAG_EPISODE_MS apart are one episode, one notice. */
  private lastSkipAt: number | undefined;
  /** Text of audio blocks written but not yet sounding, oldest first (kept if their audio is skipped). */
  private unplayedText: { text: string; shown: boolean }[] = [];
  /** A model response is arriving; its audio starts at `responseBase` in the sink's count. */
  private responseActive = false;
  private responseBase = 0;
  private stt: SttStream | undefined;
  private readonly sttAbort = new AbortController();
  /** The model's connection now (replaced on reconnect). */
  private client: S2sClient;
  private reconnectsLeft: number;
  private reconnection: Promise<void> | undefined;
  /** Cancels reconnect backoffs and handshakes when the session stops. */
  private readonly lifetime = new AbortController();
  private lastModelEventAt = 0;
  private stallNoticed = false;

  /** Writes the transcript log from this session's events. */
  private readonly recorder: TranscriptRecorder | undefined;
  /** Late events of interrupted turns are filtered by ON_BARGE_IN. */
  private readonly interrupted = new InterruptedTurns();

  constructor(private readonly options: S2sSessionOptions) {
    this.recorder = options.log ? new TranscriptRecorder(options.log) : undefined;
    this.clock = options.clock ?? systemClock;
    this.client = options.client;
    this.reconnectsLeft = options.maxReconnects ?? 3;
    this.vad = new VoiceActivityDetector(options.vad, { ...options.vadOptions, clock: this.clock, collectAudio: false });
    this.resampler = options.client.sampleRate === MIC_RATE ? undefined : new Resampler({ inputRate: MIC_RATE, outputRate: options.client.sampleRate });
    if (options.sink.sampleRate !== options.client.sampleRate) throw new ParleyError('audio/invalid-rate', `the sink plays ${options.sink.sampleRate} Hz but ${options.client.displayName} speaks ${options.client.sampleRate} Hz`);
  }

  subscribe(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get conversationState(): ConversationState {
    return this.state;
  }

  /** Clock time the model's voice was last heard (0 = not yet). */
  get lastModelVoiceAt(): number {
    return this.lastVoiceAt;
  }

  /** The connection dropped and a new one is being made (the call is neither over nor quiet). */
  get reconnecting(): boolean {
    return this.reconnection !== undefined;
  }

  /** The fatal error that ended the call, if any. */
  get failure(): ParleyError | undefined {
    return this.fatal;
  }

  /** Connects (waits for the model to be ready); throws a typed error if it cannot. */
  async start(signal?: AbortSignal): Promise<void> {
    this.recorder?.started({ s2s: this.options.client.id });
    if (this.options.history?.length && !this.options.client.acceptsTextHistory) {
      this.emit({ type: 'notice', message: `${this.options.client.displayName} takes no text context: it starts this conversation fresh (the transcript so far is kept here).` });
    }
    await this.client.connect({ signal, instructions: this.options.instructions, history: this.options.history });
    this.lastModelEventAt = this.clock.now();
    if (this.options.stt) await this.openStt(this.options.stt);
    this.emit({ type: 'state', state: 'listening' });
    this.pumping = this.pump();
  }

  /** Microphone audio at 16 kHz mono, streamed continuously. */
  async pushAudio(samples: Float32Array): Promise<void> {
    if (this.stopped) return;
    this.client.pushAudio(this.resampler ? this.resampler.process(samples) : samples);
    this.stt?.push(samples);
    this.checkStall();
    try {
      for (const e of await this.vad.push(samples)) this.onVad(e);
    } catch (e) {
      this.emit({ type: 'error', stage: 'vad', error: asParleyError(e, 'onnx/inference-failed') });
    }
  }

  /** Full duplex: the model decides when the user is done; nothing to end here. */
  async endUserSpeech(): Promise<void> {}

  /**
   * The stop-talking button: a turn-based model is cut off where it was heard; a full-duplex one
   * (Moshi) cannot be told to stop, so what is queued is silenced.
   */
  interruptReply(): boolean {
    if (this.cutOffModel()) return true;
    if (this.client.interrupt || this.options.sink.written() <= this.options.sink.played()) return false;
    this.options.sink.flush();
    this.pendingText = '';
    this.takeUnplayedText(); // silenced: never heard, so never in the transcript
    return true;
  }

  /** The conversation so far as chat messages (for a session with another architecture). */
  conversation(): ChatMessage[] {
    const open = this.turn ? [{ role: 'user' as const, text: this.turn.userText }, { role: 'assistant' as const, text: this.turn.assistantText.trim() }] : [];
    // What came in as context (even if this model could not use it) goes on to the next session.
    return [...(this.options.history ?? []), ...this.transcript, ...open].filter((m) => m.text).map((m) => ({ role: m.role, content: m.text }));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sttAbort.abort();
    this.lifetime.abort();
    this.stt?.close();
    await this.client.close();
    await this.pumping;
    this.closeTurn();
    this.options.sink.flush();
    await this.recorder?.flush();
  }

  // ---------- the user's words (optional STT) ----------

  private async openStt(provider: SttProvider): Promise<void> {
    try {
      this.stt = await provider.open({ sampleRate: MIC_RATE, signal: this.sttAbort.signal });
    } catch (e) {
      // The conversation works without it: say so and go on.
      this.emit({ type: 'error', stage: 'stt', error: asParleyError(e, 'provider/unreachable') });
      return;
    }
    const stream = this.stt;
    void (async () => {
      for await (const e of stream) {
        if (e.type === 'partial') this.emit({ type: 'user-partial', text: e.text });
        else if (e.type === 'final' && e.text) {
          const turn = this.turn ?? this.openTurn();
          turn.userText = turn.userTranscribed ? `${turn.userText} ${e.text}` : e.text;
          turn.userTranscribed = true;
          this.emit({ type: 'user-final', turnId: turn.id, text: turn.userText });
        } else if (e.type === 'error') this.emit({ type: 'error', stage: 'stt', error: e.error });
      }
    })();
  }

  // ---------- model output ----------

  private async pump(): Promise<void> {
    for (;;) {
      const client = this.client;
      // Events of a connection that was replaced (its last words after a drop) are not the call's.
      for await (const e of client.events()) if (client === this.client) this.onModel(e);
      if (this.reconnection) await this.reconnection;
      if (this.stopped || this.fatal) return;
      if (client !== this.client) continue; // reconnected: read the new connection
      this.emit({ type: 'notice', message: `${client.displayName} ended the call` });
      return;
    }
  }

  // ---------- a dropped or stalled call ----------

  /** A stalled model (nothing arriving while it should be sending): tell the user, then reconnect. */
  private checkStall(): void {
    if (!this.pumping || this.reconnection || this.fatal) return;
    const paced = this.client.paced;
    if (!paced && !this.responseActive) return; // a turn-based model is quiet between replies
    const silentMs = this.clock.now() - this.lastModelEventAt;
    const name = this.client.displayName;
    if (silentMs > (this.options.stallReconnectMs ?? (paced ? 6000 : 15_000))) {
      const error = new ParleyError('provider/timeout', `${name} stopped responding (nothing for ${Math.round(silentMs / 1000)} s)`, { provider: this.client.id });
      if (this.client.reopen) this.reconnection = this.reconnect(error);
      else if (paced) this.fail(error);
      else {
        // The reply hung: end it here and keep listening (the model may answer the next turn).
        this.responseActive = false;
        this.lastModelEventAt = this.clock.now();
        this.flushText();
        this.reportError(error);
        this.closeTurn();
        this.modelWentQuiet();
      }
    } else if (silentMs > (this.options.stallNoticeMs ?? (paced ? 2000 : 5000)) && !this.stallNoticed) {
      this.stallNoticed = true;
      this.emit({ type: 'notice', message: `${name} has sent nothing for ${Math.round(silentMs / 1000)} s` });
    }
  }

  /**
   * Replaces the dead connection with a new one (backoff between attempts; one budget for the
   * whole session). What the user said in the gap is lost, and a model without text context starts
   * fresh: the notice says both.
   */
  private async reconnect(cause: ParleyError): Promise<void> {
    const name = this.client.displayName;
    const lostAt = this.clock.now();
    this.emit({ type: 'notice', message: `${cause.message}; reconnecting to ${name}` });
    let error = cause;
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.stopped) return;
        const old = this.client;
        if (this.reconnectsLeft <= 0 || !old.reopen) return this.fail(error);
        this.reconnectsLeft--;
        const next = old.reopen();
        this.client = next;
        void old.close();
        this.options.sink.flush();
        this.takeUnplayedText();
        this.pendingText = '';
        this.responseActive = false;
        if (this.modelSpeaking) this.modelWentQuiet();
        // An answer cut off by the drop ends here, with what was heard of it.
        if (this.turn?.assistantText) {
          this.turn.interrupted = true;
          this.closeTurn();
        }
        try {
          await abortableSleep(reconnectDelay(attempt), this.lifetime.signal, this.clock);
          await next.connect({ signal: this.lifetime.signal, instructions: this.options.instructions, history: this.textHistory() });
        } catch (e) {
          if (this.stopped) return;
          error = asParleyError(e, 'provider/unreachable');
          void next.close();
          continue;
        }
        this.lastModelEventAt = this.clock.now();
        this.stallNoticed = false;
        const gap = ((this.clock.now() - lostAt) / 1000).toFixed(1);
        const memory = next.acceptsTextHistory ? 'the conversation so far came along' : `${name} starts fresh: it does not remember the conversation before the drop`;
        this.emit({ type: 'notice', message: `Reconnected to ${name} after ${gap} s. What you said in that time was not heard; ${memory}.` });
        return;
      }
    } finally {
      this.reconnection = undefined;
    }
  }

  /** The call cannot go on: the session ends with this error. */
  private fail(error: ParleyError): void {
    this.fatal = error;
    this.reportError(error);
  }

  /** A fault of the model's call, attached to the turn in progress (if any). */
  private reportError(error: ParleyError): void {
    this.emit({ type: 'error', stage: 's2s', error, ...(this.turn ? { turnId: this.turn.id } : {}) });
  }

  /** The conversation so far as text, for a model that takes it on reconnect. */
  private textHistory(): { role: 'user' | 'assistant'; text: string }[] {
    return this.conversation().map((m) => ({ role: m.role as 'user' | 'assistant', text: m.content }));
  }

  private onModel(e: S2sEvent): void {
    this.lastModelEventAt = this.clock.now();
    this.stallNoticed = false;
    switch (e.type) {
      case 'audio':
        return this.onModelAudio(e.samples);
      case 'text':
        this.pendingText += e.text;
        return;
      case 'user-transcript': {
        if (!e.final) return this.emit({ type: 'user-partial', text: e.text });
        const turn = this.turn ?? this.openTurn();
        turn.userText = e.text.trim();
        turn.userTranscribed = true;
        this.emit({ type: 'user-final', turnId: turn.id, text: turn.userText });
        return;
      }
      case 'user-speech':
        // The model heard the user start (its own VAD): an answer still playing is cut off.
        if (e.phase === 'started') this.cutOffModel();
        return;
      case 'response-done': {
        this.responseActive = false;
        // Transcript text still pending (it can lag the audio) is heard at the end of the audio
        // already queued, not now: added at once it would come before words still waiting to play.
        const turn = this.turn;
        const rest = e.interrupted ? '' : this.pendingText;
        if (!e.interrupted) this.pendingText = '';
        // Turn-based models send no silence after an answer: it is over once its audio has played,
        // and so is the turn (its text and latency are reported then).
        void this.options.sink.drain().then(() => {
          if (rest && turn && this.turn === turn && !turn.interrupted) this.appendAssistant(rest);
          if (this.responseActive || this.stopped) return;
          if (!e.interrupted && this.turn?.assistantText && !this.userSpeaking) this.closeTurn();
          if (this.modelSpeaking) this.modelWentQuiet();
        });
        return;
      }
      case 'notice':
        return this.emit({ type: 'notice', message: e.message });
      case 'error':
        if (e.fatal && this.client.reopen && (e.error.code === 'provider/disconnected' || e.error.code === 'provider/timeout')) {
          this.reconnection ??= this.reconnect(e.error);
          return;
        }
        if (e.fatal) return this.fail(e.error);
        return this.reportError(e.error);
      case 'ready':
        return;
    }
  }

  private onModelAudio(samples: Float32Array): void {
    const sink = this.options.sink;
    const rate = sink.sampleRate;
    if (!this.responseActive) {
      this.responseActive = true;
      this.responseBase = sink.written();
    }
    // Keep the conversation live: a paced model's backlog beyond maxLagMs is dropped, and the user is
    // told once per episode (a model that cannot keep up would otherwise print a notice per frame).
    const maxLagMs = this.options.maxLagMs ?? 600;
    const backlogMs = ((sink.written() - sink.played()) / rate) * 1000;
    if (this.client.paced && backlogMs > maxLagMs) {
      sink.flush();
      this.droppedMs += backlogMs;
      // The words of the skipped audio were still said by the model: they stay in the transcript.
      const skippedText = this.takeUnplayedText();
      if (skippedText) this.appendAssistant(skippedText);
      const now = this.clock.now();
      if (this.lastSkipAt === undefined || now - this.lastSkipAt > LAG_EPISODE_MS) {
        this.emit({ type: 'notice', message: `${this.client.displayName} fell ${Math.round(backlogMs)} ms behind real time; skipped ahead to stay live` });
      }
      this.lastSkipAt = now;
    }
    const voiced = rms(samples) >= (this.options.speakingRms ?? 0.01);
    const text = this.pendingText;
    this.pendingText = '';
    const now = this.clock.now();
    if (voiced) this.lastVoiceAt = now;
    if (voiced && this.userSpeaking && this.turn) this.turn.overlapMs += (samples.length / rate) * 1000;
    const entry = { text, shown: false };
    if (text) this.unplayedText.push(entry);
    sink.write(samples, () => {
      if (entry.shown) return;
      entry.shown = true;
      this.unplayedText = this.unplayedText.filter((e) => !e.shown);
      this.onBlockPlaying(voiced, entry.text);
    });
  }

  /** The text of blocks that will never sound (their audio was flushed), marked as taken. */
  private takeUnplayedText(): string {
    const text = this.unplayedText.map((e) => e.text).join('');
    for (const e of this.unplayedText) e.shown = true;
    this.unplayedText = [];
    return text;
  }

  /** A block of model audio began to sound: the text generated with it appears now. */
  private onBlockPlaying(voiced: boolean, text: string): void {
    const turn = this.turn;
    if (voiced) {
      if (turn && !turn.answered && !this.userSpeaking && turn.latency.has('speechEnd')) {
        turn.answered = true;
        turn.latency.mark('firstAudioPlayed');
      }
      if (!this.modelSpeaking) {
        this.modelSpeaking = true;
        if (!this.userSpeaking) this.setState('assistant-speaking');
      }
    } else if (this.modelSpeaking && this.clock.now() - this.lastVoiceAt > 300) {
      this.modelWentQuiet();
    }
    if (text) this.appendAssistant(text);
  }

  private modelWentQuiet(): void {
    this.modelSpeaking = false;
    if (!this.userSpeaking) this.setState('listening');
  }

  /**
   * Turn-based models only (those with interrupt()): stop the answer that is playing, keep the
   * text that was heard, and tell the model where it was cut. Returns whether anything was cut.
   */
  private cutOffModel(): boolean {
    const client = this.client;
    const sink = this.options.sink;
    if (!client.interrupt || sink.written() <= sink.played()) return false;
    const playedMs = ((sink.played() - this.responseBase) / sink.sampleRate) * 1000;
    sink.flush();
    this.takeUnplayedText(); // cut off: never heard, so never in the transcript
    this.responseActive = false;
    this.responseBase = 0;
    this.pendingText = '';
    client.interrupt(playedMs);
    this.modelSpeaking = false;
    const turn = this.turn;
    if (turn) {
      turn.interrupted = true;
      this.interrupted.add(turn.id);
      this.emit({ type: 'barge-in', turnId: turn.id, phase: 'confirmed' });
    }
    return true;
  }

  private flushText(): void {
    if (this.pendingText) this.appendAssistant(this.pendingText);
    this.pendingText = '';
  }

  private appendAssistant(text: string): void {
    const turn = this.turn ?? this.openTurn();
    turn.assistantText += text;
    // Pieces as the model wrote them (leading spaces included): the UI joins them as they are.
    this.emit({ type: 'assistant-chunk', turnId: turn.id, text });
  }

  // ---------- user speech (measured, never gated) ----------

  private onVad(e: VadEvent): void {
    if (e.type === 'speech-start') {
      this.cutOffModel();
      this.closeTurn();
      this.userSpeaking = true;
      this.userSpeechStartAt = e.detectedAt;
      this.openTurn();
      this.setState('user-speaking');
    } else if (e.type === 'speech-end') {
      this.userSpeaking = false;
      const turn = this.turn;
      if (!turn) return;
      const speechEnd = e.detectedAt - (e.atMs - e.endMs);
      turn.latency.mark('speechEnd', speechEnd);
      turn.latency.mark('endOfTurn', e.detectedAt);
      turn.latency.speechEndStreamMs = e.endMs;
      if (!turn.userText && !this.client.transcribesUser && !this.stt) {
        // No transcript from this model: the turn shows the speaking activity.
        turn.userText = `(spoke ${((speechEnd - this.userSpeechStartAt) / 1000 + 0.001).toFixed(1)} s)`;
        this.emit({ type: 'user-final', turnId: turn.id, text: turn.userText });
      }
      this.setState(this.modelSpeaking ? 'assistant-speaking' : 'thinking');
    }
  }

  private openTurn(): Turn {
    const turn: Turn = { id: this.nextTurnId++, latency: new TurnLatency(this.clock), userText: '', assistantText: '', overlapMs: 0, answered: false, interrupted: false, userTranscribed: false };
    this.turn = turn;
    return turn;
  }

  /** Ends the current turn: its texts go to the transcript, its latency is reported. */
  private closeTurn(): void {
    const turn = this.turn;
    if (!turn) return;
    this.flushText();
    this.turn = undefined;
    const assistant = turn.assistantText.trim();
    if (turn.userText) this.transcript.push({ role: 'user', text: turn.userText });
    if (assistant) {
      this.transcript.push({ role: 'assistant', text: assistant });
      this.emit({ type: 'assistant-done', turnId: turn.id, text: assistant, interrupted: turn.interrupted });
    }
    if (turn.latency.has('speechEnd')) {
      const report = { ...turn.latency.report(), overlapMs: Math.round(turn.overlapMs) };
      this.emit({ type: 'latency', turnId: turn.id, report });
    }
  }

  /** Audio dropped to keep up with real time, so far (ms). */
  get skippedMs(): number {
    return Math.round(this.droppedMs);
  }

  private setState(state: ConversationState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit({ type: 'state', state });
  }

  private emit(event: EngineEvent): void {
    if (!this.interrupted.passes(event)) return;
    this.recorder?.record(event);
    for (const l of this.listeners) l(event);
  }
}
