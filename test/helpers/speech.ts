import { readWavFile } from '../../electron/engine/audio/wav.js';
import { speechFile } from '../paths.js';
import { concat, silence, tightTrim } from './signals.js';

/** A real recording (16 kHz) trimmed tight and padded with silence: where the speech is, is known. */
export async function paddedSpeech(name: string, leadS = 0.5, tailS = 1.5): Promise<{ audio: Float32Array; speechMs: number; startMs: number }> {
  const wav = await readWavFile(speechFile(name));
  const speech = tightTrim(wav.channels[0]!, wav.sampleRate, -40);
  return { audio: concat(silence(16000, leadS), speech, silence(16000, tailS)), speechMs: (speech.length / 16) | 0, startMs: leadS * 1000 };
}

/** Feeds audio in 20 ms blocks, optionally paced in real time (ms per block). */
export async function feed(push: (s: Float32Array) => unknown, audio: Float32Array, paceMs = 0): Promise<void> {
  for (let i = 0; i < audio.length; i += 320) {
    await push(audio.subarray(i, i + 320));
    if (paceMs > 0) await new Promise((r) => setTimeout(r, paceMs));
  }
}
