import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding bundled models (resources/ in a checkout, process.resourcesPath in a packaged
 * app, which main passes in). PARLEY_RESOURCES_DIR overrides both.
 */
export function defaultResourcesDir(): string {
  const fromEnv = process.env.PARLEY_RESOURCES_DIR;
  if (fromEnv) return fromEnv;
  // Walk up from this file (electron/engine in sources, out/node/electron/engine when built).
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'resources');
    if (existsSync(path.join(candidate, 'models'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.resolve('resources');
}
