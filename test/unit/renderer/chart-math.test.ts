import { describe, expect, it } from 'vitest';
import { labelledTicks, compareSentence, earliestMark, formatLatency, labelledIndexes, latestMark, niceTicks, percentOf, percentile, stackTurn, stageMedians } from '../../../renderer/src/conversation/chart-math.js';

describe('latency chart maths', () => {
  it('latencies read in ms under a second and in seconds from one on', () => {
    expect(formatLatency(412.4)).toBe('412 ms');
    expect(formatLatency(999.4)).toBe('999 ms');
    expect(formatLatency(1210)).toBe('1.21 s');
    expect(formatLatency(1615)).toBe('1.62 s');
    expect(formatLatency(0)).toBe('0 ms');
  });

  it('ticks are round steps from 0 that cover the largest value; the axis ends at the last tick', () => {
    expect(niceTicks(1620, 4)).toEqual({ start: 0, end: 2000, ticks: [0, 500, 1000, 1500, 2000] });
    expect(niceTicks(812, 4)).toEqual({ start: 0, end: 1000, ticks: [0, 250, 500, 750, 1000] });
    expect(niceTicks(90, 4)).toEqual({ start: 0, end: 100, ticks: [0, 25, 50, 75, 100] });
    expect(niceTicks(2000, 4)).toEqual({ start: 0, end: 2000, ticks: [0, 500, 1000, 1500, 2000] });
    expect(niceTicks(3100, 3)).toEqual({ start: 0, end: 4000, ticks: [0, 2000, 4000] });
    // Nothing measured yet: still an axis.
    expect(niceTicks(0)).toEqual({ start: 0, end: 1, ticks: [0, 0.25, 0.5, 0.75, 1] });
    expect(niceTicks(Number.NaN).end).toBe(1);
  });

  it('an axis that starts below 0 (a mark before the user stopped speaking) has round ticks on both sides of 0', () => {
    expect(niceTicks(620, 4, -1651)).toEqual({ start: -2000, end: 1000, ticks: [-2000, -1000, 0, 1000] });
    expect(niceTicks(1620, 4, -120)).toEqual({ start: -500, end: 2000, ticks: [-500, 0, 500, 1000, 1500, 2000] });
    expect(niceTicks(1620, 4).start).toBe(0);
  });

  it('a narrow axis labels every tick when the labels fit, else 0, the last and others two ticks apart, so labels never touch', () => {
    const labelled = (ticks: number[]) => [...labelledTicks(ticks)].sort((a, b) => a - b).map((i) => ticks[i]);
    // Short labels with room between them: all.
    expect(labelled([0, 500, 1000])).toEqual([0, 500, 1000]);
    expect(labelled([0, 500, 1000, 1500])).toEqual([0, 500, 1000, 1500]);
    expect(labelled([0, 200, 400, 600, 800])).toEqual([0, 200, 400, 600, 800]);
    expect(labelled([0, 250, 500, 750, 1000])).toEqual([0, 500, 1000]);
    expect(labelled([0, 1000, 2000, 3000, 4000])).toEqual([0, 2000, 4000]);
    expect(labelled([-2000, -1000, 0, 1000])).toEqual([-2000, 0, 1000]);
    expect(labelled([-500, 0, 500, 1000, 1500, 2000])).toEqual([0, 1000, 2000]);
    expect(labelled([0, 1])).toEqual([0, 1]);
  });

  it('a value is placed in percent of the axis, clamped to it', () => {
    expect(percentOf(500, 2000)).toBe(25);
    expect(percentOf(-100, 1000, -200)).toBeCloseTo(100 / 12);
    expect(percentOf(3000, 2000)).toBe(100);
    expect(percentOf(-5, 2000)).toBe(0);
    expect(percentOf(5, 0)).toBe(0);
  });

  it('the latest and earliest marks bound a waterfall', () => {
    expect(latestMark({ spans: { endOfTurn: 200, firstAudioPlayed: 900 }, voiceToVoiceMs: 910 })).toBe(910);
    expect(latestMark({ spans: { endOfTurn: 200, firstAudioPlayed: 900 } })).toBe(900);
    expect(latestMark({ spans: {} })).toBe(0);
    expect(earliestMark({ spans: { llmFirstToken: -40, endOfTurn: 200 } })).toBe(-40);
    expect(earliestMark({ spans: { endOfTurn: 200 } })).toBe(0);
  });

  it('a turn stacks by stage: each stage adds the time after the stages before it, and the sum is the latest mark', () => {
    const spans = { endOfTurn: 200, sttFinal: 250, llmFirstToken: 600, firstSentence: 700, ttsFirstByte: 850, firstAudioPlayed: 900 };
    const stack = stackTurn(spans);
    expect(stack.map((s) => [s.mark, s.start, s.ms])).toEqual([
      ['endOfTurn', 0, 200],
      ['sttFinal', 200, 50],
      ['llmFirstToken', 250, 350],
      ['firstSentence', 600, 100],
      ['ttsFirstByte', 700, 150],
      ['firstAudioPlayed', 850, 50],
    ]);
    expect(stack.reduce((s, x) => s + x.ms, 0)).toBe(900);
    expect(stack.map((s) => s.label)).toEqual(['End of turn', 'STT final', 'LLM first token', 'First sentence', 'TTS first byte', 'Playback']);
  });

  it('a stage done in the shadow of an earlier one adds nothing, a missing one is left out, nothing starts before 0', () => {
    // The STT final came before the end of turn; the reply was prepared early (its first token before the end of turn).
    expect(stackTurn({ sttFinal: 120, endOfTurn: 300, llmFirstToken: 250, firstAudioPlayed: 700 }).map((s) => [s.mark, s.start, s.ms])).toEqual([
      ['endOfTurn', 0, 300],
      ['sttFinal', 300, 0],
      ['llmFirstToken', 300, 0],
      ['firstAudioPlayed', 300, 400],
    ]);
    // Speech-to-speech: only the audio.
    expect(stackTurn({ firstAudioPlayed: 640 })).toEqual([{ mark: 'firstAudioPlayed', label: 'Playback', start: 0, ms: 640 }]);
    expect(stackTurn({ endOfTurn: -20, firstAudioPlayed: 500 }).map((s) => [s.start, s.ms])).toEqual([
      [0, 0],
      [0, 500],
    ]);
  });

  it('percentiles are nearest-rank, and the per-stage medians skip turns without that stage', () => {
    expect(percentile([], 0.5)).toBeUndefined();
    expect(percentile([300, 100, 200], 0.5)).toBe(200);
    expect(percentile([100, 200, 300, 400], 0.5)).toBe(200);
    expect(percentile([100, 200, 300, 400], 0.9)).toBe(400);
    const medians = stageMedians([{ endOfTurn: 200, llmFirstToken: 500, firstAudioPlayed: 800 }, { endOfTurn: 300, llmFirstToken: 700, firstAudioPlayed: 900 }, { firstAudioPlayed: 650 }]);
    expect(medians).toEqual([
      { mark: 'endOfTurn', label: 'End of turn', median: 200, turns: 2 },
      { mark: 'llmFirstToken', label: 'LLM first token', median: 300, turns: 2 },
      { mark: 'firstAudioPlayed', label: 'Playback', median: 300, turns: 3 },
    ]);
  });

  it('turn numbers under many bars: every k-th and the last, at most about ten', () => {
    expect([...labelledIndexes(3)]).toEqual([0, 1, 2]);
    expect([...labelledIndexes(10)].length).toBe(10);
    const many = [...labelledIndexes(25)].sort((a, b) => a - b);
    expect(many).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24]);
    const crowded = [...labelledIndexes(21)].sort((a, b) => a - b);
    expect(crowded).toEqual([0, 3, 6, 9, 12, 15, 18, 20]);
    expect(crowded.length).toBeLessThanOrEqual(11);
  });
});

describe('the comparison in words', () => {
  const s2s = (ms?: number, failed?: boolean) => ({ name: 'Speech-to-speech', voiceToVoiceMs: ms, failed });
  const cascade = (ms?: number, failed?: boolean) => ({ name: 'The cascade', voiceToVoiceMs: ms, failed });

  it('names the faster one, by how much, and both times, whichever side it is on', () => {
    expect(compareSentence(cascade(1620), s2s(1208))).toBe('Speech-to-speech answered 412 ms sooner (1.21 s vs 1.62 s).');
    expect(compareSentence(s2s(1620), cascade(1208))).toBe('The cascade answered 412 ms sooner (1.21 s vs 1.62 s).');
    expect(compareSentence(s2s(640), cascade(2100))).toBe('Speech-to-speech answered 1.46 s sooner (640 ms vs 2.10 s).');
  });

  it('equal times (to the millisecond) are said to be equal', () => {
    expect(compareSentence(cascade(812.2), s2s(811.9))).toBe('Both answered in 812 ms.');
  });

  it('a failed or unmeasured side is said as such', () => {
    expect(compareSentence(cascade(1620), s2s(undefined, true))).toBe('Only the cascade has a time: 1.62 s (speech-to-speech failed).');
    expect(compareSentence(cascade(undefined, true), s2s(900))).toBe('Only speech-to-speech has a time: 900 ms (the cascade failed).');
    // A failed side's partial time does not count.
    expect(compareSentence(cascade(300, true), s2s(900))).toBe('Only speech-to-speech has a time: 900 ms (the cascade failed).');
    expect(compareSentence(cascade(1620), s2s())).toBe('Only the cascade has a time: 1.62 s (speech-to-speech’s time was not measured).');
    expect(compareSentence(cascade(undefined, true), s2s(undefined, true))).toBe('Neither architecture answered.');
    expect(compareSentence(cascade(undefined, true), s2s())).toBe('The cascade failed; speech-to-speech answered, but its time was not measured.');
    expect(compareSentence(cascade(), s2s())).toBe('Neither answer was timed.');
  });
});
