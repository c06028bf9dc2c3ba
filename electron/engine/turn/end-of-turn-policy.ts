import { classifyTranscript, type TranscriptVerdict } from './transcript-semantics.js';

/** End-of-turn policy settings. All durations in ms, measured from the end of the user's speech. */
export interface EndOfTurnOptions {
  /** Silence after which the STT should be asked to finalize, so its final is ready for the decision. Default 100. */
  finalizeSttAfterMs?: number;
  /** Wait when every signal that is in agrees the turn is complete. Default 200 (target: end of turn <= 300 ms after speech). */
  completeWaitMs?: number;
  /** Wait when nothing says unfinished but nothing is sure either (no punctuation, no model). Default 800. */
  uncertainWaitMs?: number;
  /** Wait when a signal says unfinished ("a flight to", Smart Turn below its threshold); the cap of every wait. Default 3000, as Pipecat. */
  incompleteWaitMs?: number;
  /** Hold a "complete" decision until the STT's final for this pause has arrived (up to uncertainWaitMs). Default true. */
  awaitSttFinal?: boolean;
  /** Hold a "complete" decision until Smart Turn has scored this pause (set when a detector runs). Default false. */
  awaitSmartTurn?: boolean;
  /**
   * Hold a "complete" decision until the STT's own turn signal says so (set for STTs that judge
   * turns: Deepgram Flux, Gradium, Kyutai). Words that read complete are then confirmed by the
   * provider's model, and a full stop the STT put at a pause no longer ends the turn alone. Default false.
   */
  awaitProvider?: boolean;
  /**
   * The STT gives words only as the final that a finalize asks for (a batch transcription server:
   * no partials, and the final takes as long as the server's inference). A pause with no words yet
   * then waits for that final up to incompleteWaitMs instead of ending on silence. Default false.
   */
  finalsOnly?: boolean;
  /** Smart Turn probability above which it votes complete. Default 0.5. */
  smartTurnThreshold?: number;
  /** Transcript language for the semantics rules. Default 'en'. */
  language?: string;
}

export type ResolvedEndOfTurnOptions = Required<EndOfTurnOptions>;

export const DEFAULT_END_OF_TURN: ResolvedEndOfTurnOptions = {
  finalizeSttAfterMs: 100,
  completeWaitMs: 200,
  uncertainWaitMs: 800,
  incompleteWaitMs: 3000,
  awaitSttFinal: true,
  awaitSmartTurn: false,
  awaitProvider: false,
  finalsOnly: false,
  smartTurnThreshold: 0.5,
  language: 'en',
};

/** What the policy hears. `atMs` is the injected Clock's time when the event happened. */
export type TurnSignal =
  | { type: 'speech-start'; atMs: number }
  /** The VAD heard silence; `speechEndMs` is when the speech actually stopped (before the VAD's hangover). */
  | { type: 'speech-end'; atMs: number; speechEndMs: number }
  /** The transcript of the whole turn so far; `final` = the STT has settled it for the audio heard. */
  | { type: 'transcript'; atMs: number; text: string; final: boolean }
  | { type: 'smart-turn'; atMs: number; probability: number }
  /** A provider's own end-of-turn signal (Deepgram Flux EndOfTurn, Gradium / Kyutai inactivity). */
  | { type: 'provider'; atMs: number; endOfTurn: boolean; probability?: number }
  /** Time passed; lets a pending deadline fire. */
  | { type: 'tick'; atMs: number };

export type Vote = { vote: 'complete' | 'incomplete'; strong: boolean } | { vote: 'unknown' };

/** Every signal's opinion on the current pause, for the decision and the latency panel. */
export interface TurnSignals {
  semantics: Vote & { verdict?: TranscriptVerdict; final: boolean };
  smartTurn: Vote & { probability?: number };
  provider: Vote & { probability?: number };
}

/** complete: the signals agree; incomplete: one says unfinished; uncertain: neither. */
export type TurnClass = 'complete' | 'uncertain' | 'incomplete';

export type EndOfTurnDecision =
  /** The user is speaking, or has not started: nothing to decide yet. */
  | { type: 'wait-for-speech' }
  /** Silence: end the turn at `atMs` unless something changes first. */
  | { type: 'wait-until'; atMs: number; turnClass: TurnClass; finalizeSttAtMs?: number; signals: TurnSignals }
  /** Decided: the user's turn is over. */
  | {
      type: 'end-of-turn';
      atMs: number;
      speechEndMs: number;
      /** atMs - speechEndMs. */
      delayMs: number;
      turnClass: TurnClass;
      /** What made the decision: the signals that agreed, or the wait that ran out. */
      by: Array<'semantics' | 'smart-turn' | 'provider'> | 'silence' | 'incomplete-timeout';
      signals: TurnSignals;
    };

const UNKNOWN: Vote = { vote: 'unknown' };

/**
 * The combined end-of-turn decision as a pure state machine: no timers, no clock of its own.
 * Feed it events stamped with the injected Clock's time (and ticks while waiting); each call
 * answers "wait for speech", "wait until t" or "end of turn now". Speaking again re-opens the turn.
 */
export class EndOfTurnPolicy {
  readonly options: ResolvedEndOfTurnOptions;
  private speaking = false;
  private speechEndMs: number | undefined;
  private lastAtMs = -Infinity;
  private transcript = { text: '', final: false };
  private smartTurn: number | undefined;
  private provider: { endOfTurn: boolean; probability?: number } | undefined;
  private decided = false;

  constructor(options: EndOfTurnOptions = {}) {
    const o = { ...DEFAULT_END_OF_TURN, ...stripUndefined(options) };
    for (const key of ['finalizeSttAfterMs', 'completeWaitMs', 'uncertainWaitMs', 'incompleteWaitMs'] as const) {
      if (!(o[key] >= 0 && Number.isFinite(o[key]))) throw new RangeError(`${key} must be a finite number of ms >= 0, got ${o[key]}`);
    }
    if (!(o.completeWaitMs <= o.uncertainWaitMs && o.uncertainWaitMs <= o.incompleteWaitMs)) {
      throw new RangeError(`waits must grow: complete ${o.completeWaitMs} <= uncertain ${o.uncertainWaitMs} <= incomplete ${o.incompleteWaitMs}`);
    }
    if (!(o.smartTurnThreshold > 0 && o.smartTurnThreshold < 1)) throw new RangeError(`smartTurnThreshold must be in (0, 1), got ${o.smartTurnThreshold}`);
    this.options = o;
  }

  /** Takes one event and says what to do now. */
  update(event: TurnSignal): EndOfTurnDecision {
    if (event.atMs < this.lastAtMs) throw new RangeError(`turn signals must come in time order (${event.atMs} after ${this.lastAtMs})`);
    this.lastAtMs = event.atMs;
    switch (event.type) {
      case 'speech-start':
        if (this.decided) this.startTurn();
        this.speaking = true;
        // A new stretch of speech: the pause's audio opinions are stale and more words are coming.
        this.smartTurn = undefined;
        this.provider = undefined;
        this.transcript.final = false;
        break;
      case 'speech-end':
        if (this.decided) this.startTurn();
        this.speaking = false;
        this.speechEndMs = event.speechEndMs;
        break;
      case 'transcript':
        if (!this.decided) this.transcript = { text: event.text, final: event.final };
        break;
      case 'smart-turn':
        if (!this.speaking && !this.decided) this.smartTurn = event.probability;
        break;
      case 'provider':
        if (!this.decided) this.provider = event.probability === undefined ? { endOfTurn: event.endOfTurn } : { endOfTurn: event.endOfTurn, probability: event.probability };
        break;
      case 'tick':
        break;
    }
    return this.decide(event.atMs);
  }

  /** Forget the turn (e.g. a new session). */
  reset(): void {
    this.startTurn();
    this.lastAtMs = -Infinity;
  }

  /** The signals as they stand (for the latency panel). */
  signals(): TurnSignals {
    const text = this.transcript.text;
    let semantics: TurnSignals['semantics'] = { ...UNKNOWN, final: this.transcript.final };
    if (text.trim() !== '') {
      const verdict = classifyTranscript(text, this.options.language);
      // An interim transcript may still change: its "complete" is never strong.
      const strong = verdict.strength === 'strong' && (verdict.completeness === 'incomplete' || this.transcript.final);
      semantics = verdict.reason === 'empty' ? semantics : { vote: verdict.completeness, strong, verdict, final: this.transcript.final };
    }
    const smartTurn: TurnSignals['smartTurn'] =
      this.smartTurn === undefined ? UNKNOWN : { vote: this.smartTurn > this.options.smartTurnThreshold ? 'complete' : 'incomplete', strong: true, probability: this.smartTurn };
    const providerVote: Vote = this.provider?.endOfTurn ? { vote: 'complete', strong: true } : UNKNOWN;
    const provider: TurnSignals['provider'] = this.provider?.probability === undefined ? providerVote : { ...providerVote, probability: this.provider.probability };
    return { semantics, smartTurn, provider };
  }

  /** A batch STT (finalsOnly) has not answered this pause yet and no words are in: they may still come. */
  wordsOnTheirWay(): boolean {
    return this.options.finalsOnly && !this.transcript.final && this.transcript.text.trim() === '';
  }

  private startTurn(): void {
    this.decided = false;
    this.speaking = false;
    this.speechEndMs = undefined;
    this.transcript = { text: '', final: false };
    this.smartTurn = undefined;
    this.provider = undefined;
  }

  private decide(now: number): EndOfTurnDecision {
    if (this.speaking || this.decided || this.speechEndMs === undefined) return { type: 'wait-for-speech' };
    const o = this.options;
    const end = this.speechEndMs;
    const signals = this.signals();
    const votes: Array<[name: 'semantics' | 'smart-turn' | 'provider', vote: Vote]> = [
      ['semantics', signals.semantics],
      ['smart-turn', signals.smartTurn],
      ['provider', signals.provider],
    ];
    const agreeing = votes.filter(([, v]) => v.vote === 'complete' && v.strong).map(([name]) => name);
    const doubting = votes.filter(([, v]) => v.vote === 'incomplete').map(([name, v]) => [name, v.vote === 'incomplete' && v.strong] as const);
    // Signals the owner said to wait for, still missing for this pause.
    const pending = (o.awaitSttFinal && !this.transcript.final) || (o.awaitSmartTurn && this.smartTurn === undefined) || (o.awaitProvider && !this.provider?.endOfTurn);
    // Unfinished words ("a flight to") always win: answering into that pause is the failure to avoid.
    // An audio-only doubt against sure words ("...?") only slows the answer down.
    const wordsUnfinished = signals.semantics.vote === 'incomplete' && signals.semantics.strong;
    const strongDoubt = doubting.some(([, strong]) => strong);

    let turnClass: TurnClass;
    let wait: number;
    if (wordsUnfinished || (strongDoubt && agreeing.length === 0)) {
      turnClass = 'incomplete';
      wait = o.incompleteWaitMs;
    } else if (agreeing.length > 0 && doubting.length === 0 && !pending) {
      turnClass = 'complete';
      wait = o.completeWaitMs;
    } else if (doubting.length === 0 && !pending && signals.semantics.vote === 'complete') {
      // Settled words with no cue either way ("book a table for two people", unpunctuated): likely
      // done, but a full stop or a question would be surer. Twice the sure wait, within the unsure one.
      turnClass = 'uncertain';
      wait = Math.min(o.uncertainWaitMs, 2 * o.completeWaitMs);
    } else {
      turnClass = 'uncertain';
      // An STT that judges turns and has not called this one: its silence is a doubt; the cap applies.
      // So is a batch STT's final still to come with no words yet: they are on their way.
      wait = (o.awaitProvider && !this.provider?.endOfTurn) || this.wordsOnTheirWay() ? o.incompleteWaitMs : o.uncertainWaitMs;
    }
    const deadline = end + wait;
    if (now >= deadline) {
      this.decided = true;
      const by = turnClass === 'complete' ? agreeing : turnClass === 'incomplete' ? 'incomplete-timeout' : 'silence';
      return { type: 'end-of-turn', atMs: now, speechEndMs: end, delayMs: now - end, turnClass, by, signals };
    }
    const decision: EndOfTurnDecision = { type: 'wait-until', atMs: deadline, turnClass, signals };
    if (!this.transcript.final) decision.finalizeSttAtMs = end + o.finalizeSttAfterMs;
    return decision;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
