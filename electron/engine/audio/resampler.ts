import { ParleyError } from '../errors.js';
import { assertSampleRate } from './pcm.js';

/** Filter design of the resampler. Defaults give > 90 dB stopband rejection. */
export interface ResamplerQuality {
  /** Zero crossings of the sinc kept on each side of the centre. More = sharper. Default 32. */
  zeroCrossings?: number;
  /** Passband edge as a fraction of the lower Nyquist frequency (0.8-0.99). Default 0.92. */
  rolloff?: number;
  /** Kaiser window beta. Higher = deeper stopband, wider transition. Default 9. */
  kaiserBeta?: number;
}

export interface ResamplerOptions extends ResamplerQuality {
  inputRate: number;
  outputRate: number;
}

/** Phases stored exactly up to this count; above it phases are interpolated linearly. */
const MAX_TABLE_PHASES = 1024;

/**
 * Streaming band-limited resampler: Kaiser-windowed sinc, polyphase, for any pair of integer rates.
 *
 * The ratio is reduced to L/M (output/input). Output sample n sits at input time n*M/L, tracked with
 * integers so long streams never drift. Outputs are time-aligned with the input (no added delay):
 * output n is emitted as soon as the input it depends on (up to half a filter width ahead) has
 * arrived, and `flush()` pads the end with zeros to emit the tail. For the usual rate pairs L is
 * small (48k->16k: L=1, 44.1k->16k: L=160) and every phase is exact; for odd pairs with a huge L,
 * MAX_TABLE_PHASES phases are stored and interpolated.
 */
export class Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  private readonly L: number;
  private readonly M: number;
  /** Half the filter length in input samples (taps per phase = 2*K). */
  private readonly K: number;
  private readonly phases: number;
  private readonly table: Float32Array;
  private readonly passthrough: boolean;

  /** Input history; buf[0] is input sample `bufStart` (negative indices are the zero pre-history). */
  private buf: Float32Array;
  private bufLen = 0;
  private bufStart = 0;
  /** Next output's position: input index i0 plus phase numerator num/L. */
  private i0 = 0;
  private num = 0;
  private inputCount = 0;
  private outputCount = 0;

  constructor(opts: ResamplerOptions) {
    assertSampleRate(opts.inputRate, 'input rate');
    assertSampleRate(opts.outputRate, 'output rate');
    this.inputRate = opts.inputRate;
    this.outputRate = opts.outputRate;
    const g = gcd(opts.inputRate, opts.outputRate);
    this.L = opts.outputRate / g;
    this.M = opts.inputRate / g;
    this.passthrough = this.L === this.M;

    const zeroCrossings = opts.zeroCrossings ?? 32;
    const rolloff = opts.rolloff ?? 0.92;
    const beta = opts.kaiserBeta ?? 9;
    if (!(zeroCrossings >= 2 && zeroCrossings <= 256) || !(rolloff > 0.5 && rolloff < 1) || !(beta >= 0)) {
      throw new ParleyError('audio/invalid-input', 'resampler quality settings out of range');
    }
    // Cutoff in cycles per input sample: below both Nyquist frequencies.
    const fc = 0.5 * Math.min(1, this.L / this.M) * rolloff;
    const halfWidth = zeroCrossings / (2 * fc);
    this.K = Math.ceil(halfWidth);
    this.phases = Math.min(this.L, MAX_TABLE_PHASES);
    this.table = this.passthrough ? new Float32Array(0) : buildTable(this.phases, this.K, fc, halfWidth, beta);
    this.buf = new Float32Array(4096);
    this.reset();
  }

  /** Output samples produced per input sample. */
  get ratio(): number {
    return this.L / this.M;
  }

  /** Input samples consumed and output samples produced since the last reset. */
  get counts(): { input: number; output: number } {
    return { input: this.inputCount, output: this.outputCount };
  }

  reset(): void {
    this.bufLen = this.K;
    this.buf.fill(0, 0, this.K);
    this.bufStart = -this.K;
    this.i0 = 0;
    this.num = 0;
    this.inputCount = 0;
    this.outputCount = 0;
  }

  /** Feeds input; returns every output sample that can be computed so far. */
  process(input: Float32Array): Float32Array {
    if (this.passthrough) {
      this.inputCount += input.length;
      this.outputCount += input.length;
      return input.slice();
    }
    this.append(input);
    this.inputCount += input.length;
    return this.drain();
  }

  /**
   * Ends the stream: emits the remaining outputs (total output = ceil(inputs * L / M)), then resets
   * so the instance can be reused.
   */
  flush(): Float32Array {
    if (this.passthrough) {
      this.reset();
      return new Float32Array(0);
    }
    const total = this.inputCount;
    this.append(new Float32Array(this.K + 1));
    const out = this.drain(total);
    this.reset();
    return out;
  }

  private append(input: Float32Array): void {
    // Drop history no longer needed: outputs from i0 on need samples >= i0 - K + 1.
    const keepFrom = this.i0 - this.K + 1 - this.bufStart;
    if (keepFrom > 0) {
      this.buf.copyWithin(0, keepFrom, this.bufLen);
      this.bufLen -= keepFrom;
      this.bufStart += keepFrom;
    }
    if (this.bufLen + input.length > this.buf.length) {
      const grown = new Float32Array(Math.max(this.buf.length * 2, this.bufLen + input.length));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(input, this.bufLen);
    this.bufLen += input.length;
  }

  /**
   * Computes outputs while their whole input window is buffered and, if given, while their
   * position is before `endInput` (the true end of the stream, during flush).
   */
  private drain(endInput = Infinity): Float32Array {
    const { L, M, K, phases, table } = this;
    const taps = 2 * K;
    const lastIndex = this.bufStart + this.bufLen - 1;
    // Upper bound on the count so we can allocate once.
    const maxOut = Math.max(0, Math.ceil(((lastIndex - K - this.i0 + 1) * L) / M) + 1);
    const out = new Float32Array(maxOut);
    let n = 0;
    const buf = this.buf;
    while (n < maxOut && this.i0 + K <= lastIndex) {
      if (this.i0 * L + this.num >= endInput * L) break;
      const base = this.i0 - K + 1 - this.bufStart;
      let acc: number;
      if (phases === L) {
        const row = this.num * taps;
        acc = 0;
        for (let j = 0; j < taps; j++) acc += buf[base + j]! * table[row + j]!;
      } else {
        const pos = (this.num * phases) / L;
        const p = Math.floor(pos);
        const w = pos - p;
        const rowA = p * taps;
        const rowB = rowA + taps;
        let a = 0;
        let b = 0;
        for (let j = 0; j < taps; j++) {
          const x = buf[base + j]!;
          a += x * table[rowA + j]!;
          b += x * table[rowB + j]!;
        }
        acc = a + (b - a) * w;
      }
      out[n++] = acc;
      this.num += M;
      if (this.num >= L) {
        this.i0 += Math.floor(this.num / L);
        this.num %= L;
      }
    }
    this.outputCount += n;
    return n === maxOut ? out : out.slice(0, n);
  }
}

/** One-shot resampling of a whole signal. */
export function resample(input: Float32Array, inputRate: number, outputRate: number, quality?: ResamplerQuality): Float32Array {
  if (inputRate === outputRate) {
    assertSampleRate(inputRate);
    return input.slice();
  }
  const r = new Resampler({ inputRate, outputRate, ...quality });
  const head = r.process(input);
  const tail = r.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Row p (0..phases, one extra row for interpolation) holds the taps for fractional position
 * p/phases: tap j multiplies input sample i0 - K + 1 + j. Rows are normalised to unit DC gain.
 */
function buildTable(phases: number, K: number, fc: number, halfWidth: number, beta: number): Float32Array {
  const taps = 2 * K;
  const table = new Float32Array((phases + 1) * taps);
  const i0beta = besselI0(beta);
  for (let p = 0; p <= phases; p++) {
    const frac = p / phases;
    let sum = 0;
    const row = p * taps;
    for (let j = 0; j < taps; j++) {
      const t = frac + K - 1 - j; // distance from the output position to the input sample
      let h = 0;
      if (Math.abs(t) < halfWidth) {
        const x = 2 * fc * t;
        const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
        const r = t / halfWidth;
        const w = besselI0(beta * Math.sqrt(1 - r * r)) / i0beta;
        h = 2 * fc * sinc * w;
      }
      table[row + j] = h;
      sum += h;
    }
    for (let j = 0; j < taps; j++) table[row + j]! /= sum;
  }
  return table;
}

/** Modified Bessel function of the first kind, order 0 (series expansion). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}
