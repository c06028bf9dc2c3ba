import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { feedInRealTime } from '../../electron/engine/audio/real-time-feed.js';
import { readWavFile, writeWavFile } from '../../electron/engine/audio/wav.js';
import { systemClock } from '../../electron/engine/clock.js';
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

/** Streams 16 kHz audio in 20 ms blocks at real-time pace (as a microphone would), awaiting each push. */
export async function speakInRealTime(push: (block: Float32Array) => unknown, audio: Float32Array): Promise<void> {
  await feedInRealTime(async (b) => void (await push(b)), audio, systemClock, () => true);
}

/** A fake-microphone WAV for Chromium: real recordings (tightly trimmed) and seconds of silence, in order. */
export async function microphoneWav(parts: (string | number)[]): Promise<string> {
  const audio: Float32Array[] = [];
  for (const part of parts) {
    if (typeof part === 'number') audio.push(silence(16000, part));
    else {
      const wav = await readWavFile(speechFile(part));
      audio.push(tightTrim(wav.channels[0]!, wav.sampleRate, -40));
    }
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-mic-')), 'mic.wav');
  await writeWavFile(file, { sampleRate: 16000, channels: [concat(...audio)] }, 'pcm16');
  return file;
}
