// Smart Turn per-call cost: the TypeScript log-mel features on 8 s of speech, and one runner call
// end to end. The real weights cannot be fetched here, so the runner uses the stand-in model from
// test/fixtures/smart-turn: its inference time says nothing about the real model's (about 8.7 MB,
// Whisper-tiny encoder); the feature time is the real cost.
import path from 'node:path';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import { SmartTurnDetector } from '../../electron/engine/turn/smart-turn.js';
import { WhisperFeatureExtractor } from '../../electron/engine/turn/whisper-features.js';
import { SMART_TURN_FIXTURES } from '../helpers/turn-signals.js';
import { speechFile } from '../paths.js';
import { summarize, type Summary } from './stats.js';

export async function smartTurnPerCall(calls = 40): Promise<{ featuresMs: Summary; callMs: Summary; calls: number }> {
  const wav = await readWavFile(speechFile('silero-test-60s.wav'));
  const samples = wav.channels[0]!;
  const extractor = new WhisperFeatureExtractor();
  const detector = await SmartTurnDetector.load({ modelPath: path.join(SMART_TURN_FIXTURES, 'stand-in.onnx') });
  const windowAt = (i: number) => samples.subarray(i * 16000, i * 16000 + 128000);
  // Warm up (JIT, onnxruntime's first run).
  for (let i = 0; i < 5; i++) await detector.predict(windowAt(i));
  const features: number[] = [];
  const call: number[] = [];
  for (let i = 0; i < calls; i++) {
    const audio = windowAt(i % 50);
    let t = performance.now();
    extractor.extract(audio);
    features.push(performance.now() - t);
    t = performance.now();
    await detector.predict(audio);
    call.push(performance.now() - t);
  }
  await detector.release();
  return { featuresMs: summarize(features), callMs: summarize(call), calls };
}
