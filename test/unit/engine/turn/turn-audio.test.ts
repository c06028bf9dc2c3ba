import { describe, expect, it } from 'vitest';
import { TurnAudioWindow } from '../../../../electron/engine/turn/turn-audio.js';

const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('TurnAudioWindow', () => {
  it('holds Smart Turn\'s 8 s at 16 kHz by default', () => {
    expect(new TurnAudioWindow().capacity).toBe(128000);
  });

  it('returns everything pushed while under capacity, in order', () => {
    const w = new TurnAudioWindow(10);
    w.push(ramp(0, 3));
    w.push(ramp(3, 4));
    expect(Array.from(w.read())).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(w.length).toBe(7);
  });

  it('keeps only the newest samples across the wrap', () => {
    const w = new TurnAudioWindow(10);
    for (let i = 0; i < 23; i += 3) w.push(ramp(i, 3)); // 0..23
    expect(Array.from(w.read())).toEqual(Array.from(ramp(14, 10)));
  });

  it('a push longer than the capacity keeps its tail', () => {
    const w = new TurnAudioWindow(5);
    w.push(ramp(0, 2));
    w.push(ramp(100, 12));
    expect(Array.from(w.read())).toEqual([107, 108, 109, 110, 111]);
    w.push(ramp(200, 2));
    expect(Array.from(w.read())).toEqual([109, 110, 111, 200, 201]);
  });

  it('clear starts a new turn; reads go into a caller buffer of the right size', () => {
    const w = new TurnAudioWindow(4);
    w.push(ramp(0, 6));
    w.clear();
    expect(w.length).toBe(0);
    expect(w.read()).toHaveLength(0);
    w.push(ramp(9, 2));
    const out = new Float32Array(2);
    expect(w.read(out)).toBe(out);
    expect(Array.from(out)).toEqual([9, 10]);
    expect(() => w.read(new Float32Array(3))).toThrow(expect.objectContaining({ code: 'audio/invalid-input' }));
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new TurnAudioWindow(0)).toThrow(RangeError);
    expect(() => new TurnAudioWindow(2.5)).toThrow(RangeError);
  });
});
