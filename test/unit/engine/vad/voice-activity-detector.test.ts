import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import type { SpeechProbabilityModel } from '../../../../electron/engine/vad/silero.js';
import { VoiceActivityDetector } from '../../../../electron/engine/vad/voice-activity-detector.js';
import { concat, rmsOf, silence, sine } from '../../../helpers/signals.js';

/** Scores a frame by its loudness: a stand-in for Silero that makes tone = speech, quiet = silence. */
class LoudnessModel implements SpeechProbabilityModel {
  readonly sampleRate = 16000;
  readonly frameSamples = 512;
  resets = 0;
  frames = 0;
  async process(frame: Float32Array): Promise<number> {
    this.frames++;
    return rmsOf(frame) > 0.05 ? 0.95 : 0.02;
  }
  reset(): void {
    this.resets++;
  }
}

describe('VoiceActivityDetector', () => {
  it('resamples 48 kHz input pushed in odd block sizes and times events in stream milliseconds', async () => {
    const clock = new ManualClock(1000);
    const model = new LoudnessModel();
    const vad = new VoiceActivityDetector(model, { inputRate: 48000, clock });
    // 1.024 s of silence, 1.024 s of tone, 1.024 s of silence: boundaries on 32 ms frame edges.
    const audio = concat(silence(48000, 1.024), sine(440, 48000, 1.024, 0.5), silence(48000, 1.024));
    const events = [];
    for (let i = 0, k = 0; i < audio.length; k++) {
      const n = [1000, 4096, 7, 480][k % 4]!;
      clock.advance(10);
      events.push(...(await vad.push(audio.subarray(i, i + n))));
      i += n;
    }
    events.push(...(await vad.end()));
    const start = events.find((e) => e.type === 'speech-start')!;
    const end = events.find((e) => e.type === 'speech-end')!;
    // The resampler's filter smears the edges by at most one frame.
    expect(Math.abs(start.startMs - 1024)).toBeLessThanOrEqual(32);
    expect(end.type === 'speech-end' && Math.abs(end.endMs - 2048)).toBeLessThanOrEqual(32);
    // 3.072 s of 16 kHz audio is exactly 96 frames.
    expect(model.frames).toBe(96);
    expect(start.detectedAt).toBeGreaterThan(1000);
    expect(end.detectedAt).toBeGreaterThanOrEqual(start.detectedAt);
    expect(end.type === 'speech-end' && end.audio?.length).toBeGreaterThan(16000);
  });

  it('runs pushes in order even when not awaited one by one', async () => {
    const model = new LoudnessModel();
    const seen: number[] = [];
    const vad = new VoiceActivityDetector(model, { onProbability: (_p, at) => seen.push(at) });
    const pending = [vad.push(new Float32Array(700)), vad.push(new Float32Array(700)), vad.end()];
    await Promise.all(pending);
    expect(seen).toEqual([0, 32, 64]);
  });

  it('reset starts a fresh stream', async () => {
    const model = new LoudnessModel();
    const vad = new VoiceActivityDetector(model);
    await vad.push(sine(440, 16000, 0.5));
    vad.reset();
    expect(model.resets).toBe(1);
    expect(vad.endpointer.positionMs).toBe(0);
    expect(await vad.end()).toEqual([]);
  });

  it('rejects a model that returns garbage', async () => {
    const broken: SpeechProbabilityModel = { sampleRate: 16000, frameSamples: 512, process: async () => Number.NaN, reset: () => {} };
    await expect(new VoiceActivityDetector(broken).push(new Float32Array(512))).rejects.toMatchObject({ code: 'onnx/inference-failed' });
  });
});
