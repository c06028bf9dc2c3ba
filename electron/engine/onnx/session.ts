import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError, describeError } from '../errors.js';

/** Where a model runs. `auto` = the best accelerator this platform has, else the CPU. */
export type OnnxDevice = 'auto' | 'cpu' | 'cuda' | 'coreml' | 'dml';
export type ExecutionProvider = Exclude<OnnxDevice, 'auto'>;

export interface OnnxSessionOptions {
  /** Default 'auto'. */
  device?: OnnxDevice;
  /** Intra-op threads. Default 1: the small streaming models we run are fastest single-threaded. */
  threads?: number;
  /** Throw instead of falling back to the CPU when the requested device cannot be used. */
  strict?: boolean;
  /** If set, the model bytes must hash to this (hex sha256) or loading fails. */
  sha256?: string;
}

export interface ProviderAttempt {
  provider: ExecutionProvider;
  error: string;
}

export interface OnnxSession {
  session: OrtModule.InferenceSession;
  /** The execution provider that actually runs the model. */
  provider: ExecutionProvider;
  requested: OnnxDevice;
  /** Providers tried before `provider`, and why each failed. */
  fallbacks: ProviderAttempt[];
  /** Time to read, verify and load the model, in ms. */
  createMs: number;
  release(): Promise<void>;
}

/** What the factory needs from onnxruntime-node; injectable so fallback logic can be tested. */
export interface OrtRuntime {
  InferenceSession: Pick<typeof OrtModule.InferenceSession, 'create'>;
  Tensor: typeof OrtModule.Tensor;
  listSupportedBackends(): { name: string; bundled: boolean }[];
}

export interface OnnxEnvironment {
  ort?: OrtRuntime;
  platform?: NodeJS.Platform;
  clock?: Clock;
  /** Is the CUDA provider library installed? (It is an opt-in download for onnxruntime-node.) */
  cudaInstalled?: () => boolean;
}

const require = createRequire(import.meta.url);
let ortModule: OrtRuntime | undefined;
/** onnxruntime-node, loaded on first use (its native binding costs ~30 ms to load). */
export function loadOrt(): OrtRuntime {
  ortModule ??= require('onnxruntime-node') as OrtRuntime;
  return ortModule;
}

/** Accelerators worth trying first, best first, per platform. */
const PREFERRED: Partial<Record<NodeJS.Platform, ExecutionProvider[]>> = {
  linux: ['cuda'],
  win32: ['cuda', 'dml'],
  darwin: ['coreml'],
};

/** The providers this build of onnxruntime-node can load on this platform, CPU last. */
export function availableProviders(env: OnnxEnvironment = {}): ExecutionProvider[] {
  const ort = env.ort ?? loadOrt();
  const names = new Set(ort.listSupportedBackends().map((b) => b.name));
  const accelerators = (PREFERRED[env.platform ?? process.platform] ?? []).filter((p) => names.has(p));
  return [...accelerators, 'cpu'];
}

/** Checks the opt-in CUDA provider library next to the bundled runtime (see README, "GPU"). */
export function cudaProviderInstalled(): boolean {
  try {
    const pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(path.join(dir, lib));
  } catch {
    return false;
  }
}

/**
 * Loads an ONNX model on the requested device. Each candidate provider is tried on its own, so a
 * provider that fails to initialise is reported (not silently replaced); the CPU is the final
 * fallback unless `strict`. Missing, corrupt or tampered model files give a ParleyError.
 */
export async function createOnnxSession(model: string | Uint8Array, options: OnnxSessionOptions = {}, env: OnnxEnvironment = {}): Promise<OnnxSession> {
  const clock = env.clock ?? systemClock;
  const started = clock.now();
  const requested = options.device ?? 'auto';
  const threads = options.threads ?? 1;
  const bytes = typeof model === 'string' ? await readModel(model) : model;
  const label = typeof model === 'string' ? model : 'model';
  if (options.sha256) verifySha256(bytes, options.sha256, label);

  const ort = env.ort ?? loadOrt();
  const available = availableProviders({ ...env, ort });
  let candidates: ExecutionProvider[];
  if (requested === 'auto') {
    const cudaOk = env.cudaInstalled ?? cudaProviderInstalled;
    candidates = available.filter((p) => p !== 'cuda' || cudaOk());
  } else if (requested === 'cpu') {
    candidates = ['cpu'];
  } else {
    candidates = [requested, 'cpu'];
  }
  if (options.strict && requested !== 'auto') candidates = [requested];

  const fallbacks: ProviderAttempt[] = [];
  for (const provider of candidates) {
    if (!available.includes(provider)) {
      fallbacks.push({ provider, error: `${provider} is not available in this build on ${env.platform ?? process.platform}` });
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        // Keep onnxruntime's native logger quiet about provider probing; failures are reported below.
        logSeverityLevel: 3,
      });
      return {
        session,
        provider,
        requested,
        fallbacks,
        createMs: clock.now() - started,
        release: () => session.release(),
      };
    } catch (e) {
      const message = describeError(e);
      if (provider === 'cpu' || /protobuf|invalid model|Load model|ModelProto|opset|INVALID_GRAPH/i.test(message)) {
        throw new ParleyError('onnx/model-invalid', `cannot load ${label}: ${message}`, { cause: e });
      }
      fallbacks.push({ provider, error: message });
    }
  }
  const tried = fallbacks.map((f) => `${f.provider}: ${f.error}`).join('; ');
  throw new ParleyError('onnx/provider-unavailable', `cannot run ${label} on ${requested} (${tried})`);
}

async function readModel(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ParleyError('onnx/model-not-found', `model file not found: ${file}`, { cause: e });
    throw new ParleyError('file/unreadable', `cannot read model ${file}: ${describeError(e)}`, { cause: e });
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function verifySha256(bytes: Uint8Array, expected: string, label: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw new ParleyError(
      'model/checksum-mismatch',
      `${label} is corrupt or not the expected model (sha256 ${actual.slice(0, 12)}..., expected ${expected.slice(0, 12)}...)`,
    );
  }
}
