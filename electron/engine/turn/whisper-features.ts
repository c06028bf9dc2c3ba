import { ParleyError } from '../errors.js';
import { RealFft } from './real-fft.js';

/**
 * The log-mel input of Smart Turn v3.x: Whisper's feature extractor with chunk_length 8, applied
 * as pipecat-ai/smart-turn's inference does (last 8 s, zero-padded at the front, normalised).
 */
export const WHISPER_SAMPLE_RATE = 16000;
export const WHISPER_N_FFT = 400;
export const WHISPER_HOP = 160;
export const WHISPER_MEL_BINS = 80;
/** Smart Turn looks at the last 8 s. */
export const SMART_TURN_WINDOW_SAMPLES = 8 * WHISPER_SAMPLE_RATE;
/** 1 + 128000/160 centred frames, the last one dropped. */
export const SMART_TURN_FRAMES = SMART_TURN_WINDOW_SAMPLES / WHISPER_HOP;
/** Shape of the `input_features` tensor. */
export const SMART_TURN_FEATURE_DIMS = [1, WHISPER_MEL_BINS, SMART_TURN_FRAMES] as const;

const LOG_FLOOR = 1e-10;
/** Added to the variance before the square root, as transformers' zero_mean_unit_var_norm does. */
const NORM_EPSILON = 1e-7;
/** Dynamic range kept below the loudest bin, in log10 units (80 dB). */
const DYNAMIC_RANGE = 8;

/** One triangular Slaney-normalised mel filter, stored sparsely: weights for FFT bins start.. */
interface MelFilter {
  start: number;
  weights: Float64Array;
}

/** Hertz to mel on the Slaney scale: linear below 1 kHz, logarithmic above. */
export function hzToMelSlaney(hz: number): number {
  const linearEnd = 1000;
  const melPerHz = 3 / 200;
  if (hz < linearEnd) return hz * melPerHz;
  return linearEnd * melPerHz + Math.log(hz / linearEnd) / (Math.log(6.4) / 27);
}

export function melToHzSlaney(mel: number): number {
  const linearEndMel = 15;
  if (mel < linearEndMel) return (mel * 200) / 3;
  return 1000 * Math.exp((Math.log(6.4) / 27) * (mel - linearEndMel));
}

/**
 * Triangular filters with centres evenly spaced on the mel scale over [fMin, fMax], each scaled
 * by 2 / (its bandwidth in Hz) ("slaney" area normalisation), over the rfft bin frequencies.
 */
export function slaneyMelFilters(sampleRate: number, nFft: number, melBins: number, fMin: number, fMax: number): MelFilter[] {
  const bins = nFft / 2 + 1;
  const melMin = hzToMelSlaney(fMin);
  const melMax = hzToMelSlaney(fMax);
  const edges: number[] = [];
  for (let i = 0; i < melBins + 2; i++) edges.push(melToHzSlaney(melMin + ((melMax - melMin) * i) / (melBins + 1)));
  const filters: MelFilter[] = [];
  for (let m = 0; m < melBins; m++) {
    const [lo, centre, hi] = [edges[m]!, edges[m + 1]!, edges[m + 2]!];
    const norm = 2 / (hi - lo);
    const dense: number[] = [];
    let start = -1;
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      const w = Math.max(0, Math.min((f - lo) / (centre - lo), (hi - f) / (hi - centre)));
      if (w > 0) {
        if (start < 0) start = k;
        dense[k - start] = w * norm;
      } else if (start >= 0) {
        break;
      }
    }
    filters.push({ start: Math.max(start, 0), weights: Float64Array.from(dense) });
  }
  return filters;
}

/**
 * Computes Smart Turn's `input_features` ([1, 80, 800], row-major mel x frame) from 16 kHz mono
 * audio. Window, filterbank, FFT tables and scratch are built once; `extract` allocates only its
 * output (or none, given `out`).
 */
export class WhisperFeatureExtractor {
  private readonly window = new Float64Array(WHISPER_N_FFT);
  private readonly filters = slaneyMelFilters(WHISPER_SAMPLE_RATE, WHISPER_N_FFT, WHISPER_MEL_BINS, 0, WHISPER_SAMPLE_RATE / 2);
  private readonly fft = new RealFft(WHISPER_N_FFT);
  /** The normalised 8 s window with WHISPER_N_FFT/2 reflected samples either side. */
  private readonly padded = new Float64Array(SMART_TURN_WINDOW_SAMPLES + WHISPER_N_FFT);
  private readonly frame = new Float64Array(WHISPER_N_FFT);
  private readonly re = new Float64Array(WHISPER_N_FFT / 2 + 1);
  private readonly im = new Float64Array(WHISPER_N_FFT / 2 + 1);
  private readonly power = new Float64Array(WHISPER_N_FFT / 2 + 1);
  private readonly logMel = new Float64Array(WHISPER_MEL_BINS * SMART_TURN_FRAMES);

  constructor() {
    // Periodic Hann (numpy/torch `hann_window(periodic=True)`), as Whisper uses.
    for (let n = 0; n < WHISPER_N_FFT; n++) this.window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / WHISPER_N_FFT);
  }

  /** Features of the last 8 s of `audio` (16 kHz, any length; shorter is zero-padded at the front). */
  extract(audio: Float32Array, out: Float32Array = new Float32Array(WHISPER_MEL_BINS * SMART_TURN_FRAMES)): Float32Array {
    if (out.length !== WHISPER_MEL_BINS * SMART_TURN_FRAMES) {
      throw new ParleyError('audio/invalid-input', `feature buffer must hold ${WHISPER_MEL_BINS * SMART_TURN_FRAMES} values, got ${out.length}`);
    }
    this.fillNormalisedWindow(audio);
    const half = WHISPER_N_FFT / 2;
    const padded = this.padded;
    let max = -Infinity;
    for (let t = 0; t < SMART_TURN_FRAMES; t++) {
      const begin = t * WHISPER_HOP;
      for (let n = 0; n < WHISPER_N_FFT; n++) this.frame[n] = padded[begin + n]! * this.window[n]!;
      this.fft.transform(this.frame, this.re, this.im);
      for (let k = 0; k <= half; k++) this.power[k] = this.re[k]! * this.re[k]! + this.im[k]! * this.im[k]!;
      for (let m = 0; m < WHISPER_MEL_BINS; m++) {
        const { start, weights } = this.filters[m]!;
        let energy = 0;
        for (let i = 0; i < weights.length; i++) energy += weights[i]! * this.power[start + i]!;
        const value = Math.log10(Math.max(energy, LOG_FLOOR));
        this.logMel[m * SMART_TURN_FRAMES + t] = value;
        if (value > max) max = value;
      }
    }
    const floor = max - DYNAMIC_RANGE;
    for (let i = 0; i < out.length; i++) out[i] = (Math.max(this.logMel[i]!, floor) + 4) / 4;
    return out;
  }

  /** Last 8 s, front-padded with zeros, zero mean / unit variance, then centred reflect padding. */
  private fillNormalisedWindow(audio: Float32Array): void {
    const pad = WHISPER_N_FFT / 2;
    const n = SMART_TURN_WINDOW_SAMPLES;
    const taken = Math.min(audio.length, n);
    const lead = n - taken;
    const source = audio.subarray(audio.length - taken);
    let sum = 0;
    for (let i = 0; i < taken; i++) {
      const x = source[i]!;
      if (!Number.isFinite(x)) throw new ParleyError('audio/invalid-input', 'audio for Smart Turn contains a non-finite sample');
      sum += x;
    }
    const mean = sum / n;
    // Two-pass variance over the whole window, the leading zeros included.
    let squares = lead * mean * mean;
    for (let i = 0; i < taken; i++) squares += (source[i]! - mean) ** 2;
    const scale = 1 / Math.sqrt(squares / n + NORM_EPSILON);
    const padded = this.padded;
    padded.fill(-mean * scale, pad, pad + lead);
    for (let i = 0; i < taken; i++) padded[pad + lead + i] = (source[i]! - mean) * scale;
    // Reflect (mirror without repeating the edge sample), as numpy.pad(mode="reflect").
    for (let i = 1; i <= pad; i++) {
      padded[pad - i] = padded[pad + i]!;
      padded[pad + n - 1 + i] = padded[pad + n - 1 - i]!;
    }
  }
}
