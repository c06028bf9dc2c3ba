import { EndOfTurnPolicy, type EndOfTurnDecision, type EndOfTurnOptions, type TurnClass, type TurnSignal, type TurnSignals } from './end-of-turn-policy.js';

/** Turn detector settings. Durations in ms; thresholds are speech probabilities in [0, 1]. */
export interface TurnDetectorOptions extends EndOfTurnOptions {
  /** One VAD frame (32 ms for Silero at 16 kHz). */
  frameMs: number;
  /** A frame at or above this probability is speech. Default 0.5. */
  activationThreshold?: number;
  /** While speaking, a frame below this is silence (hysteresis). Default activation - 0.15. */
  deactivationThreshold?: number;
  /** Speech that opens a turn (or speaks over a decided one) must last this long; shorter is a click. Default 250. */
  minSpeechMs?: number;
  /** Speech that resumes a paused turn before it was decided. Default 64 (two Silero frames). */
  resumeSpeechMs?: number;
  /** Silence after the last voiced frame that makes a pause (the policy's clock starts at the speech end). Default: finalizeSttAfterMs. */
  pauseMs?: number;
  /** Weigh what the words say ("a flight to" is unfinished). false: every pause waits uncertainWaitMs (silence only). Default true. */
  semantics?: boolean;
  /** Ask for a Smart Turn score at each pause (the caller runs the model and feeds `smart-turn`). Default false. */
  smartTurn?: boolean;
  /** Offer a reply to prepare before the end of turn is confirmed (`preempt`). Default true. */
  preemptive?: boolean;
}

/**
 * What the detector reads from a speech-to-text stream (the providers' SttEvent, minus connection
 * events): interim and final words, and the provider's own turn signals.
 */
export type TurnSttEvent =
  | { type: 'partial'; text: string }
  | { type: 'final'; text: string; endOfSpeech: boolean; fromFinalize: boolean }
  | { type: 'end-of-turn'; probability?: number }
  | { type: 'eager-end-of-turn'; text: string; probability?: number }
  | { type: 'turn-resumed' }
  | { type: 'turn-probability'; probability: number }
  | { type: 'speech-started' };

export type TurnDetectorInput =
  /** One VAD frame. `atMs`: Clock time when the frame ended; `streamMs`: where it ended in the input stream. */
  | { type: 'frame'; atMs: number; streamMs: number; probability: number }
  | { type: 'stt'; atMs: number; event: TurnSttEvent }
  /** A Smart Turn score for pause number `pauseId` (from a `score-turn` action). */
  | { type: 'smart-turn'; atMs: number; pauseId: number; probability: number }
  /** The user says they are done (push-to-talk released, the input file ended): end on the words, now. */
  | { type: 'user-done'; atMs: number }
  /** The STT is reconnecting: a turn without words yet waits for the replayed audio's words. */
  | { type: 'stt-recovering'; atMs: number; recovering: boolean }
  /** Time passed (a `wakeAtMs` came due). */
  | { type: 'tick'; atMs: number };

export type EndOfTurnBy = Extract<EndOfTurnDecision, { type: 'end-of-turn' }>['by'] | 'user-done';

export type TurnAction =
  /** The user started speaking. `overDecided`: after an end of turn was decided (they were not done, or it is a new turn). */
  | { type: 'speech-start'; atMs: number; startMs: number; overDecided: boolean }
  /** The user paused; the STT should deliver its final words for the audio so far. */
  | { type: 'finalize-stt'; atMs: number }
  /** Score this pause with Smart Turn (audio up to now) and feed back a `smart-turn` input. */
  | { type: 'score-turn'; atMs: number; pauseId: number }
  /** The words look settled: a reply may be prepared silently on `text` (kept only if the turn ends on the same words). */
  | { type: 'preempt'; atMs: number; text: string }
  /** Drop the prepared reply: the user went on or the words changed. */
  | { type: 'preempt-cancel'; atMs: number }
  /** The user's turn is over. */
  | {
      type: 'end-of-turn';
      atMs: number;
      text: string;
      /** Clock time of the end of the last voiced frame. */
      speechEndMs: number;
      /** Where the speech ended in the input stream (ms). */
      speechEndStreamMs: number;
      /** When the words answered were final (the latency span's sttFinal mark): see sttFinalAt. */
      sttFinalMs: number;
      delayMs: number;
      turnClass: TurnClass | 'forced';
      by: EndOfTurnBy;
      signals: TurnSignals;
      /** The prepared reply (`preempt`) was on these same words: use it. */
      preempted: boolean;
    }
  /** A stretch of sound ended without any words: nothing to answer. */
  | { type: 'no-words'; atMs: number };

type State = 'idle' | 'speaking' | 'paused' | 'decided';

/**
 * Who holds the floor, from VAD frames, STT events and the clock. Pure: no timers and no model;
 * each input returns the actions to take, and `wakeAtMs` says when to send a `tick` next.
 *
 * Speech opens a turn after minSpeechMs of voiced frames; pauseMs of silence makes a pause, in
 * which the STT is asked to finalize and the EndOfTurnPolicy weighs the words, Smart Turn and the
 * provider; speaking on (resumeSpeechMs) re-opens the turn. STT words count as settled only for
 * the audio before they arrived: speech after a final makes it stale, so a turn never ends on an
 * old final and loses the words after a short pause.
 */
export class TurnDetector {
  readonly policy: EndOfTurnPolicy;
  private readonly activation: number;
  private readonly deactivation: number;
  private readonly minSpeechFrames: number;
  private readonly resumeFrames: number;
  private readonly pauseMs: number;
  private readonly frameMs: number;
  private readonly semantics: boolean;
  private readonly smartTurn: boolean;
  private readonly preemptive: boolean;

  private state: State = 'idle';
  private voicedRun = 0;
  private runStartMs = 0;
  private lastAtMs = -Infinity;
  private lastVoicedEnd = { atMs: 0, streamMs: 0 };
  private pauseId = 0;
  private forcedAtMs: number | undefined;
  private recovering = false;
  /** An end of turn without words was held while the STT reconnected; re-decide once it is back. */
  private heldForRecovery = false;
  private decision: EndOfTurnDecision = { type: 'wait-for-speech' };
  // The words of the turn in progress.
  private finals: string[] = [];
  private partial = '';
  /** The STT's latest final closed an utterance (end of speech or finalize) and no partial came after. */
  private settled = false;
  private settledAtMs = -Infinity;
  /** When the STT's last final with words came (this turn's, or before it began). */
  private lastFinalAtMs: number | undefined;
  /** The decided turn ended on these interim words: the STT's late final for them is dropped. */
  private answeredInterim: string | undefined;
  private preemptedText: string | undefined;

  constructor(options: TurnDetectorOptions) {
    const { frameMs, activationThreshold, deactivationThreshold, minSpeechMs, resumeSpeechMs, pauseMs, semantics, smartTurn, preemptive, ...policy } = options;
    if (!(frameMs > 0)) throw new RangeError(`frameMs must be > 0, got ${frameMs}`);
    this.policy = new EndOfTurnPolicy({ ...policy, awaitSmartTurn: smartTurn === true || policy.awaitSmartTurn === true });
    this.activation = activationThreshold ?? 0.5;
    this.deactivation = deactivationThreshold ?? Math.max(0.01, this.activation - 0.15);
    this.frameMs = frameMs;
    this.minSpeechFrames = Math.max(1, Math.ceil((minSpeechMs ?? 250) / frameMs));
    this.resumeFrames = Math.max(1, Math.ceil((resumeSpeechMs ?? 64) / frameMs));
    this.pauseMs = pauseMs ?? this.policy.options.finalizeSttAfterMs;
    this.semantics = semantics ?? true;
    this.smartTurn = smartTurn ?? false;
    this.preemptive = preemptive ?? true;
  }

  /** The words of the turn in progress (finals, then the latest interim words). */
  get transcript(): string {
    return [...this.finals, this.partial].filter((t) => t.trim() !== '').join(' ');
  }

  get userSpeaking(): boolean {
    return this.state === 'speaking';
  }

  /** A turn is open: speech was heard and its end not yet decided. */
  get turnOpen(): boolean {
    return this.state === 'speaking' || this.state === 'paused';
  }

  /**
   * Words of a turn that was decided too early (the user spoke on before any reply was heard):
   * they open the turn in progress, so it is answered as one.
   */
  carryWords(text: string): void {
    if (text.trim()) this.finals.unshift(text.trim());
  }

  /** When to send the next `tick` (Clock ms), or undefined when nothing waits on time. */
  get wakeAtMs(): number | undefined {
    if (this.state !== 'paused' || this.heldForRecovery) return undefined;
    if (this.forcedAtMs !== undefined) return this.forcedAtMs + this.forcedWaitMs();
    return this.decision.type === 'wait-until' ? this.decision.atMs : undefined;
  }

  /** Forget everything (a new session, or the input restarted). */
  reset(): void {
    this.state = 'idle';
    this.voicedRun = 0;
    this.forcedAtMs = undefined;
    this.heldForRecovery = false;
    this.clearWords();
    this.answeredInterim = undefined;
    this.preemptedText = undefined;
    this.decision = { type: 'wait-for-speech' };
    this.policy.reset();
    this.lastAtMs = -Infinity;
  }

  update(input: TurnDetectorInput): TurnAction[] {
    // Frames processed late can carry an earlier estimate; time never runs backwards here.
    const atMs = Math.max(input.atMs, this.lastAtMs);
    this.lastAtMs = atMs;
    const actions: TurnAction[] = [];
    switch (input.type) {
      case 'frame':
        this.onFrame(atMs, input.streamMs, input.probability, actions);
        break;
      case 'stt':
        this.onStt(atMs, input.event, actions);
        break;
      case 'smart-turn':
        if (this.state === 'paused' && input.pauseId === this.pauseId) this.feed({ type: 'smart-turn', atMs, probability: input.probability }, actions);
        break;
      case 'user-done':
        if (this.state === 'speaking' || this.state === 'paused') {
          if (this.state === 'speaking') this.enterPause(atMs, actions);
          this.forcedAtMs = atMs;
          this.feed({ type: 'tick', atMs }, actions);
        }
        break;
      case 'stt-recovering':
        this.recovering = input.recovering;
        if (!input.recovering && this.heldForRecovery) {
          // Back: the replayed audio is being transcribed; its words get the usual wait from now.
          this.heldForRecovery = false;
          this.forcedAtMs = atMs;
          actions.push({ type: 'finalize-stt', atMs });
        }
        this.feed({ type: 'tick', atMs }, actions);
        break;
      case 'tick':
        this.feed({ type: 'tick', atMs }, actions);
        break;
    }
    return actions;
  }

  // ---------- audio ----------

  private onFrame(atMs: number, streamMs: number, p: number, actions: TurnAction[]): void {
    const speaking = this.state === 'speaking';
    const voiced = speaking ? p >= this.deactivation : p >= this.activation;
    if (p >= this.activation && this.settled && atMs > this.settledAtMs) {
      // Speech after the STT settled the words: that final no longer covers the turn.
      this.settled = false;
      this.feedTranscript(atMs, actions);
    }
    if (voiced) {
      if (this.voicedRun === 0) this.runStartMs = atMs - this.frameMs;
      this.voicedRun++;
      this.lastVoicedEnd = { atMs, streamMs };
    } else {
      this.voicedRun = 0;
    }
    switch (this.state) {
      case 'idle':
      case 'decided':
        if (this.voicedRun >= this.minSpeechFrames) this.startSpeech(atMs, actions);
        break;
      case 'paused':
        if (this.voicedRun >= this.resumeFrames) this.resumeSpeech(atMs, actions);
        else this.feed({ type: 'tick', atMs }, actions);
        break;
      case 'speaking':
        // Silence is counted in audio (stream) time: input fed faster than real time still pauses.
        if (!voiced && streamMs - this.lastVoicedEnd.streamMs >= this.pauseMs) this.enterPause(atMs, actions);
        break;
    }
  }

  private startSpeech(atMs: number, actions: TurnAction[]): void {
    const overDecided = this.state === 'decided';
    if (overDecided) this.policy.reset();
    this.state = 'speaking';
    this.forcedAtMs = undefined;
    this.policy.update({ type: 'speech-start', atMs });
    actions.push({ type: 'speech-start', atMs, startMs: this.runStartMs, overDecided });
  }

  private resumeSpeech(atMs: number, actions: TurnAction[]): void {
    this.state = 'speaking';
    this.forcedAtMs = undefined;
    this.heldForRecovery = false;
    this.decision = this.policy.update({ type: 'speech-start', atMs });
    if (this.preemptedText !== undefined) {
      this.preemptedText = undefined;
      actions.push({ type: 'preempt-cancel', atMs });
    }
  }

  private enterPause(atMs: number, actions: TurnAction[]): void {
    this.state = 'paused';
    this.pauseId++;
    const decision = this.policy.update({ type: 'speech-end', atMs, speechEndMs: this.lastVoicedEnd.atMs });
    if (!this.settled) actions.push({ type: 'finalize-stt', atMs });
    if (this.smartTurn) actions.push({ type: 'score-turn', atMs, pauseId: this.pauseId });
    this.decide(decision, atMs, actions);
  }

  // ---------- words ----------

  private onStt(atMs: number, event: TurnSttEvent, actions: TurnAction[]): void {
    switch (event.type) {
      case 'partial':
        this.partial = event.text;
        this.settled = false;
        break;
      case 'final': {
        const answered = this.answeredInterim;
        this.answeredInterim = undefined;
        // The decided turn already answered these words from the interim transcript.
        if (answered !== undefined && sameWords(answered, event.text)) {
          this.partial = '';
          return;
        }
        if (event.text.trim()) {
          this.finals.push(event.text.trim());
          this.lastFinalAtMs = atMs;
        }
        this.partial = '';
        if (event.endOfSpeech || event.fromFinalize) {
          this.settled = true;
          this.settledAtMs = atMs;
        }
        break;
      }
      case 'end-of-turn':
        if (this.state === 'decided') return;
        this.feed({ type: 'provider', atMs, endOfTurn: true, ...(event.probability !== undefined ? { probability: event.probability } : {}) }, actions);
        return;
      case 'eager-end-of-turn':
        if (this.preemptive && this.state !== 'decided' && event.text.trim()) this.preempt(atMs, event.text.trim(), actions);
        return;
      case 'turn-resumed':
        if (this.preemptedText !== undefined && this.state !== 'decided') {
          this.preemptedText = undefined;
          actions.push({ type: 'preempt-cancel', atMs });
        }
        return;
      default:
        return;
    }
    if (this.state === 'decided') return;
    if (this.state === 'paused' && this.decision.type === 'wait-until' && this.decision.turnClass === 'incomplete' && event.type === 'partial') {
      // New words in a pause that was waiting for more: the user is speaking again, though the VAD
      // has not confirmed it yet. The pause restarts from these words instead of ending on them at once.
      this.policy.update({ type: 'speech-start', atMs });
      this.policy.update({ type: 'speech-end', atMs, speechEndMs: atMs });
    }
    this.feedTranscript(atMs, actions);
  }

  private feedTranscript(atMs: number, actions: TurnAction[]): void {
    const text = this.semantics ? this.transcript : '';
    this.feed({ type: 'transcript', atMs, text, final: this.settled }, actions);
  }

  /** Every signal goes through the policy; in a pause, its answer is acted on. */
  private feed(signal: TurnSignal, actions: TurnAction[]): void {
    const decision = this.policy.update(signal);
    if (this.state === 'paused') this.decide(decision, signal.atMs, actions);
  }

  private clearWords(): void {
    this.finals = [];
    this.partial = '';
    this.settled = false;
  }

  // ---------- decisions ----------

  private preempt(atMs: number, text: string, actions: TurnAction[]): void {
    if (this.preemptedText !== undefined && sameWords(this.preemptedText, text)) return;
    if (this.preemptedText !== undefined) actions.push({ type: 'preempt-cancel', atMs });
    this.preemptedText = text;
    actions.push({ type: 'preempt', atMs, text });
  }

  private decide(decision: EndOfTurnDecision, atMs: number, actions: TurnAction[]): void {
    this.decision = decision;
    const text = this.transcript;
    if (this.heldForRecovery) return;
    if (this.forcedAtMs !== undefined && this.state === 'paused') {
      // The user said they are done: answer once the words are settled (or the wait for them ran out).
      if (this.settled || atMs >= this.forcedAtMs + this.forcedWaitMs()) {
        if (!this.holdForRecovery(text)) this.endTurn(atMs, text, 'forced', 'user-done', this.policy.signals(), actions);
      }
      return;
    }
    if (decision.type === 'wait-until') {
      // Settled words that do not read as unfinished: prepare the reply while the wait runs.
      if (this.preemptive && this.settled && text && decision.turnClass !== 'incomplete') this.preempt(atMs, text, actions);
      return;
    }
    if (decision.type !== 'end-of-turn') return;
    if (this.holdForRecovery(text)) return;
    this.endTurn(atMs, text, decision.turnClass, decision.by, decision.signals, actions);
  }

  /** How long a forced end waits for the STT to settle the words (a batch STT's final is on its way: the cap). */
  private forcedWaitMs(): number {
    const o = this.policy.options;
    return this.policy.wordsOnTheirWay() ? o.incompleteWaitMs : o.uncertainWaitMs;
  }

  /**
   * No words yet while the STT reconnects: they are in its replay buffer. The pause is held until it
   * is back (or gone for good), then ends as if the user said they were done.
   */
  private holdForRecovery(text: string): boolean {
    if (text || !this.recovering) return false;
    this.heldForRecovery = true;
    this.forcedAtMs = undefined;
    this.decision = { type: 'wait-for-speech' };
    return true;
  }

  private endTurn(atMs: number, text: string, turnClass: TurnClass | 'forced', by: EndOfTurnBy, signals: TurnSignals, actions: TurnAction[]): void {
    this.state = 'decided';
    this.forcedAtMs = undefined;
    this.decision = { type: 'wait-for-speech' };
    const preempted = this.preemptedText !== undefined && sameWords(this.preemptedText, text);
    if (this.preemptedText !== undefined && !preempted) actions.push({ type: 'preempt-cancel', atMs });
    this.preemptedText = undefined;
    // Answered on interim words: the STT's final for them is still to come and must not start a new turn.
    this.answeredInterim = !this.settled && this.partial.trim() !== '' ? this.partial : undefined;
    const lastFinalAtMs = this.lastFinalAtMs;
    this.lastFinalAtMs = undefined;
    this.clearWords();
    if (!text) {
      actions.push({ type: 'no-words', atMs });
      return;
    }
    const speechEndMs = this.lastVoicedEnd.atMs;
    const sttFinalMs = sttFinalAt(lastFinalAtMs, { speechEndMs, atMs });
    actions.push({ type: 'end-of-turn', atMs, text, speechEndMs, speechEndStreamMs: this.lastVoicedEnd.streamMs, sttFinalMs, delayMs: atMs - speechEndMs, turnClass, by, signals, preempted });
  }
}

/**
 * When the words a turn was answered on were final: the STT's last final, if it came after the
 * speech ended (it carried the last words); else the decision itself (the turn was answered on
 * interim words, taken as final then). A final from before the speech ended was for earlier words
 * (or an earlier turn), and would show a negative STT span.
 */
export function sttFinalAt(lastFinalAt: number | undefined, decision: { speechEndMs: number; atMs: number }): number {
  return lastFinalAt !== undefined && lastFinalAt >= decision.speechEndMs ? lastFinalAt : decision.atMs;
}

/** Word-equivalent: the same words, ignoring case and punctuation. */
export function sameWords(a: string, b: string): boolean {
  const words = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').split(/\s+/).filter(Boolean).join(' ');
  return words(a) === words(b);
}
