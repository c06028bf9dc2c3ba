import { describe, expect, it } from 'vitest';
import type { TurnLatencyReport } from '../../../electron/engine/metrics/latency.js';
import { pairTurns, partialLatencies, realTimeFactor } from '../../../test/bench/local-stats.js';

describe('local speech benchmark: partial latency', () => {
  it('counts each partial from the oldest block not yet acknowledged (the worker sends a partial before acknowledging its block)', () => {
    const latencies = partialLatencies([
      { kind: 'push', at: 0 },
      { kind: 'push', at: 20 },
      { kind: 'partial', at: 25 }, // decoded from the block sent at 0, while the next one waits
      { kind: 'accepted', at: 26 },
      { kind: 'partial', at: 30 }, // from the block sent at 20
      { kind: 'accepted', at: 31 },
      { kind: 'push', at: 40 },
      { kind: 'accepted', at: 42 }, // a block that changed no words
    ]);
    expect(latencies).toEqual([25, 10]);
  });

  it('ignores a partial with no block in flight (nothing it can be counted from)', () => {
    expect(partialLatencies([{ kind: 'push', at: 0 }, { kind: 'accepted', at: 1 }, { kind: 'partial', at: 50 }])).toEqual([]);
  });
});

describe('local speech benchmark: pairing turns with latency reports', () => {
  const report = (speechEndAt: number, firstAudioPlayed?: number): TurnLatencyReport => ({ originAt: speechEndAt, spans: { speechEnd: 0, endOfTurn: 400, ...(firstAudioPlayed !== undefined ? { firstAudioPlayed } : {}) } });

  it('gives each spoken turn the report whose speech end is near its true end, and voice-to-voice from the true end', () => {
    const turns = pairTurns([1000, 5000], [report(5100, 600), report(1040, 500)]);
    expect(turns.map((t) => t.voiceToVoiceMs)).toEqual([540, 700]);
  });

  it('leaves a turn with no report, or whose report played no audio, without voice-to-voice (never guessed)', () => {
    const turns = pairTurns([1000, 5000, 9000], [report(5050), report(20_000, 300)]);
    expect(turns[0]).toEqual({ trueSpeechEndAt: 1000 });
    expect(turns[1]!.report).toBeDefined();
    expect(turns[1]!.voiceToVoiceMs).toBeUndefined();
    expect(turns[2]).toEqual({ trueSpeechEndAt: 9000 });
  });

  it('uses each report once', () => {
    const turns = pairTurns([1000, 1200], [report(1100, 500)]);
    expect(turns.filter((t) => t.report)).toHaveLength(1);
  });
});

describe('local speech benchmark: real-time factor', () => {
  it('is processing time over audio time', () => {
    expect(realTimeFactor(500, 10)).toBeCloseTo(0.05);
  });
});
