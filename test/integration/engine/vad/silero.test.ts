import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resample } from '../../../../electron/engine/audio/resampler.js';
import { readWavFile } from '../../../../electron/engine/audio/wav.js';
import { sha256Hex } from '../../../../electron/engine/onnx/session.js';
import { defaultResourcesDir } from '../../../../electron/engine/resources.js';
import { detectSpeechSegments } from '../../../../electron/engine/vad/segments.js';
import { SILERO_MODEL_FILE, SILERO_MODEL_SHA256, SileroVadModel } from '../../../../electron/engine/vad/silero.js';
import { VoiceActivityDetector } from '../../../../electron/engine/vad/voice-activity-detector.js';
import { SHARED_MODELS, speechFile } from '../../../paths.js';
import { concat, silence, tightTrim, whiteNoise } from '../../../helpers/signals.js';

// Real Silero VAD v6.2 through real onnxruntime, on real recordings (../shared/models/speech).
let model: SileroVadModel;
beforeAll(async () => {
  model = await SileroVadModel.load();
});
afterAll(async () => {
  await model?.release();
});

const RATE = 16000;
async function trimmedSpeech(name: string): Promise<Float32Array> {
  const wav = await readWavFile(speechFile(name));
  return tightTrim(wav.channels[0]!, wav.sampleRate, -40);
}

describe('Silero VAD (real model)', () => {
  it('ships the v6.2 model whose hash matches the shared copy', () => {
    const bundled = readFileSync(path.join(defaultResourcesDir(), SILERO_MODEL_FILE));
    expect(sha256Hex(bundled)).toBe(SILERO_MODEL_SHA256);
    expect(sha256Hex(readFileSync(path.join(SHARED_MODELS, 'silero-vad', 'silero_vad.onnx')))).toBe(SILERO_MODEL_SHA256);
    expect(model.provider).toBe('cpu');
  });

  // Tolerances, stated: Silero scores 32 ms frames and reacts to voicing, so it finds the onset a
  // little after the first sound above -40 dBFS (breaths and soft consonants come first) - at most
  // 300 ms after and never more than one frame before. The end is found within 100 ms.
  it.each(['jfk.wav', 'librivox-ss01-0870.wav', 'librivox-ss01-0880.wav', 'librivox-ss01-0890.wav'])(
    'finds the speech of %s placed between 1.2 s and 1.5 s of silence',
    async (name) => {
      const speech = await trimmedSpeech(name);
      const signal = concat(silence(RATE, 1.2), speech, silence(RATE, 1.5));
      const startMs = 1200;
      const endMs = 1200 + (speech.length / RATE) * 1000;
      // A long hangover so natural pauses inside the sentence (jfk has one of 1 s) do not split it.
      const result = await detectSpeechSegments({ sampleRate: RATE, channels: [signal] }, model, { minSilenceMs: 1500 });
      expect(result.segments).toHaveLength(1);
      const seg = result.segments[0]!;
      expect(seg.startMs).toBeGreaterThanOrEqual(startMs - 32);
      expect(seg.startMs).toBeLessThanOrEqual(startMs + 300);
      expect(Math.abs(seg.endMs - endMs)).toBeLessThanOrEqual(100);
    },
  );

  it('splits two sentences separated by 1 s of silence, and the pause inside jfk at the default hangover', async () => {
    const a = await trimmedSpeech('librivox-ss01-0880.wav');
    const b = await trimmedSpeech('librivox-ss01-0890.wav');
    const signal = concat(silence(RATE, 0.5), a, silence(RATE, 1), b, silence(RATE, 0.8));
    const result = await detectSpeechSegments({ sampleRate: RATE, channels: [signal] }, model);
    expect(result.segments).toHaveLength(2);
    const gapStart = 500 + (a.length / RATE) * 1000;
    expect(result.segments[0]!.endMs).toBeLessThanOrEqual(gapStart + 100);
    expect(result.segments[1]!.startMs).toBeGreaterThanOrEqual(gapStart + 1000 - 32);

    const jfk = await readWavFile(speechFile('jfk.wav'));
    const phrases = await detectSpeechSegments(jfk, model);
    // "And so my fellow Americans, / ask not / what your country can do for you, / ask what you can do for your country."
    expect(phrases.segments.length).toBe(4);
  });

  it('gives the same segments from a 48 kHz stereo copy as from the 16 kHz original', async () => {
    const speech = await trimmedSpeech('librivox-ss01-0870.wav');
    const signal = concat(silence(RATE, 1), speech, silence(RATE, 1));
    const at16 = await detectSpeechSegments({ sampleRate: RATE, channels: [signal] }, model, { minSilenceMs: 1000 });
    const up = resample(signal, RATE, 48000);
    const at48 = await detectSpeechSegments({ sampleRate: 48000, channels: [up, up] }, model, { minSilenceMs: 1000 });
    expect(at48.segments).toHaveLength(1);
    expect(Math.abs(at48.segments[0]!.startMs - at16.segments[0]!.startMs)).toBeLessThanOrEqual(32);
    expect(Math.abs(at48.segments[0]!.endMs - at16.segments[0]!.endMs)).toBeLessThanOrEqual(96);
  });

  it('finds no speech in pure silence', async () => {
    const result = await detectSpeechSegments({ sampleRate: RATE, channels: [silence(RATE, 10)] }, model);
    expect(result.segments).toEqual([]);
    expect(result.frames).toBe(313);
  });

  it('finds no speech (or only short bursts) in white noise at several levels', async () => {
    for (const amplitude of [0.01, 0.1, 0.5]) {
      const result = await detectSpeechSegments({ sampleRate: RATE, channels: [whiteNoise(RATE, 10, amplitude, 7)] }, model);
      for (const seg of result.segments) expect(seg.endMs - seg.startMs).toBeLessThan(500);
      expect(result.speechMs).toBeLessThan(1000);
    }
  });

  it('scores speech frames high and silence frames low, the same on every run after reset', async () => {
    const speech = await trimmedSpeech('librivox-ss01-0890.wav');
    const signal = concat(silence(RATE, 1.024), speech, silence(RATE, 1.024));
    const runOnce = async () => {
      const probs: number[] = [];
      await detectSpeechSegments({ sampleRate: RATE, channels: [signal] }, model, { onProbability: (p) => probs.push(p) });
      return probs;
    };
    const first = await runOnce();
    const second = await runOnce();
    expect(second).toEqual(first);
    const silent = first.slice(0, 30);
    const spoken = first.slice(40, 40 + Math.floor(speech.length / 512) - 20);
    expect(Math.max(...silent)).toBeLessThan(0.1);
    expect(spoken.reduce((a, b) => a + b, 0) / spoken.length).toBeGreaterThan(0.8);
  });

  it('streams a live-sized feed (20 ms blocks) and hands over the utterance audio with pre-roll', async () => {
    const speech = await trimmedSpeech('librivox-ss01-0880.wav');
    const signal = concat(silence(RATE, 1), speech, silence(RATE, 1));
    model.reset();
    const vad = new VoiceActivityDetector(model, { preRollMs: 200 });
    const events = [];
    for (let i = 0; i < signal.length; i += 320) events.push(...(await vad.push(signal.subarray(i, i + 320))));
    events.push(...(await vad.end()));
    const end = events.find((e) => e.type === 'speech-end');
    expect(end?.type).toBe('speech-end');
    if (end?.type !== 'speech-end') return;
    expect(end.audioStartMs).toBe(end.startMs - 224); // 200 ms rounds up to 7 whole frames
    const audioMs = (end.audio!.length / RATE) * 1000;
    expect(audioMs).toBeCloseTo(end.atMs - end.audioStartMs!, 0);
  });

  it('loads the v5.1.2 model too (same interface)', async () => {
    const v5 = await SileroVadModel.load({ modelPath: path.join(SHARED_MODELS, 'silero-vad', 'silero_vad_v5.onnx') });
    try {
      const result = await detectSpeechSegments(await readWavFile(speechFile('librivox-ss01-0880.wav')), v5);
      expect(result.segments).toHaveLength(1);
    } finally {
      await v5.release();
    }
  });

  describe('bad model files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-model-'));

    it('a missing file', async () => {
      await expect(SileroVadModel.load({ modelPath: path.join(dir, 'missing.onnx') })).rejects.toMatchObject({ code: 'onnx/model-not-found' });
    });

    it('a tampered copy fails the checksum before it is loaded', async () => {
      const copy = path.join(dir, 'tampered.onnx');
      copyFileSync(path.join(defaultResourcesDir(), SILERO_MODEL_FILE), copy);
      const bytes = readFileSync(copy);
      bytes[bytes.length - 100]! ^= 0xff;
      writeFileSync(copy, bytes);
      await expect(SileroVadModel.load({ modelPath: copy, sha256: SILERO_MODEL_SHA256 })).rejects.toMatchObject({ code: 'model/checksum-mismatch' });
    });

    it('a corrupt file', async () => {
      const junk = path.join(dir, 'junk.onnx');
      writeFileSync(junk, 'not a model');
      await expect(SileroVadModel.load({ modelPath: junk })).rejects.toMatchObject({ code: 'onnx/model-invalid' });
    });

    it('a valid ONNX model that is not Silero', async () => {
      await expect(SileroVadModel.load({ modelPath: path.join(SHARED_MODELS, 'gtcrn', 'gtcrn_simple.onnx') })).rejects.toMatchObject({
        code: 'onnx/model-invalid',
        message: expect.stringMatching(/not a Silero VAD/),
      });
    });
  });
});
