// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
// The latency charts' arithmetic: scales, ticks, the per-stage stacking and the sentence that says
// which architecture answered sooner. No DOM here; the components only place what this computes.
import type { LatencyMarkName } from '../../../electron/shared/conversation.js';

/** A latency as people read it: "812 ms" under a second, "1.21 s" from a second on. */
export function formatLatency(ms: number): string {
  const v = Math.round(ms);
  if (Math.abs(v) < 1000) return `${v} ms`;
  // (In hundredths first: toFixed rounds 1.615 down, its binary value being just under.)
  return `${(Math.round(v / 10) / 100).toFixed(2)} s`;
}

/** A tick's label on an axis in ms: the number alone (the axis says "ms"). */
export function formatTick(ms: number): string {
  return String(Math.round(ms));
}

/**
 * Round ticks that cover `min` (0 or below) to `max` in about `count` steps of 1, 2, 2.5 or 5 times a
 * power of ten, 0 among them: the axis runs from the first tick to the last, so bars on it are scaled to
 * the axis, not to the largest value.
 */
export function niceTicks(max: number, count = 4, min = 0): { start: number; end: number; ticks: number[] } {
  const top = Number.isFinite(max) && max > 0 ? max : 0;
  const bottom = Number.isFinite(min) && min < 0 ? min : 0;
  const span = top - bottom > 0 ? top - bottom : 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw - 1e-9) ?? 10 * power;
  const first = Math.floor(bottom / step + 1e-9);
  const last = Math.max(first + 1, Math.ceil((top > 0 ? top : span) / step - 1e-9));
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => round((first + i) * step));
  return { start: ticks[0]!, end: ticks.at(-1)!, ticks };
}

/**
 * On a narrow axis (about 100 px), which ticks get a label (by index): all when their labels are short
 * enough for the room between ticks; otherwise 0 and the last, and the others only two ticks away from
 * any labelled one (from the last backwards), so labels never touch.
 */
export function labelledTicks(ticks: readonly number[]): Set<number> {
  const last = ticks.length - 1;
  const longest = Math.max(...ticks.map((t) => formatTick(t).length));
  if (last * (longest + 1) <= 16) return new Set(ticks.keys());
  const picked = new Set<number>([last]);
  const zero = ticks.indexOf(0);
  if (zero >= 0) picked.add(zero);
  for (let i = last - 1; i >= 0; i--) if (![...picked].some((p) => Math.abs(p - i) < 2)) picked.add(i);
  return picked;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/** Where a value sits on a linear scale from `min` to `end`, in percent (clamped to the track). */
export function percentOf(value: number, end: number, min = 0): number {
  const range = end - min;
  if (!(range > 0)) return 0;
  return Math.min(100, Math.max(0, ((value - min) / range) * 100));
}

/** The latest moment any stage of a turn reached (ms after the user stopped speaking), at least its voice-to-voice. */
export function latestMark(latency: { spans: Partial<Record<LatencyMarkName, number>>; voiceToVoiceMs?: number }): number {
  return Math.max(0, latency.voiceToVoiceMs ?? 0, ...Object.values(latency.spans).map((v) => v ?? 0));
}

/** The earliest mark (a reply prepared before the turn was judged over can start before 0), at most 0. */
export function earliestMark(latency: { spans: Partial<Record<LatencyMarkName, number>> }): number {
  return Math.min(0, ...Object.values(latency.spans).map((v) => v ?? 0));
}

/** The stages of a voice-to-voice delay, in the order they hold the answer up. */
export const STACK_STAGES: readonly { mark: LatencyMarkName; label: string }[] = [
  { mark: 'endOfTurn', label: 'End of turn' },
  { mark: 'sttFinal', label: 'STT final' },
  { mark: 'llmFirstToken', label: 'LLM first token' },
  { mark: 'firstSentence', label: 'First sentence' },
  { mark: 'ttsFirstByte', label: 'TTS first byte' },
  { mark: 'firstAudioPlayed', label: 'Playback' },
];

export interface StackSegment {
  mark: LatencyMarkName;
  label: string;
  /** Where the segment starts and how long it is (ms after the user stopped speaking). */
  start: number;
  ms: number;
}

/**
 * A turn's voice-to-voice split by stage, for a stacked bar: each stage gets the time it added after
 * every stage before it was done (its mark minus the latest earlier mark), so the segments follow one
 * another, never overlap and add up to the latest mark. A stage that finished in the shadow of an
 * earlier one (the STT final before the end of turn) adds nothing; a missing mark is left out.
 */
export function stackTurn(spans: Partial<Record<LatencyMarkName, number>>): StackSegment[] {
  const segments: StackSegment[] = [];
  let reached = 0;
  for (const { mark, label } of STACK_STAGES) {
    const at = spans[mark];
    if (at === undefined) continue;
    const ms = Math.max(0, at - reached);
    segments.push({ mark, label, start: reached, ms });
    reached = Math.max(reached, at);
  }
  return segments;
}

/** Nearest-rank percentile (as the session's median and p90 are), undefined for no values. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Per stage over the session: the median time it added (stackTurn) over the turns that reached it. */
export function stageMedians(turns: readonly Partial<Record<LatencyMarkName, number>>[]): { mark: LatencyMarkName; label: string; median: number; turns: number }[] {
  const stacks = turns.map(stackTurn);
  return STACK_STAGES.flatMap(({ mark, label }) => {
    const values = stacks.flatMap((s) => s.filter((x) => x.mark === mark).map((x) => x.ms));
    const median = percentile(values, 0.5);
    return median === undefined ? [] : [{ mark, label, median, turns: values.length }];
  });
}

/** Which turn numbers to print under a bar chart of `count` bars: all of them, or every k-th (and the last) so at most `max` show. */
export function labelledIndexes(count: number, max = 10): Set<number> {
  if (count <= max) return new Set(Array.from({ length: count }, (_, i) => i));
  const every = Math.ceil(count / max);
  const picked = new Set<number>();
  for (let i = 0; i < count; i += every) picked.add(i);
  // The last bar is labelled too, unless it would crowd the one before it.
  if (!picked.has(count - 1)) {
    if (count - 1 - Math.max(...picked) < every / 2) picked.delete(Math.max(...picked));
    picked.add(count - 1);
  }
  return picked;
}

export interface CompareSide {
  /** The architecture, as a sentence names it ("Speech-to-speech", "The cascade"). */
  name: string;
  voiceToVoiceMs?: number;
  failed?: boolean;
}

const lower = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/**
 * The comparison in words: "Speech-to-speech answered 412 ms sooner (1.21 s vs 1.62 s)."; a side that
 * failed or was not measured is said as such; equal times (to the millisecond) are said to be equal.
 */
export function compareSentence(a: CompareSide, b: CompareSide): string {
  const timed = (s: CompareSide) => !s.failed && s.voiceToVoiceMs !== undefined;
  if (timed(a) && timed(b)) {
    const [fast, slow] = Math.round(a.voiceToVoiceMs!) <= Math.round(b.voiceToVoiceMs!) ? [a, b] : [b, a];
    const diff = Math.round(slow.voiceToVoiceMs!) - Math.round(fast.voiceToVoiceMs!);
    if (diff === 0) return `Both answered in ${formatLatency(fast.voiceToVoiceMs!)}.`;
    return `${fast.name} answered ${formatLatency(diff)} sooner (${formatLatency(fast.voiceToVoiceMs!)} vs ${formatLatency(slow.voiceToVoiceMs!)}).`;
  }
  if (!timed(a) && !timed(b)) {
    if (a.failed && b.failed) return 'Neither architecture answered.';
    if (a.failed || b.failed) {
      const [bad, other] = a.failed ? [a, b] : [b, a];
      return `${bad.name} failed; ${lower(other.name)} answered, but its time was not measured.`;
    }
    return 'Neither answer was timed.';
  }
  const [ok, other] = timed(a) ? [a, b] : [b, a];
  const why = other.failed ? `${lower(other.name)} failed` : `${lower(other.name)}’s time was not measured`;
  return `Only ${lower(ok.name)} has a time: ${formatLatency(ok.voiceToVoiceMs!)} (${why}).`;
}
