import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { sha256Hex } from '../../../../electron/engine/onnx/session.js';
import { SmartTurnDetector } from '../../../../electron/engine/turn/smart-turn.js';
import { SMART_TURN_FRAMES, WHISPER_MEL_BINS, WhisperFeatureExtractor } from '../../../../electron/engine/turn/whisper-features.js';
import { SMART_TURN_FIXTURES, buildSignal } from '../../../helpers/turn-signals.js';

// Stand-in models from test/fixtures/smart-turn/make-models.py: same input and output as Smart Turn,
// score = 4 * (mean of the features of the last 100 frames - 0.25).
const STAND_IN = path.join(SMART_TURN_FIXTURES, 'stand-in.onnx');
const STAND_IN_LOGIT = path.join(SMART_TURN_FIXTURES, 'stand-in-logit.onnx');
const WRONG_INPUT = path.join(SMART_TURN_FIXTURES, 'wrong-input.onnx');

function expectedScore(audio: Float32Array): number {
  const f = new WhisperFeatureExtractor().extract(audio);
  let sum = 0;
  for (let m = 0; m < WHISPER_MEL_BINS; m++) for (let t = 700; t < SMART_TURN_FRAMES; t++) sum += f[m * SMART_TURN_FRAMES + t]!;
  return 4 * (sum / (WHISPER_MEL_BINS * 100) - 0.25);
}
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const speechToTheEnd = buildSignal({ name: 'voiced', samples: 48000, parts: [{ kind: 'sine', hz: 180, amp: 0.3 }, { kind: 'sine', hz: 1200, amp: 0.1 }, { kind: 'noise', seed: 5, amp: 0.05 }] });
const speechThenSilence = buildSignal({ name: 'voiced-then-quiet', samples: 48000, parts: [{ kind: 'sine', hz: 180, amp: 0.3 }, { kind: 'noise', seed: 5, amp: 0.05 }, { kind: 'gate', start: 0, end: 1.5 }] });

describe('SmartTurnDetector with a stand-in model (real onnxruntime)', () => {
  let detector: SmartTurnDetector;
  beforeAll(async () => {
    detector = await SmartTurnDetector.load({ modelPath: STAND_IN });
  });
  afterAll(() => detector.release());

  it('feeds input_features [1, 80, 800] and returns the model\'s probability exactly', async () => {
    for (const audio of [speechToTheEnd, speechThenSilence, new Float32Array(0)]) {
      const result = await detector.predict(audio);
      expect(result.probability).toBeCloseTo(sigmoid(expectedScore(audio)), 6);
      expect(result.complete).toBe(result.probability > 0.5);
    }
    expect(detector.provider).toBe('cpu');
    // The stand-in reads the last second: voice there is complete, a quiet ending is not.
    expect((await detector.predict(speechToTheEnd)).complete).toBe(true);
    expect((await detector.predict(speechThenSilence)).complete).toBe(false);
  });

  it('silence scores sigmoid(4 * (-1.5 - 0.25)) = sigmoid(-7): incomplete', async () => {
    const result = await detector.predict(new Float32Array(16000));
    expect(result.probability).toBeCloseTo(sigmoid(-7), 6);
    expect(result.complete).toBe(false);
  });

  it('concurrent calls are serialised and each gets its own answer', async () => {
    const [a, b] = await Promise.all([detector.predict(speechToTheEnd), detector.predict(new Float32Array(16000))]);
    expect(a.probability).toBeCloseTo(sigmoid(expectedScore(speechToTheEnd)), 6);
    expect(b.probability).toBeCloseTo(sigmoid(-7), 6);
  });

  it('reports feature and inference time from the injected clock', async () => {
    const clock = new ManualClock(1000);
    const timed = await SmartTurnDetector.load({ modelPath: STAND_IN }, { clock });
    try {
      const result = await timed.predict(speechToTheEnd);
      expect(result.featureMs).toBe(0);
      expect(result.inferenceMs).toBe(0);
    } finally {
      await timed.release();
    }
  });
});

describe('SmartTurnDetector output kinds and thresholds', () => {
  it('a model that outputs logits gets the sigmoid applied when told so', async () => {
    const d = await SmartTurnDetector.load({ modelPath: STAND_IN_LOGIT, output: 'logit' });
    try {
      expect((await d.predict(speechToTheEnd)).probability).toBeCloseTo(sigmoid(expectedScore(speechToTheEnd)), 6);
    } finally {
      await d.release();
    }
  });

  it('a logit read as a probability is a typed error, not a silent wrong answer', async () => {
    const d = await SmartTurnDetector.load({ modelPath: STAND_IN_LOGIT });
    try {
      // Silence: score -7, outside [0, 1].
      await expect(d.predict(new Float32Array(16000))).rejects.toMatchObject({ code: 'onnx/inference-failed', message: expect.stringMatching(/logit/) });
    } finally {
      await d.release();
    }
  });

  it('the threshold decides complete', async () => {
    // Silence scores sigmoid(-7) = 0.0009: incomplete at the default 0.5, complete above a 0.0005 threshold.
    const eager = await SmartTurnDetector.load({ modelPath: STAND_IN, threshold: 0.0005 });
    try {
      expect((await eager.predict(new Float32Array(16000))).complete).toBe(true);
    } finally {
      await eager.release();
    }
    await expect(SmartTurnDetector.load({ modelPath: STAND_IN, threshold: 1 })).rejects.toMatchObject({ code: 'settings/invalid' });
  });
});

describe('SmartTurnDetector load faults', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-smart-turn-'));

  it('a missing model says it is not installed and how to get it', async () => {
    await expect(SmartTurnDetector.load({ modelPath: path.join(dir, 'absent.onnx') })).rejects.toMatchObject({
      code: 'onnx/model-not-found',
      message: expect.stringMatching(/Smart Turn model is not installed.*parley models pull smart-turn-v3\.2/),
    });
  });

  it('a corrupt file is a model error that says to reinstall', async () => {
    const corrupt = path.join(dir, 'corrupt.onnx');
    writeFileSync(corrupt, readFileSync(STAND_IN).subarray(0, 200));
    await expect(SmartTurnDetector.load({ modelPath: corrupt })).rejects.toMatchObject({
      code: 'onnx/model-invalid',
      message: expect.stringMatching(/Smart Turn model .* is damaged.*parley models pull smart-turn-v3\.2/),
    });
  });

  it('a file with the wrong checksum is refused', async () => {
    await expect(SmartTurnDetector.load({ modelPath: STAND_IN, sha256: '00'.repeat(32) })).rejects.toMatchObject({ code: 'model/checksum-mismatch' });
    const ok = await SmartTurnDetector.load({ modelPath: STAND_IN, sha256: sha256Hex(readFileSync(STAND_IN)) });
    await ok.release();
  });

  it('a model without input_features is not a Smart Turn model', async () => {
    await expect(SmartTurnDetector.load({ modelPath: WRONG_INPUT })).rejects.toMatchObject({
      code: 'onnx/model-invalid',
      message: expect.stringMatching(/input 'input_features' missing/),
    });
  });
});
