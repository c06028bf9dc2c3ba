import { describe, expect, it } from 'vitest';
import { FrameChunker } from '../../../../electron/engine/audio/frame-chunker.js';
import { concatFloat32, deinterleave, downmixToMono, float32ToInt16, int16ToFloat32, rms } from '../../../../electron/engine/audio/pcm.js';
import { isParleyError } from '../../../../electron/engine/errors.js';

describe('PCM helpers', () => {
  it('converts between int16 and float with clipping', () => {
    const f = int16ToFloat32(Int16Array.from([-32768, 0, 16384, 32767]));
    expect(Array.from(f)).toEqual([-1, 0, 0.5, 32767 / 32768]);
    expect(Array.from(float32ToInt16(Float32Array.from([-2, -1, 0, 0.5, 1, 3])))).toEqual([-32768, -32768, 0, 16384, 32767, 32767]);
  });

  it('downmixes stereo to mono by averaging', () => {
    const mono = downmixToMono([Float32Array.from([1, 0.5, -1]), Float32Array.from([0, 0.5, 1])]);
    expect(Array.from(mono)).toEqual([0.5, 0.5, 0]);
  });

  it('deinterleaves and rejects ragged input', () => {
    const [l, r] = deinterleave(Float32Array.from([1, 2, 3, 4, 5, 6]), 2);
    expect(Array.from(l!)).toEqual([1, 3, 5]);
    expect(Array.from(r!)).toEqual([2, 4, 6]);
    expect(() => deinterleave(Float32Array.from([1, 2, 3]), 2)).toThrow(/do not divide/);
  });

  it('rejects downmixing nothing or channels of different lengths', () => {
    for (const bad of [[], [new Float32Array(2), new Float32Array(3)]]) {
      let caught: unknown;
      try {
        downmixToMono(bad);
      } catch (e) {
        caught = e;
      }
      expect(isParleyError(caught, 'audio/invalid-input')).toBe(true);
    }
  });

  it('concatenates and measures RMS', () => {
    expect(Array.from(concatFloat32([Float32Array.from([1]), Float32Array.from([2, 3])]))).toEqual([1, 2, 3]);
    expect(rms(Float32Array.from([0.5, -0.5]))).toBeCloseTo(0.5);
    expect(rms(new Float32Array(0))).toBe(0);
  });
});

describe('FrameChunker', () => {
  it('cuts uneven blocks into exact frames and carries the remainder', () => {
    const c = new FrameChunker(4);
    const seq = Float32Array.from({ length: 11 }, (_, i) => i);
    const frames = [...c.push(seq.subarray(0, 3)), ...c.push(seq.subarray(3, 9)), ...c.push(seq.subarray(9))];
    expect(frames.map((f) => Array.from(f))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(c.pendingSamples).toBe(3);
    expect(Array.from(c.flush()!)).toEqual([8, 9, 10, 0]);
    expect(c.flush()).toBeNull();
    expect(c.framesEmitted).toBe(3);
  });

  it('returns frames the caller may keep (not views of its buffer)', () => {
    const c = new FrameChunker(2);
    const [a] = c.push(Float32Array.from([1, 2]));
    c.push(Float32Array.from([3, 4]));
    expect(Array.from(a!)).toEqual([1, 2]);
  });

  it('rejects a non-positive frame size', () => {
    expect(() => new FrameChunker(0)).toThrow(/positive integer/);
  });
});
