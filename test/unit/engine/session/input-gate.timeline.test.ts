import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { InputGate, STT_RATE } from '../../../../electron/engine/session/input-gate.js';
import type { Settings } from '../../../../electron/shared/settings.js';

const FRAME_MS = 20;
const frame = (rate: number, value = 1000) => new Int16Array((rate * FRAME_MS) / 1000).fill(value);

function gate(mode: Settings['mode'] = 'hands-free') {
  const clock = new ManualClock();
  const warnings: string[] = [];
  const reports: { at: number; frames: number; droppedMs: number }[] = [];
  const settings = { mode };
  const g = new InputGate({ clock, mode: () => settings.mode, warn: (m) => warnings.push(m), dropped: (frames, droppedMs) => reports.push({ at: clock.now(), frames, droppedMs }) });
  return { g, clock, warnings, reports, settings };
}

describe('InputGate on a scripted timeline', () => {
  it('hands-free: passes the user; muted: nothing to a turn-based session, silence to a full-duplex one', () => {
    const { g, clock } = gate();
    g.open(STT_RATE);
    const timeline: { at: number; muted?: boolean; continuous: boolean; expect: 'heard' | 'silence' | 'nothing' }[] = [
      { at: 0, continuous: false, expect: 'heard' },
      { at: 20, muted: true, continuous: false, expect: 'nothing' },
      { at: 40, continuous: true, expect: 'silence' },
      { at: 60, muted: false, continuous: false, expect: 'heard' },
    ];
    for (const step of timeline) {
      clock.set(step.at);
      if (step.muted !== undefined) g.setMuted(step.muted);
      const out = g.pass(frame(STT_RATE), step.continuous);
      const got = !out ? 'nothing' : out.heard ? 'heard' : 'silence';
      expect(got, `at ${step.at} ms`).toBe(step.expect);
      if (out) {
        expect(out.audio).toHaveLength(320);
        expect(out.audio.every((s) => (out.heard ? s === 1000 / 32768 : s === 0))).toBe(true);
      }
    }
  });

  it('push-to-talk: closed until the key is held, closed again once released; a repeated press changes nothing', () => {
    const { g, clock } = gate('push-to-talk');
    g.open(STT_RATE);
    expect(g.pass(frame(STT_RATE), false)).toBeUndefined();
    clock.advance(FRAME_MS);
    expect(g.setTalking(true)).toBe(true);
    expect(g.setTalking(true)).toBe(false);
    expect(g.pass(frame(STT_RATE), false)?.heard).toBe(true);
    clock.advance(FRAME_MS);
    expect(g.setTalking(false)).toBe(true);
    expect(g.pass(frame(STT_RATE), true)?.heard).toBe(false);
  });

  it('follows the mode as saved now: switching to push-to-talk closes the gate at once', () => {
    const { g, settings } = gate('hands-free');
    g.open(STT_RATE);
    expect(g.closed).toBe(false);
    settings.mode = 'push-to-talk';
    expect(g.closed).toBe(true);
    expect(g.pass(frame(STT_RATE), false)).toBeUndefined();
  });

  it('audio faster than real time: passes the 2 s burst, then drops, tells the UI at most once a second and logs the total when the session ends', () => {
    const { g, clock, warnings, reports } = gate();
    g.open(STT_RATE);
    // 5 s of audio pushed in 1 s: one 20 ms frame every 4 ms.
    let passed = 0;
    for (let i = 0; i < 250; i++) {
      if (g.pass(frame(STT_RATE), false)) passed++;
      clock.advance(4);
    }
    // Real time (1 s) plus the burst (2 s), give or take the frame in flight.
    expect(passed * FRAME_MS).toBeGreaterThanOrEqual(3000);
    expect(passed * FRAME_MS).toBeLessThanOrEqual(3000 + 2 * FRAME_MS);
    const dropped = 250 - passed;
    expect(warnings).toEqual(['microphone audio is arriving faster than real time: dropping the excess']);
    expect(reports.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < reports.length; i++) expect(reports[i]!.at - reports[i - 1]!.at).toBeGreaterThanOrEqual(1000);
    expect(reports[0]!.frames).toBe(1);
    g.close();
    expect(warnings[1]).toBe(`dropped ${((dropped * FRAME_MS) / 1000).toFixed(1)} s of microphone audio (${dropped} frames) that arrived faster than real time`);
  });

  it('audio at real time passes whole and ends without a warning; the next session starts with a fresh budget', () => {
    const { g, clock, warnings } = gate();
    g.open(STT_RATE);
    for (let t = 0; t < 1000; t += FRAME_MS) {
      expect(g.pass(frame(STT_RATE), false)).toBeDefined();
      clock.advance(FRAME_MS);
    }
    g.close();
    expect(warnings).toEqual([]);
    // A session that used up its burst...
    g.open(STT_RATE);
    while (g.pass(frame(STT_RATE), false)) continue;
    // ...does not leave the next one without credit.
    g.open(STT_RATE);
    expect(g.pass(frame(STT_RATE), false)).toBeDefined();
  });

  it('resamples the page rate to 16 kHz, as one continuous stream across frames', () => {
    const { g, clock } = gate();
    g.open(48000);
    let out = 0;
    const frames = 50;
    for (let i = 0; i < frames; i++) {
      out += g.pass(frame(48000), false)!.audio.length;
      clock.advance(FRAME_MS);
    }
    // One second at 48 kHz is one second at 16 kHz, less the filter's look-ahead still waiting for input.
    expect(out).toBeLessThanOrEqual(STT_RATE);
    expect(out).toBeGreaterThan(STT_RATE - 100);
  });
});
