import { z } from 'zod';
import type { DeviceInfo } from '../../../shared/conversation.js';
import type { Spawner } from '../../local/spawner.js';
import type { SherpaHost } from './host.js';

/** What the sherpa-onnx providers take from the provider context (registry CreateContext). */
export interface SherpaContext {
  /** Starts local inference processes (default child_process.fork; Electron: utilityProcess.fork through main). */
  localSpawner?: Spawner;
  /** Where installed models live (default: PARLEY_MODELS_DIR or the data folder's models/). */
  modelsDir?: string;
  /** Where the model runs, told once it has loaded (shown beside the running providers). */
  device?: (device: DeviceInfo) => void;
}

/**
 * Where a sherpa-onnx model runs: an ONNX Runtime execution provider. `auto` is the CPU: the
 * sherpa-onnx library Parley ships (the npm prebuilt) is a CPU build; a GPU build of it takes
 * `cuda` (or `coreml` on a Mac), and a CPU build falls back to the CPU by itself.
 */
export const SherpaDeviceSchema = z.enum(['auto', 'cpu', 'cuda', 'coreml']).default('auto');
export type SherpaDevice = z.infer<typeof SherpaDeviceSchema>;

/** The provider sherpa-onnx is asked for. */
export function sherpaProvider(device: SherpaDevice): 'cpu' | 'cuda' | 'coreml' {
  return device === 'auto' ? 'cpu' : device;
}

/** What the UI shows once the model loaded: the CPU and its threads, and why a GPU asked for is not used. */
export function sherpaDevice(stage: 'stt' | 'tts', device: SherpaDevice, threads: number): DeviceInfo {
  const gpu = device === 'cuda' || device === 'coreml';
  return {
    stage,
    provider: 'sherpa-onnx',
    requested: device,
    backend: 'cpu',
    deviceNames: [],
    threads,
    ...(gpu ? { fallback: `${device} needs a GPU build of sherpa-onnx; the one shipped with Parley runs on the CPU` } : {}),
  };
}

export interface SherpaProviderOptions {
  /** Where inference runs (tests); by default the process this kind shares in this session. */
  host?: SherpaHost;
  /** For PARLEY_MODELS_DIR (default process.env). */
  env?: NodeJS.ProcessEnv;
}
