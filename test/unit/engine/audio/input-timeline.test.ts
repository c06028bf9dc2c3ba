import { describe, expect, it } from 'vitest';
import { InputTimeline } from '../../../../electron/engine/audio/input-timeline.js';

// Audio in 20 ms pushes; one 32 ms VAD frame placed whenever a whole one has arrived.
function feed(timeline: InputTimeline, pushes: Array<{ atMs: number }>, from = { streamMs: 0, framedMs: 0 }) {
  const placed: Array<{ streamMs: number; atMs: number; processedAtMs: number }> = [];
  let { streamMs, framedMs } = from;
  for (const p of pushes) {
    streamMs += 20;
    timeline.arrived(p.atMs, streamMs);
    while (framedMs + 32 <= streamMs) {
      framedMs += 32;
      placed.push({ streamMs: framedMs, atMs: timeline.place(p.atMs, framedMs), processedAtMs: p.atMs });
    }
  }
  return { placed, next: { streamMs, framedMs } };
}
const steady = (fromMs: number, count: number, lagMs = 5) => Array.from({ length: count }, (_, i) => ({ atMs: fromMs + (i + 1) * 20 + lagMs }));

describe('InputTimeline: live audio dated on the clock', () => {
  it('audio on time: each frame at its own time, and the detector hears the clock', () => {
    const t = new InputTimeline();
    const { placed } = feed(t, steady(1000, 50));
    // Stream ms s arrived at 1000 + s + 5: every frame dated there.
    for (const f of placed) expect(f.atMs).toBe(1005 + f.streamMs);
    expect(t.lateUntil(2010)).toBeUndefined();
    expect(t.now(2010)).toBe(2010);
  });

  it('a 400 ms stall, then the audio in a burst: the frames keep their spoken times, and time waits for them', () => {
    const t = new InputTimeline();
    const before = feed(t, steady(0, 50)); // stream 0-1000 ms, on time (arrived at +5 ms)
    const last = before.placed.at(-1)!;
    expect(last).toMatchObject({ streamMs: 992, atMs: 997 });
    // Nothing comes for 400 ms: late, and the detector's time stays with the audio heard (+60 ms).
    expect(t.lateUntil(1400)).toBe(1005 + 1000);
    expect(t.now(1400)).toBe(997 + 60);
    // The missing 400 ms arrive at once at 1405, then the stream goes on in real time.
    const burst = feed(t, Array.from({ length: 20 }, () => ({ atMs: 1405 })), before.next);
    for (const f of burst.placed) expect(f.atMs).toBe(5 + f.streamMs);
    expect(t.now(1410)).toBe(1410);
  });

  it('input that stops (muted, unplugged): late only until maxLagMs after the last frame, then the clock', () => {
    const t = new InputTimeline({ maxLagMs: 500 });
    feed(t, steady(0, 10));
    // Last frame (stream 192 ms) placed at 205 when the push at 205 came.
    expect(t.lateUntil(400)).toBe(705);
    expect(t.now(704)).toBe(197 + 60);
    expect(t.lateUntil(705)).toBeUndefined();
    expect(t.now(705)).toBe(705);
  });

  it('audio lost for good (a second of it): frames at most maxLagMs behind, on time again once the window forgets', () => {
    const t = new InputTimeline({ windowMs: 2000, maxLagMs: 500 });
    const before = feed(t, steady(0, 10)); // stream 0-200 ms, arrived by 205
    // A second of wall time whose audio never comes; the stream goes on at 1230 in real time.
    const after = feed(t, steady(1205, 150), before.next);
    // The frame ending at stream 224 (processed at 1250) would be dated 229: more than 500 ms behind.
    expect(after.placed[0]).toEqual({ streamMs: 224, atMs: 750, processedAtMs: 1250 });
    for (const f of after.placed) expect(f.processedAtMs - f.atMs).toBeLessThanOrEqual(500);
    // Once the on-time arrivals of before the loss left the window (2 s), the delay is the new one.
    const last = after.placed.at(-1)!;
    expect(last.processedAtMs).toBeGreaterThan(205 + 2000);
    expect(last.atMs).toBe(1010 + last.streamMs);
  });

  it('fed faster than real time: never dated after the clock, the last frame at its arrival', () => {
    const t = new InputTimeline();
    const { placed } = feed(t, Array.from({ length: 100 }, (_, i) => ({ atMs: 101 + i }))); // 20 ms of audio per 1 ms
    for (const f of placed) expect(f.atMs).toBeLessThanOrEqual(f.processedAtMs);
    const last = placed.at(-1)!;
    expect(last).toEqual({ streamMs: 1984, atMs: 200 - (2000 - 1984), processedAtMs: 200 });
  });

  it('memory stays bounded over a long input', () => {
    const t = new InputTimeline({ windowMs: 2000 });
    let jitter = 0;
    for (let i = 1; i <= 200_000; i++) {
      jitter = (jitter * 7 + 13) % 17; // arrivals with varying delay
      t.arrived(i * 20 + jitter, i * 20);
    }
    expect((t as unknown as { arrivals: unknown[] }).arrivals.length).toBeLessThanOrEqual(101);
  });
});
