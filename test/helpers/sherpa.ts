import { cpSync, mkdtempSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import { childProcessHost, type SherpaHost } from '../../electron/engine/providers/sherpa/host.js';
import { ROOT, speechFile } from '../paths.js';

/** The generated gibberish models (test/fixtures/sherpa/make-models.py). */
export const FIXTURE_STT = path.join(ROOT, 'test', 'fixtures', 'sherpa', 'stt-zipformer');
export const FIXTURE_TTS = path.join(ROOT, 'test', 'fixtures', 'sherpa', 'tts-vits');
/** The generated offline Moonshine: it always says "second pass". */
export const FIXTURE_MOONSHINE = path.join(ROOT, 'test', 'fixtures', 'sherpa', 'stt-moonshine');
/** The fixture TTS speaks this many samples (at 16 kHz) per known character. */
export const FIXTURE_TTS_HOP = 400;

/** A copy of a fixture model whose `file` is cut to `bytes` (a broken download). */
export function corruptCopy(fixture: string, file: string, bytes: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-sherpa-corrupt-'));
  cpSync(fixture, dir, { recursive: true });
  truncateSync(path.join(dir, file), bytes);
  return dir;
}

/** Child-process hosts that remember themselves, so a test can kill the worker or close them all. */
export function trackedHosts(): { factory: () => SherpaHost; hosts: SherpaHost[]; closeAll: () => void } {
  const hosts: SherpaHost[] = [];
  return {
    hosts,
    factory: () => {
      const h = childProcessHost();
      hosts.push(h);
      return h;
    },
    closeAll: () => hosts.splice(0).forEach((h) => h.close()),
  };
}

/** Real speech followed by `silenceS` of silence, 16 kHz mono. */
export async function speechThenSilence(name: string, silenceS: number): Promise<Float32Array> {
  const wav = await readWavFile(speechFile(name));
  const speech = wav.channels[0]!;
  const out = new Float32Array(speech.length + Math.round(silenceS * 16000));
  out.set(speech);
  return out;
}

export function* blocks(samples: Float32Array, size = 1600): Generator<Float32Array> {
  for (let i = 0; i < samples.length; i += size) yield samples.subarray(i, i + size);
}
