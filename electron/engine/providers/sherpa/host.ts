import { createRequire } from 'node:module';
import path from 'node:path';
import { LocalProcessHost } from '../../local/host.js';
import { compiledOrSource } from '../../local/module-path.js';
import type { Spawner } from '../../local/spawner.js';

/** What the providers use of a local inference process host (tests inject their own). */
export type SherpaHost = Pick<LocalProcessHost, 'stream' | 'request'>;
export type SherpaKind = 'stt' | 'tts';

/** The worker module the local inference process runs (compiled beside this file; its source under tsx). */
export const SHERPA_WORKER_MODULE = compiledOrSource(new URL('./sherpa-worker.js', import.meta.url));

const NAMES: Record<SherpaKind, string> = { stt: 'local speech recognition (sherpa-onnx)', tts: 'local voice (sherpa-onnx)' };

// One process per kind and spawner for the whole session: the app builds providers for each
// conversation, and a process per conversation would leave loaded models behind. STT and TTS get
// one each: a voice that aborts its process does not cut the recognizer off mid-utterance, the
// recognizer's synchronous decoding never delays a synthesis (or its cancel), and each has its
// own restart budget.
const forSpawner = new WeakMap<Spawner, Map<SherpaKind, LocalProcessHost>>();
const forDefault = new Map<SherpaKind, LocalProcessHost>();

/**
 * The shared sherpa-onnx process host for `kind`: a forked child under the CLI and `parley serve`
 * (no spawner given), a utility process main starts under Electron (the engine's local spawner).
 */
export function sherpaHost(kind: SherpaKind, spawner?: Spawner): LocalProcessHost {
  let hosts = spawner ? forSpawner.get(spawner) : forDefault;
  if (!hosts) forSpawner.set(spawner!, (hosts = new Map()));
  let host = hosts.get(kind);
  if (!host) hosts.set(kind, (host = newSherpaHost(kind, spawner ? { spawn: spawner } : {})));
  return host;
}

/** A host of its own (tests: a restart budget and a process nothing else shares). */
export function newSherpaHost(kind: SherpaKind, o: { spawn?: Spawner; entry?: string; module?: string; maxRestarts?: number } = {}): LocalProcessHost {
  const env = nativeLibraryEnv(process.env);
  return new LocalProcessHost({
    module: o.module ?? SHERPA_WORKER_MODULE,
    name: NAMES[kind],
    ...(o.spawn ? { spawn: o.spawn } : {}),
    ...(o.entry ? { entry: o.entry } : {}),
    ...(o.maxRestarts !== undefined ? { maxRestarts: o.maxRestarts } : {}),
    ...(Object.keys(env).length ? { env } : {}),
  });
}

/**
 * The folder of sherpa-onnx's platform package on the native loader's path, for the worker's
 * environment (only the variable to add). Its addon links libsherpa-onnx-c-api and libonnxruntime
 * beside it: Linux finds them through the addon's $ORIGIN runpath and Windows in the addon's folder,
 * but sherpa-onnx-node asks for DYLD_LIBRARY_PATH on macOS. Set at spawn time (a loader reads it
 * only when a process starts); honoured under the CLI's fork (main's utilityProcess.fork takes no
 * environment from the engine, and a hardened macOS app ignores DYLD_* anyway).
 */
export function nativeLibraryEnv(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, arch: string = process.arch): Record<string, string> {
  const variable = platform === 'darwin' ? 'DYLD_LIBRARY_PATH' : platform === 'win32' ? 'PATH' : 'LD_LIBRARY_PATH';
  let dir: string;
  try {
    const requireFromSherpa = createRequire(createRequire(import.meta.url).resolve('sherpa-onnx-node/package.json'));
    dir = path.dirname(requireFromSherpa.resolve(`sherpa-onnx-${platform === 'win32' ? 'win' : platform}-${arch}/package.json`));
  } catch {
    return {}; // not installed for this platform: sherpa-onnx-node's own error will say so
  }
  const current = env[variable];
  return { [variable]: current ? `${dir}${path.delimiter}${current}` : dir };
}
