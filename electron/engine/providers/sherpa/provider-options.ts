import type { Spawner } from '../../local/spawner.js';
import type { SherpaHost } from './host.js';

/** What the sherpa-onnx providers take from the provider context (registry CreateContext). */
export interface SherpaContext {
  /** Starts local inference processes (default child_process.fork; Electron: utilityProcess.fork through main). */
  localSpawner?: Spawner;
  /** Where installed models live (default: PARLEY_MODELS_DIR or the data folder's models/). */
  modelsDir?: string;
}

export interface SherpaProviderOptions {
  /** Where inference runs (tests); by default the process this kind shares in this session. */
  host?: SherpaHost;
  /** For PARLEY_MODELS_DIR (default process.env). */
  env?: NodeJS.ProcessEnv;
}
