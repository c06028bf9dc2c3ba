import { LatencyMarkSchema, type LatencyMarkName, type TurnDecision } from '../../shared/conversation.js';
import type { Clock } from '../clock.js';

/**
 * The marks of one turn, in order (docs/DESIGN.md): the user stops speaking, the turn is judged over, the
 * transcript is final, the LLM's first token, the first speakable sentence, the TTS's first audio
 * byte, the first audio actually played (the names are the shared contract's). Voice-to-voice = firstAudioPlayed - speechEnd.
 */
export const LATENCY_MARKS: readonly LatencyMarkName[] = LatencyMarkSchema.options;
export type LatencyMark = LatencyMarkName;

export interface TurnLatencyReport {
  /** Each mark in ms after speechEnd (negative when it came first, e.g. an STT final before the VAD's hangover ended). */
  spans: Partial<Record<LatencyMark, number>>;
  voiceToVoiceMs?: number;
  /** Clock time of the origin (speechEnd), to place the turn on a timeline. */
  originAt?: number;
  /** Speech-to-speech: how long the model spoke while the user was speaking (ms). */
  overlapMs?: number;
  /** Cascade: how the end of the user's turn was decided. */
  decision?: TurnDecision;
  /** Where the user's speech ended in the input stream (ms from its start). */
  speechEndStreamMs?: number;
}

export class TurnLatency {
  private readonly marks = new Map<LatencyMark, number>();
  /** How the end of turn was decided (cascade). */
  decision: TurnDecision | undefined;
  /** Where the user's speech ended in the input stream (ms). */
  speechEndStreamMs: number | undefined;

  constructor(private readonly clock: Clock) {}

  /** Records a mark once (the first occurrence counts). */
  mark(name: LatencyMark, at: number = this.clock.now()): void {
    if (!this.marks.has(name)) this.marks.set(name, at);
  }

  has(name: LatencyMark): boolean {
    return this.marks.has(name);
  }

  at(name: LatencyMark): number | undefined {
    return this.marks.get(name);
  }

  report(): TurnLatencyReport {
    const origin = this.marks.get('speechEnd') ?? this.marks.get('endOfTurn');
    const spans: Partial<Record<LatencyMark, number>> = {};
    if (origin === undefined) return { spans };
    for (const name of LATENCY_MARKS) {
      const t = this.marks.get(name);
      if (t !== undefined) spans[name] = round(t - origin);
    }
    const played = this.marks.get('firstAudioPlayed');
    const speechEnd = this.marks.get('speechEnd');
    const report: TurnLatencyReport = played !== undefined && speechEnd !== undefined ? { spans, voiceToVoiceMs: round(played - speechEnd), originAt: origin } : { spans, originAt: origin };
    if (this.decision) report.decision = this.decision;
    if (this.speechEndStreamMs !== undefined) report.speechEndStreamMs = Math.round(this.speechEndStreamMs);
    return report;
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
