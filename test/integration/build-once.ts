import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** vitest globalSetup: compile electron/ to out/node (incremental, ~1 s when up to date). */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.node.json'], { stdio: 'inherit' });
}
