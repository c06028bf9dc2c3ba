import { describe, expect, it } from 'vitest';
import { ClockedSink } from '../../../../electron/engine/audio/playout.js';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { TurnLatency } from '../../../../electron/engine/metrics/latency.js';

describe('ClockedSink', () => {
  it('plays in real time against the clock, fires onStart when each block begins, pauses and flushes', () => {
    const clock = new ManualClock(1000);
    const sink = new ClockedSink(1000, clock, true); // 1 kHz: one sample per ms
    const started: string[] = [];
    sink.write(new Float32Array(100).fill(0.1), () => started.push(`a@${clock.now()}`));
    sink.write(new Float32Array(100).fill(0.2), () => started.push(`b@${clock.now()}`));
    expect(started).toEqual(['a@1000']);
    clock.advance(150);
    // b's onStart fires when a ends, at 1100 on the clock (not when someone next asks what played).
    expect(started).toEqual(['a@1000', 'b@1100']);
    expect(sink.played()).toBe(150);
    sink.pause();
    clock.advance(1000);
    expect(sink.played()).toBe(150);
    sink.resume();
    clock.advance(20);
    expect(sink.played()).toBe(170);
    sink.flush();
    expect(sink.played()).toBe(0);
    expect(sink.written()).toBe(0);
    expect(sink.recording().length).toBe(170);
  });

  it('drain resolves once everything has played', async () => {
    const clock = new ManualClock();
    const sink = new ClockedSink(1000, clock);
    sink.write(new Float32Array(50));
    let drained = false;
    const p = sink.drain().then(() => (drained = true));
    clock.advance(49);
    sink.played();
    await Promise.resolve();
    expect(drained).toBe(false);
    clock.advance(1);
    sink.played();
    await p;
    expect(drained).toBe(true);
  });
});

describe('TurnLatency', () => {
  it('reports every mark relative to the end of speech, first mark wins', () => {
    const clock = new ManualClock(10_000);
    const l = new TurnLatency(clock);
    l.mark('speechEnd', 9_700);
    l.mark('sttFinal', 9_900);
    l.mark('endOfTurn');
    clock.advance(350);
    l.mark('llmFirstToken');
    l.mark('llmFirstToken', 99_999);
    clock.advance(200);
    l.mark('firstAudioPlayed');
    expect(l.report()).toEqual({ spans: { speechEnd: 0, endOfTurn: 300, sttFinal: 200, llmFirstToken: 650, firstAudioPlayed: 850 }, voiceToVoiceMs: 850, originAt: 9_700 });
  });
});
