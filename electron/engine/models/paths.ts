import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where installed models live: PARLEY_MODELS_DIR, else models/ in the data folder (the app's
 * userData, or PARLEY_DATA_DIR / ~/.parley for the CLI and `parley serve`).
 */
export function modelsDir(dataDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.PARLEY_MODELS_DIR) return path.resolve(env.PARLEY_MODELS_DIR);
  return path.join(dataDir ?? env.PARLEY_DATA_DIR ?? path.join(homedir(), '.parley'), 'models');
}
