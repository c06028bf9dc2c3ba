import { describe, expect, it } from 'vitest';
import { aggregate, percentile, pointAtBudget, scoreCase, type TurnTruth } from '../../../eval/turns/metrics.js';

// A turn "I want a flight to ... Boston.": speech 500-2000, pause 2000-2700, speech 2700-4000.
const flight: TurnTruth = { id: 'flight', turn: { startMs: 500, endMs: 4000 }, pauses: [{ startMs: 2000, endMs: 2700 }] };
const question: TurnTruth = { id: 'question', turn: { startMs: 500, endMs: 2500 }, pauses: [] };

describe('turn eval metrics', () => {
  it('an answer into the mid-turn pause is a false cut-off; the first answer after the end gives the delay', () => {
    const s = scoreCase(flight, [2600, 4250]);
    expect(s.cutOffPauses).toEqual([0]);
    expect(s.delayMs).toBe(250);
    expect(s.clean).toBe(false);
  });

  it('an answer that lands after the user resumed still counts against the pause before it', () => {
    expect(scoreCase(flight, [2900, 4300]).cutOffPauses).toEqual([0]);
  });

  it('one answer after the end is clean; a second is an extra answer', () => {
    expect(scoreCase(question, [2800])).toMatchObject({ clean: true, delayMs: 300, extraAnswers: 0 });
    expect(scoreCase(question, [2800, 3500])).toMatchObject({ clean: false, extraAnswers: 1 });
  });

  it('no answer at all leaves the turn unanswered', () => {
    expect(scoreCase(question, [])).toMatchObject({ delayMs: undefined, clean: false });
  });

  it('aggregates rates over pauses and delays over answered turns', () => {
    const truths = [flight, question];
    const m = aggregate(truths, [scoreCase(flight, [2400, 4600]), scoreCase(question, [2700])]);
    expect(m.falseCutOffRate).toBe(1);
    expect(m.hesitationCutOffRate).toBe(1);
    expect(m.turnsCutOffRate).toBe(1);
    expect(m.medianDelayMs).toBe(200);
    expect(m.p90DelayMs).toBe(600);
    expect(m.cleanRate).toBe(0.5);
  });

  it('short pauses (commas, breaths) count among all pauses but not among hesitations', () => {
    const listed: TurnTruth = { id: 'list', turn: { startMs: 500, endMs: 4000 }, pauses: [{ startMs: 1000, endMs: 1180, kind: 'short' }, { startMs: 2000, endMs: 2700, kind: 'hesitation' }] };
    const m = aggregate([listed], [scoreCase(listed, [1150, 4200])]);
    expect(m.falseCutOffRate).toBe(0.5);
    expect(m.hesitationCutOffRate).toBe(0);
  });

  it('nearest-rank percentiles', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
  });

  it('the budget point is the fewest cut-offs among settings fast enough, or none', () => {
    const points = [
      { setting: 'fast', falseCutOffRate: 0.5, medianDelayMs: 200 },
      { setting: 'mid', falseCutOffRate: 0.1, medianDelayMs: 290 },
      { setting: 'slow', falseCutOffRate: 0, medianDelayMs: 900 },
    ];
    expect(pointAtBudget(points, 300)?.setting).toBe('mid');
    expect(pointAtBudget(points, 1000)?.setting).toBe('slow');
    expect(pointAtBudget(points, 100)).toBeUndefined();
  });
});
