import { downmixToMono, type PcmAudio } from '../audio/pcm.js';
import { systemClock } from '../clock.js';
import type { SpeechProbabilityModel } from './silero.js';
import { VoiceActivityDetector, type VoiceActivityDetectorOptions } from './voice-activity-detector.js';

export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

export interface SpeechDetection {
  segments: SpeechSegment[];
  /** Bursts of speech shorter than minSpeechMs that were discarded. */
  misfires: number;
  durationMs: number;
  speechMs: number;
  frames: number;
  /** Wall time spent, and its ratio to the audio's duration (lower is faster). */
  processingMs: number;
  realTimeFactor: number;
}

/** Runs a whole recording (any rate, any channel count) through the streaming VAD. */
export async function detectSpeechSegments(
  audio: PcmAudio,
  model: SpeechProbabilityModel,
  options: Omit<VoiceActivityDetectorOptions, 'inputRate' | 'collectAudio'> = {},
): Promise<SpeechDetection> {
  const mono = downmixToMono(audio.channels);
  const block = audio.sampleRate; // one second at a time, as a stream would arrive
  async function* blocks() {
    for (let i = 0; i < mono.length; i += block) yield mono.subarray(i, i + block);
  }
  return detectSpeechInBlocks(blocks(), audio.sampleRate, model, options);
}

/** Runs a recording streamed as mono blocks at `sampleRate` through the VAD, holding no more than a block. */
export async function detectSpeechInBlocks(
  blocks: AsyncIterable<Float32Array>,
  sampleRate: number,
  model: SpeechProbabilityModel,
  options: Omit<VoiceActivityDetectorOptions, 'inputRate' | 'collectAudio'> = {},
): Promise<SpeechDetection> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  model.reset();
  let frames = 0;
  const vad = new VoiceActivityDetector(model, {
    ...options,
    inputRate: sampleRate,
    collectAudio: false,
    onProbability: (p, at, frame) => {
      frames++;
      options.onProbability?.(p, at, frame);
    },
  });
  const events = [];
  let samples = 0;
  for await (const block of blocks) {
    samples += block.length;
    events.push(...(await vad.push(block)));
  }
  events.push(...(await vad.end()));

  const durationMs = (samples / sampleRate) * 1000;
  const segments: SpeechSegment[] = [];
  let misfires = 0;
  for (const e of events) {
    if (e.type === 'speech-end') segments.push({ startMs: e.startMs, endMs: Math.min(e.endMs, durationMs) });
    else if (e.type === 'misfire') misfires++;
  }
  const processingMs = clock.now() - started;
  return {
    segments,
    misfires,
    durationMs,
    speechMs: segments.reduce((t, s) => t + (s.endMs - s.startMs), 0),
    frames,
    processingMs,
    realTimeFactor: durationMs > 0 ? processingMs / durationMs : 0,
  };
}
