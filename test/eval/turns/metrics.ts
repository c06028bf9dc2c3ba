// Scores end-of-turn decisions against the labels. Pure: no audio, no clock.

/** What scoring needs from a case's labels. */
export interface TurnTruth {
  id: string;
  /** The intended turn's speech: it ends at endMs. */
  turn: { startMs: number; endMs: number };
  /** Mid-turn pauses, in order. 'short': a comma or a breath (100-500 ms); otherwise a hesitation. */
  pauses: Array<{ startMs: number; endMs: number; kind?: 'hesitation' | 'short' }>;
}

export interface CaseScore {
  id: string;
  /** Indexes of mid-turn pauses the policy answered into (or answered over speech right after). */
  cutOffPauses: number[];
  /** Decisions before the turn's end that fell in no pause (over speech, or before it started). */
  cutOffsOverSpeech: number;
  /** Delay of the first decision after the turn ended (undefined: never answered). */
  delayMs: number | undefined;
  /** Decisions after the answer (the turn answered twice). */
  extraAnswers: number;
  /** Exactly one answer, after the turn's end, and nothing before. */
  clean: boolean;
}

/** Scores one case: every decision before the turn's end is a false cut-off, the first one after it the answer. */
export function scoreCase(truth: TurnTruth, decisionTimesMs: number[]): CaseScore {
  const cut = new Set<number>();
  let overSpeech = 0;
  let delayMs: number | undefined;
  let extra = 0;
  for (const t of [...decisionTimesMs].sort((a, b) => a - b)) {
    if (t < truth.turn.endMs) {
      // In a pause, or over the speech that resumed after it (a late answer still talks over the user).
      let pause = -1;
      for (const [i, p] of truth.pauses.entries()) if (t >= p.startMs) pause = i;
      if (pause >= 0) cut.add(pause);
      else overSpeech++;
    } else if (delayMs === undefined) {
      delayMs = t - truth.turn.endMs;
    } else {
      extra++;
    }
  }
  const cutOffPauses = [...cut].sort((a, b) => a - b);
  return { id: truth.id, cutOffPauses, cutOffsOverSpeech: overSpeech, delayMs, extraAnswers: extra, clean: cut.size === 0 && overSpeech === 0 && delayMs !== undefined && extra === 0 };
}

export interface PolicyMetrics {
  cases: number;
  midTurnPauses: number;
  /** Mid-turn pauses answered into, over all mid-turn pauses. */
  falseCutOffRate: number;
  hesitations: number;
  /** Hesitations (pauses of 500 ms or more) answered into, over all hesitations. */
  hesitationCutOffRate: number;
  /** Cases with at least one false cut-off (in a pause or over speech), over cases with mid-turn pauses. */
  turnsCutOffRate: number;
  /** End-of-turn delay after the real end of speech, over answered turns. */
  medianDelayMs: number | undefined;
  p90DelayMs: number | undefined;
  unanswered: number;
  /** Cases answered exactly once, at the right time. */
  cleanRate: number;
}

/** Nearest-rank percentile (q in [0, 1]) of a non-empty list. */
export function percentile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export function aggregate(truths: TurnTruth[], scores: CaseScore[]): PolicyMetrics {
  const pauses = truths.reduce((n, t) => n + t.pauses.length, 0);
  const withPauses = truths.filter((t) => t.pauses.length > 0).length;
  const cut = scores.reduce((n, s) => n + s.cutOffPauses.length, 0);
  const isHesitation = (p: TurnTruth['pauses'][number]) => p.kind !== 'short';
  const hesitations = truths.reduce((n, t) => n + t.pauses.filter(isHesitation).length, 0);
  const hesitationsCut = scores.reduce((n, s, i) => n + s.cutOffPauses.filter((k) => isHesitation(truths[i]!.pauses[k]!)).length, 0);
  const turnsCut = scores.filter((s, i) => truths[i]!.pauses.length > 0 && (s.cutOffPauses.length > 0 || s.cutOffsOverSpeech > 0)).length;
  const delays = scores.map((s) => s.delayMs).filter((d): d is number => d !== undefined);
  return {
    cases: scores.length,
    midTurnPauses: pauses,
    falseCutOffRate: pauses === 0 ? 0 : cut / pauses,
    hesitations,
    hesitationCutOffRate: hesitations === 0 ? 0 : hesitationsCut / hesitations,
    turnsCutOffRate: withPauses === 0 ? 0 : turnsCut / withPauses,
    medianDelayMs: delays.length ? percentile(delays, 0.5) : undefined,
    p90DelayMs: delays.length ? percentile(delays, 0.9) : undefined,
    unanswered: scores.length - delays.length,
    cleanRate: scores.length === 0 ? 0 : scores.filter((s) => s.clean).length / scores.length,
  };
}

/** One setting of a policy's knobs and what it scored. */
export interface SweepPoint {
  setting: string;
  falseCutOffRate: number;
  medianDelayMs: number | undefined;
}

/**
 * eot-bench style point: the lowest false cut-off rate the policy reaches while its median end-of-turn
 * delay stays within `budgetMs` (over the settings swept). undefined: no setting is that fast.
 */
export function pointAtBudget(points: SweepPoint[], budgetMs: number): SweepPoint | undefined {
  const within = points.filter((p) => p.medianDelayMs !== undefined && p.medianDelayMs <= budgetMs);
  if (within.length === 0) return undefined;
  return within.reduce((best, p) => (p.falseCutOffRate < best.falseCutOffRate || (p.falseCutOffRate === best.falseCutOffRate && p.medianDelayMs! < best.medianDelayMs!) ? p : best));
}
