import { describe, expect, it } from 'vitest';
import { Resampler, resample } from '../../../../electron/engine/audio/resampler.js';
import { isParleyError } from '../../../../electron/engine/errors.js';
import { rmsOf, sine, toDb, toneAmplitude, whiteNoise, zeroCrossingFrequency } from '../../../helpers/signals.js';

/** Skip the first and last 20 ms, where the zero padding of a finite signal legitimately shows. */
const middle = (x: Float32Array, rate: number) => x.subarray(Math.round(rate * 0.02), x.length - Math.round(rate * 0.02));

describe('Resampler', () => {
  it('keeps a 1 kHz sine at 1 kHz from 48 kHz to 16 kHz, within -80 dB of the ideal signal', () => {
    const out = resample(sine(1000, 48000, 1), 48000, 16000);
    expect(out.length).toBe(16000);
    expect(zeroCrossingFrequency(out, 16000)).toBeCloseTo(1000, 1);
    const ideal = sine(1000, 16000, 1);
    const err = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) err[i] = out[i]! - ideal[i]!;
    // Error relative to the 0.5-amplitude tone (rms 0.354).
    expect(toDb(rmsOf(middle(err, 16000)) / rmsOf(ideal))).toBeLessThan(-80);
  });

  it('does not alias a 12 kHz tone into the 16 kHz output (below -80 dB)', () => {
    const out = resample(sine(12000, 48000, 1, 0.9), 48000, 16000);
    // 12 kHz folds to 4 kHz at 16 kHz: measure both the residual there and the overall level.
    expect(toDb(toneAmplitude(middle(out, 16000), 16000, 4000) / 0.9)).toBeLessThan(-80);
    expect(toDb(rmsOf(middle(out, 16000)) / (0.9 / Math.SQRT2))).toBeLessThan(-80);
  });

  it.each([
    [44100, 16000],
    [22050, 16000],
    [8000, 16000],
    [11025, 16000],
    [32000, 16000],
    [48000, 24000],
    [44100, 24000],
    [16000, 24000],
    [8000, 24000],
    [24000, 16000],
  ])('keeps a 1 kHz tone (frequency and level) from %i Hz to %i Hz', (from, to) => {
    const input = sine(1000, from, 0.5);
    const out = resample(input, from, to);
    expect(out.length).toBe(Math.ceil((input.length * to) / from));
    expect(zeroCrossingFrequency(middle(out, to), to)).toBeCloseTo(1000, 0);
    expect(toneAmplitude(middle(out, to), to, 1000)).toBeCloseTo(0.5, 2);
  });

  it('handles a ratio too fine for an exact phase table (47999 Hz -> 16 kHz) by interpolating phases', () => {
    const out = resample(sine(1000, 47999, 0.5), 47999, 16000);
    expect(zeroCrossingFrequency(middle(out, 16000), 16000)).toBeCloseTo(1000, 0);
    const ideal = sine(1000, 16000, 0.5);
    const err = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) err[i] = out[i]! - (ideal[i] ?? 0);
    expect(toDb(rmsOf(middle(err, 16000)) / rmsOf(ideal))).toBeLessThan(-60);
  });

  it('gives the same output streamed in uneven chunks as in one call', () => {
    const input = whiteNoise(44100, 0.7, 0.5);
    const whole = resample(input, 44100, 16000);
    const r = new Resampler({ inputRate: 44100, outputRate: 16000 });
    const parts: number[] = [];
    const sizes = [1, 7, 128, 333, 4096, 1, 2000];
    let at = 0;
    for (let k = 0; at < input.length; k++) {
      const n = sizes[k % sizes.length]!;
      parts.push(...r.process(input.subarray(at, at + n)));
      at += n;
    }
    parts.push(...r.flush());
    expect(parts.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(parts[i]! - whole[i]!));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('preserves DC and is reusable after flush', () => {
    const r = new Resampler({ inputRate: 48000, outputRate: 16000 });
    for (let round = 0; round < 2; round++) {
      const out = [...r.process(new Float32Array(4800).fill(0.25)), ...r.flush()];
      expect(out.length).toBe(1600);
      // Away from the edges the level is exact.
      for (const v of out.slice(200, 1400)) expect(v).toBeCloseTo(0.25, 6);
      expect(r.counts).toEqual({ input: 0, output: 0 });
    }
  });

  it('passes equal rates through unchanged', () => {
    const x = whiteNoise(16000, 0.1, 0.3);
    expect(Array.from(resample(x, 16000, 16000))).toEqual(Array.from(x));
  });

  it('rejects rates outside 8-192 kHz with a typed error', () => {
    for (const [a, b] of [
      [0, 16000],
      [16000, 4000],
      [44100.5, 16000],
      [NaN, 16000],
    ] as const) {
      let caught: unknown;
      try {
        new Resampler({ inputRate: a, outputRate: b });
      } catch (e) {
        caught = e;
      }
      expect(isParleyError(caught, 'audio/invalid-rate')).toBe(true);
    }
  });
});
