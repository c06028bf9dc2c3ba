import { cpSync, mkdtempSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import type { LocalProcessHost } from '../../electron/engine/local/host.js';
import { forkSpawner, type LocalChild, type Spawner } from '../../electron/engine/local/spawner.js';
import { newSherpaHost, type SherpaKind } from '../../electron/engine/providers/sherpa/host.js';
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

/** The compiled local-process entry and sherpa-onnx worker module (integration tests build out/node first), as shipped. */
const OUT = path.join(ROOT, 'out', 'node', 'electron', 'engine');
export const LOCAL_ENTRY = path.join(OUT, 'local', 'child-entry.js');
export const SHERPA_MODULE = path.join(OUT, 'providers', 'sherpa', 'sherpa-worker.js');

/** forkSpawner running the compiled entry and worker (the sources' own paths point at .ts files plain Node cannot run). */
export const compiledSpawner: Spawner = (o) => forkSpawner({ ...o, entry: LOCAL_ENTRY, args: [SHERPA_MODULE] });

/**
 * Real local-process hosts for the sherpa-onnx worker (forked children), remembering every host and
 * every process they start, so a test can kill a worker, count processes, or close them all.
 */
export function trackedHosts(): { host: (kind: SherpaKind, maxRestarts?: number) => LocalProcessHost; hosts: LocalProcessHost[]; spawned: LocalChild[]; spawn: Spawner; closeAll: () => void } {
  const hosts: LocalProcessHost[] = [];
  const spawned: LocalChild[] = [];
  const spawn: Spawner = (o) => {
    const child = compiledSpawner(o);
    spawned.push(child);
    return child;
  };
  return {
    hosts,
    spawned,
    spawn,
    host: (kind, maxRestarts) => {
      const h = newSherpaHost(kind, { spawn, ...(maxRestarts !== undefined ? { maxRestarts } : {}) });
      hosts.push(h);
      return h;
    },
    closeAll: () => {
      hosts.splice(0).forEach((h) => h.close());
      // Processes of shared hosts (built from a context's spawner) too.
      spawned.splice(0).forEach((c) => c.kill());
    },
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
