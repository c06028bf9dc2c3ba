/** Deterministic test signals and measurements (no randomness between runs). */

export function sine(freqHz: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freqHz * i) / rate);
  return out;
}

export function silence(rate: number, seconds: number): Float32Array {
  return new Float32Array(Math.round(rate * seconds));
}

/** Uniform white noise from a seeded xorshift generator, peak `amplitude`. */
export function whiteNoise(rate: number, seconds: number, amplitude: number, seed = 12345): Float32Array {
  const n = Math.round(rate * seconds);
  const out = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = amplitude * ((x / 0xffffffff) * 2 - 1);
  }
  return out;
}

export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function rmsOf(x: Float32Array, from = 0, to = x.length): number {
  let acc = 0;
  for (let i = from; i < to; i++) acc += x[i]! * x[i]!;
  return Math.sqrt(acc / Math.max(1, to - from));
}

export const toDb = (ratio: number): number => 20 * Math.log10(ratio);

/**
 * Cuts leading and trailing quiet from a recording: the first and last 10 ms windows whose RMS is
 * above `thresholdDb` (relative to full scale) bound the kept part, like `sox silence` does. After
 * this, where the speech is inside a constructed signal is known exactly.
 */
export function tightTrim(x: Float32Array, rate: number, thresholdDb = -40): Float32Array {
  const win = Math.round(rate * 0.01);
  const limit = 10 ** (thresholdDb / 20);
  let first = -1;
  let last = -1;
  for (let i = 0; i + win <= x.length; i += win) {
    if (rmsOf(x, i, i + win) >= limit) {
      if (first < 0) first = i;
      last = i + win;
    }
  }
  if (first < 0) return new Float32Array(0);
  return x.slice(first, last);
}

/** Power of one frequency (Goertzel), normalised to the amplitude of a matching sine. */
export function toneAmplitude(x: Float32Array, rate: number, freqHz: number): number {
  const w = (2 * Math.PI * freqHz) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - c * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / x.length;
}

/** Frequency estimated from positive-going zero crossings, interpolated between samples. */
export function zeroCrossingFrequency(x: Float32Array, rate: number): number {
  const crossings: number[] = [];
  for (let i = 1; i < x.length; i++) {
    const a = x[i - 1]!;
    const b = x[i]!;
    if (a < 0 && b >= 0) crossings.push(i - 1 + a / (a - b));
  }
  if (crossings.length < 2) return 0;
  const span = crossings[crossings.length - 1]! - crossings[0]!;
  return ((crossings.length - 1) * rate) / span;
}
