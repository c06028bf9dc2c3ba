import { describe, expect, it } from 'vitest';
import {
  SMART_TURN_FRAMES,
  WHISPER_MEL_BINS,
  WhisperFeatureExtractor,
  hzToMelSlaney,
  melToHzSlaney,
} from '../../../../electron/engine/turn/whisper-features.js';
import { buildSignal, loadFeatureReferences } from '../../../helpers/turn-signals.js';

// Reference values from test/fixtures/smart-turn/generate.py (numpy rfft, librosa's Slaney filterbank, float64).
const TOLERANCE = 1e-4;
const references = loadFeatureReferences();
const extractor = new WhisperFeatureExtractor();

function maxAbsError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

describe('WhisperFeatureExtractor against numpy reference values', () => {
  it('covers the cases the generator wrote', () => {
    expect(references.map((r) => r.name)).toEqual([
      'silence-1s',
      'tone-440hz-1s',
      'chirp-and-noise-3s',
      'dc-offset-then-silence-2s',
      'impulse-0.1s',
      'harmonics-10s-truncated',
    ]);
  });

  describe.each(references.map((r) => [r.name, r] as const))('%s', (_name, ref) => {
    const features = extractor.extract(buildSignal(ref));

    it('has the [1, 80, 800] layout, mel-major', () => {
      expect(features).toBeInstanceOf(Float32Array);
      expect(features.length).toBe(WHISPER_MEL_BINS * SMART_TURN_FRAMES);
    });

    it('matches min and max', () => {
      let min = Infinity;
      let max = -Infinity;
      for (const v of features) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(Math.abs(min - ref.min)).toBeLessThan(TOLERANCE);
      expect(Math.abs(max - ref.max)).toBeLessThan(TOLERANCE);
    });

    it('matches every mel row mean and every frame column mean', () => {
      const rows = new Float64Array(WHISPER_MEL_BINS);
      const cols = new Float64Array(SMART_TURN_FRAMES);
      for (let m = 0; m < WHISPER_MEL_BINS; m++) {
        for (let t = 0; t < SMART_TURN_FRAMES; t++) {
          const v = features[m * SMART_TURN_FRAMES + t]!;
          rows[m]! += v / SMART_TURN_FRAMES;
          cols[t]! += v / WHISPER_MEL_BINS;
        }
      }
      expect(maxAbsError(rows, ref.rowMeans)).toBeLessThan(TOLERANCE);
      expect(maxAbsError(cols, ref.columnMeans)).toBeLessThan(TOLERANCE);
    });

    it('matches scattered single values and the last frames whole', () => {
      const scattered = ref.scattered.values.map((_, k) => features[(k * ref.scattered.stride) % features.length]!);
      expect(maxAbsError(scattered, ref.scattered.values)).toBeLessThan(TOLERANCE);
      const tail: number[] = [];
      for (let m = 0; m < WHISPER_MEL_BINS; m++) {
        for (let t = SMART_TURN_FRAMES - ref.tail.frames; t < SMART_TURN_FRAMES; t++) tail.push(features[m * SMART_TURN_FRAMES + t]!);
      }
      expect(maxAbsError(tail, ref.tail.values)).toBeLessThan(TOLERANCE);
    });
  });
});

describe('WhisperFeatureExtractor behaviour', () => {
  it('silence is the floor everywhere: log10(1e-10) -> (-10 + 4) / 4', () => {
    const f = extractor.extract(new Float32Array(3200));
    expect(new Set(f)).toEqual(new Set([-1.5]));
  });

  it('an empty buffer is 8 s of silence, not an error', () => {
    expect(extractor.extract(new Float32Array(0))[0]).toBe(-1.5);
  });

  it('only the last 8 s count: audio before them changes nothing', () => {
    const ref = references.find((r) => r.name === 'chirp-and-noise-3s')!;
    const tail = buildSignal({ ...ref, samples: 128000 });
    const longer = new Float32Array(128000 + 5000);
    longer.fill(0.9, 0, 5000);
    longer.set(tail, 5000);
    expect(Array.from(extractor.extract(longer))).toEqual(Array.from(extractor.extract(tail)));
  });

  it('is gain-invariant (normalised input) and writes into a caller buffer', () => {
    const ref = references.find((r) => r.name === 'tone-440hz-1s')!;
    const x = buildSignal(ref);
    const louder = x.map((v) => v * 4);
    const out = new Float32Array(WHISPER_MEL_BINS * SMART_TURN_FRAMES);
    expect(extractor.extract(louder, out)).toBe(out);
    expect(maxAbsError(out, extractor.extract(x))).toBeLessThan(1e-5);
  });

  it('rejects non-finite samples and a wrongly sized output buffer with typed errors', () => {
    const bad = new Float32Array(100);
    bad[50] = Number.NaN;
    expect(() => extractor.extract(bad)).toThrow(expect.objectContaining({ code: 'audio/invalid-input' }));
    expect(() => extractor.extract(new Float32Array(10), new Float32Array(10))).toThrow(expect.objectContaining({ code: 'audio/invalid-input' }));
  });

  it('uses the Slaney mel scale: linear to 1 kHz, logarithmic above, invertible', () => {
    expect(hzToMelSlaney(1000)).toBeCloseTo(15, 12);
    expect(hzToMelSlaney(500)).toBeCloseTo(7.5, 12);
    expect(hzToMelSlaney(6400)).toBeCloseTo(42, 12);
    for (const hz of [0, 40, 999, 1000, 3000, 8000]) expect(melToHzSlaney(hzToMelSlaney(hz))).toBeCloseTo(hz, 9);
  });
});
