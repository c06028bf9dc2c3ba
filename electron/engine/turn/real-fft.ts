/**
 * A forward FFT of real input for any even length whose half factors into small primes (Whisper's
 * n_fft = 400: a 200-point complex FFT of the even/odd samples, then one split pass). Tables (digit
 * reversal, per-pass twiddles) and scratch buffers are built once per length; `transform` allocates nothing.
 */
export class RealFft {
  /** Number of output bins: n / 2 + 1. */
  readonly bins: number;
  private readonly half: number;
  /** The complex FFT's passes, deepest first; each combines `p` sub-transforms of length `sub`. */
  private readonly passes: Pass[];
  /** Input index of each slot after digit reversal: the order the passes expect. */
  private readonly order: Int32Array;
  /** exp(-2πik/n), k <= half: twiddles of the split pass. */
  private readonly splitRe: Float64Array;
  private readonly splitIm: Float64Array;
  private readonly zRe: Float64Array;
  private readonly zIm: Float64Array;
  private readonly tmpRe: Float64Array;
  private readonly tmpIm: Float64Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) throw new RangeError(`RealFft needs an even length >= 2, got ${size}`);
    this.half = size / 2;
    this.bins = this.half + 1;
    const factors = factorize(this.half);
    this.order = digitReversal(this.half, factors);
    this.passes = [];
    for (let level = factors.length - 1, n = 1; level >= 0; level--) {
      const p = factors[level]!;
      const sub = n;
      n *= p;
      // W_n^(j·q) for j < p, q < sub, and the p-point DFT matrix W_p^(j·u).
      const twRe = new Float64Array(p * sub);
      const twIm = new Float64Array(p * sub);
      for (let j = 0; j < p; j++) {
        for (let q = 0; q < sub; q++) {
          twRe[j * sub + q] = Math.cos((-2 * Math.PI * j * q) / n);
          twIm[j * sub + q] = Math.sin((-2 * Math.PI * j * q) / n);
        }
      }
      const dftRe = new Float64Array(p * p);
      const dftIm = new Float64Array(p * p);
      for (let j = 0; j < p; j++) {
        for (let u = 0; u < p; u++) {
          dftRe[j * p + u] = Math.cos((-2 * Math.PI * ((j * u) % p)) / p);
          dftIm[j * p + u] = Math.sin((-2 * Math.PI * ((j * u) % p)) / p);
        }
      }
      this.passes.push({ p, sub, size: n, twRe, twIm, dftRe, dftIm });
    }
    this.splitRe = new Float64Array(this.half + 1);
    this.splitIm = new Float64Array(this.half + 1);
    for (let k = 0; k <= this.half; k++) {
      this.splitRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.zRe = new Float64Array(this.half);
    this.zIm = new Float64Array(this.half);
    const maxRadix = Math.max(1, ...factors);
    this.tmpRe = new Float64Array(maxRadix);
    this.tmpIm = new Float64Array(maxRadix);
  }

  /** X[k] = Σ x[t]·exp(-2πikt/n) for k = 0..n/2, written to outRe/outIm (length >= bins). */
  transform(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const m = this.half;
    if (input.length !== this.size) throw new RangeError(`RealFft(${this.size}) got ${input.length} samples`);
    const zRe = this.zRe;
    const zIm = this.zIm;
    // Even samples as the real part, odd as the imaginary part of one half-length signal, in digit-reversed order.
    for (let slot = 0; slot < m; slot++) {
      const t = this.order[slot]!;
      zRe[slot] = input[2 * t]!;
      zIm[slot] = input[2 * t + 1]!;
    }
    for (const pass of this.passes) this.combine(pass);
    for (let k = 0; k <= m; k++) {
      const a = k % m;
      const b = (m - k) % m;
      // Even part E = (Z[k] + conj Z[m-k]) / 2, odd part O = (Z[k] - conj Z[m-k]) / 2i.
      const eRe = (zRe[a]! + zRe[b]!) / 2;
      const eIm = (zIm[a]! - zIm[b]!) / 2;
      const oRe = (zIm[a]! + zIm[b]!) / 2;
      const oIm = -(zRe[a]! - zRe[b]!) / 2;
      const wRe = this.splitRe[k]!;
      const wIm = this.splitIm[k]!;
      outRe[k] = eRe + wRe * oRe - wIm * oIm;
      outIm[k] = eIm + wRe * oIm + wIm * oRe;
    }
  }

  /** One mixed-radix decimation-in-time pass: X[q + u·sub] = Σ_j W_size^(j·q) · W_p^(j·u) · Y_j[q], per block. */
  private combine({ p, sub, size, twRe, twIm, dftRe, dftIm }: Pass): void {
    const zRe = this.zRe;
    const zIm = this.zIm;
    const tRe = this.tmpRe;
    const tIm = this.tmpIm;
    for (let block = 0; block < this.half; block += size) {
      for (let q = 0; q < sub; q++) {
        for (let j = 0; j < p; j++) {
          const idx = block + j * sub + q;
          const wr = twRe[j * sub + q]!;
          const wi = twIm[j * sub + q]!;
          tRe[j] = zRe[idx]! * wr - zIm[idx]! * wi;
          tIm[j] = zRe[idx]! * wi + zIm[idx]! * wr;
        }
        const base = block + q;
        if (p === 2) {
          zRe[base] = tRe[0]! + tRe[1]!;
          zIm[base] = tIm[0]! + tIm[1]!;
          zRe[base + sub] = tRe[0]! - tRe[1]!;
          zIm[base + sub] = tIm[0]! - tIm[1]!;
        } else if (p === 4) {
          // W_4 = -i.
          const aRe = tRe[0]! + tRe[2]!, aIm = tIm[0]! + tIm[2]!;
          const bRe = tRe[0]! - tRe[2]!, bIm = tIm[0]! - tIm[2]!;
          const cRe = tRe[1]! + tRe[3]!, cIm = tIm[1]! + tIm[3]!;
          const dRe = tRe[1]! - tRe[3]!, dIm = tIm[1]! - tIm[3]!;
          zRe[base] = aRe + cRe;
          zIm[base] = aIm + cIm;
          zRe[base + sub] = bRe + dIm;
          zIm[base + sub] = bIm - dRe;
          zRe[base + 2 * sub] = aRe - cRe;
          zIm[base + 2 * sub] = aIm - cIm;
          zRe[base + 3 * sub] = bRe - dIm;
          zIm[base + 3 * sub] = bIm + dRe;
        } else if (p === 5) {
          const a1Re = tRe[1]! + tRe[4]!, a1Im = tIm[1]! + tIm[4]!;
          const b1Re = tRe[1]! - tRe[4]!, b1Im = tIm[1]! - tIm[4]!;
          const a2Re = tRe[2]! + tRe[3]!, a2Im = tIm[2]! + tIm[3]!;
          const b2Re = tRe[2]! - tRe[3]!, b2Im = tIm[2]! - tIm[3]!;
          const r1Re = tRe[0]! + C1 * a1Re + C2 * a2Re, r1Im = tIm[0]! + C1 * a1Im + C2 * a2Im;
          const r2Re = tRe[0]! + C2 * a1Re + C1 * a2Re, r2Im = tIm[0]! + C2 * a1Im + C1 * a2Im;
          const i1Re = S1 * b1Re + S2 * b2Re, i1Im = S1 * b1Im + S2 * b2Im;
          const i2Re = S2 * b1Re - S1 * b2Re, i2Im = S2 * b1Im - S1 * b2Im;
          zRe[base] = tRe[0]! + a1Re + a2Re;
          zIm[base] = tIm[0]! + a1Im + a2Im;
          // X1 = r1 - i·i1, X4 = r1 + i·i1, X2 = r2 - i·i2, X3 = r2 + i·i2.
          zRe[base + sub] = r1Re + i1Im;
          zIm[base + sub] = r1Im - i1Re;
          zRe[base + 4 * sub] = r1Re - i1Im;
          zIm[base + 4 * sub] = r1Im + i1Re;
          zRe[base + 2 * sub] = r2Re + i2Im;
          zIm[base + 2 * sub] = r2Im - i2Re;
          zRe[base + 3 * sub] = r2Re - i2Im;
          zIm[base + 3 * sub] = r2Im + i2Re;
        } else {
          for (let u = 0; u < p; u++) {
            let sr = 0;
            let si = 0;
            for (let j = 0; j < p; j++) {
              const wr = dftRe[j * p + u]!;
              const wi = dftIm[j * p + u]!;
              sr += tRe[j]! * wr - tIm[j]! * wi;
              si += tRe[j]! * wi + tIm[j]! * wr;
            }
            zRe[base + u * sub] = sr;
            zIm[base + u * sub] = si;
          }
        }
      }
    }
  }
}

// The 5-point DFT's constants: cos and sin of 2π/5 and 4π/5.
const C1 = Math.cos((2 * Math.PI) / 5);
const C2 = Math.cos((4 * Math.PI) / 5);
const S1 = Math.sin((2 * Math.PI) / 5);
const S2 = Math.sin((4 * Math.PI) / 5);

interface Pass {
  p: number;
  sub: number;
  size: number;
  twRe: Float64Array;
  twIm: Float64Array;
  dftRe: Float64Array;
  dftIm: Float64Array;
}

/** slot -> input index for decimation in time: the first factor splits by the lowest digit. */
function digitReversal(n: number, factors: number[]): Int32Array {
  const order = new Int32Array(n);
  const place = (offset: number, stride: number, out: number, size: number, level: number): void => {
    if (size === 1) {
      order[out] = offset;
      return;
    }
    const p = factors[level]!;
    const sub = size / p;
    for (let j = 0; j < p; j++) place(offset + j * stride, stride * p, out + j * sub, sub, level + 1);
  };
  place(0, 1, 0, n, 0);
  return order;
}

/** Prime factors, 4s first (fewer passes), e.g. 200 -> [4, 2, 5, 5]. */
function factorize(n: number): number[] {
  const factors: number[] = [];
  let rest = n;
  while (rest % 4 === 0) {
    factors.push(4);
    rest /= 4;
  }
  for (let f = 2; rest > 1; f++) {
    while (rest % f === 0) {
      factors.push(f);
      rest /= f;
    }
  }
  return factors;
}
