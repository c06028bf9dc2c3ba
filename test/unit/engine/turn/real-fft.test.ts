import { describe, expect, it } from 'vitest';
import { RealFft } from '../../../../electron/engine/turn/real-fft.js';

/** The textbook O(n²) DFT, the definition the FFT must reproduce. */
function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    for (let t = 0; t < n; t++) {
      re[k]! += x[t]! * Math.cos((-2 * Math.PI * k * t) / n);
      im[k]! += x[t]! * Math.sin((-2 * Math.PI * k * t) / n);
    }
  }
  return { re, im };
}

function randomSignal(n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 48271) % 2147483647;
    x[i] = s / 2147483647 - 0.5;
  }
  return x;
}

describe('RealFft', () => {
  it.each([2, 4, 6, 10, 16, 30, 50, 64, 98, 400, 512])('matches the direct DFT for n = %i', (n) => {
    const fft = new RealFft(n);
    const x = randomSignal(n, n + 11);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    fft.transform(x, re, im);
    const ref = naiveDft(x);
    for (let k = 0; k < fft.bins; k++) {
      expect(Math.abs(re[k]! - ref.re[k]!)).toBeLessThan(1e-9);
      expect(Math.abs(im[k]! - ref.im[k]!)).toBeLessThan(1e-9);
    }
  });

  it('is reusable: a second call does not see the first call\'s data', () => {
    const fft = new RealFft(400);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    fft.transform(randomSignal(400, 3), re, im);
    const impulse = new Float64Array(400);
    impulse[0] = 1;
    fft.transform(impulse, re, im);
    for (let k = 0; k < fft.bins; k++) {
      expect(re[k]).toBeCloseTo(1, 12);
      expect(im[k]).toBeCloseTo(0, 12);
    }
  });

  it('rejects odd lengths and inputs of the wrong size', () => {
    expect(() => new RealFft(401)).toThrow(RangeError);
    expect(() => new RealFft(400).transform(new Float64Array(399), new Float64Array(201), new Float64Array(201))).toThrow(RangeError);
  });
});
