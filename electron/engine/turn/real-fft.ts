/**
 * A forward FFT of real input for any even length whose half factors into small primes (Whisper's
 * n_fft = 400: a 200-point complex FFT of the even/odd samples, then one split pass). Tables and
 * scratch buffers are built once per length; `transform` allocates nothing.
 */
export class RealFft {
  /** Number of output bins: n / 2 + 1. */
  readonly bins: number;
  private readonly half: number;
  private readonly factors: number[];
  /** exp(-2πik/half), k < half: twiddles of the complex FFT. */
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;
  /** exp(-2πik/n), k <= half: twiddles of the split pass. */
  private readonly splitRe: Float64Array;
  private readonly splitIm: Float64Array;
  private readonly zRe: Float64Array;
  private readonly zIm: Float64Array;
  private readonly inRe: Float64Array;
  private readonly inIm: Float64Array;
  private readonly tmpRe: Float64Array;
  private readonly tmpIm: Float64Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) throw new RangeError(`RealFft needs an even length >= 2, got ${size}`);
    this.half = size / 2;
    this.bins = this.half + 1;
    this.factors = factorize(this.half);
    this.twRe = new Float64Array(this.half);
    this.twIm = new Float64Array(this.half);
    for (let k = 0; k < this.half; k++) {
      this.twRe[k] = Math.cos((-2 * Math.PI * k) / this.half);
      this.twIm[k] = Math.sin((-2 * Math.PI * k) / this.half);
    }
    this.splitRe = new Float64Array(this.half + 1);
    this.splitIm = new Float64Array(this.half + 1);
    for (let k = 0; k <= this.half; k++) {
      this.splitRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.zRe = new Float64Array(this.half);
    this.zIm = new Float64Array(this.half);
    this.inRe = new Float64Array(this.half);
    this.inIm = new Float64Array(this.half);
    const maxRadix = Math.max(1, ...this.factors);
    this.tmpRe = new Float64Array(maxRadix);
    this.tmpIm = new Float64Array(maxRadix);
  }

  /** X[k] = Σ x[t]·exp(-2πikt/n) for k = 0..n/2, written to outRe/outIm (length >= bins). */
  transform(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const m = this.half;
    if (input.length !== this.size) throw new RangeError(`RealFft(${this.size}) got ${input.length} samples`);
    // Pack even samples as real and odd samples as imaginary parts of one half-length signal.
    for (let t = 0; t < m; t++) {
      this.inRe[t] = input[2 * t]!;
      this.inIm[t] = input[2 * t + 1]!;
    }
    this.complexFft(0, 1, 0, m, 0);
    const zRe = this.zRe;
    const zIm = this.zIm;
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

  /**
   * Recursive mixed-radix decimation in time: the n-point DFT of inRe/inIm[offset + j*stride]
   * lands in zRe/zIm[out .. out+n).
   */
  private complexFft(offset: number, stride: number, out: number, n: number, level: number): void {
    if (n === 1) {
      this.zRe[out] = this.inRe[offset]!;
      this.zIm[out] = this.inIm[offset]!;
      return;
    }
    const p = this.factors[level]!;
    const sub = n / p;
    for (let j = 0; j < p; j++) this.complexFft(offset + j * stride, stride * p, out + j * sub, sub, level + 1);
    // Combine p interleaved sub-transforms: X[q + u·sub] = Σ_j W_n^(j(q + u·sub)) · Y_j[q].
    const twStep = this.half / n;
    const zRe = this.zRe;
    const zIm = this.zIm;
    const tRe = this.tmpRe;
    const tIm = this.tmpIm;
    for (let q = 0; q < sub; q++) {
      for (let j = 0; j < p; j++) {
        const idx = out + j * sub + q;
        const w = (j * q * twStep) % this.half;
        const wr = this.twRe[w]!;
        const wi = this.twIm[w]!;
        tRe[j] = zRe[idx]! * wr - zIm[idx]! * wi;
        tIm[j] = zRe[idx]! * wi + zIm[idx]! * wr;
      }
      for (let u = 0; u < p; u++) {
        let sr = 0;
        let si = 0;
        for (let j = 0; j < p; j++) {
          // W_p^(j·u) = W_half^(j·u·half/p).
          const w = ((j * u) % p) * (this.half / p);
          const wr = this.twRe[w]!;
          const wi = this.twIm[w]!;
          sr += tRe[j]! * wr - tIm[j]! * wi;
          si += tRe[j]! * wi + tIm[j]! * wr;
        }
        zRe[out + u * sub + q] = sr;
        zIm[out + u * sub + q] = si;
      }
    }
  }
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
