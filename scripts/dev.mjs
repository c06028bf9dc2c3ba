// npm run dev: rebuild Node code and the renderer on every change and run Electron on the result.
// The renderer is rebuilt (not served with HMR) so development runs under the same strict CSP as
// release builds; press Ctrl+R / Cmd+R in the window to pick up renderer changes.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'vite';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const children = [];
const run = (cmd, args) => {
  const child = spawn(cmd, args, { stdio: 'inherit' });
  children.push(child);
  return child;
};
const stop = (code = 0) => {
  for (const c of children) c.kill();
  process.exit(code);
};
process.on('SIGINT', () => stop());
process.on('SIGTERM', () => stop());

const exitCode = await new Promise((resolve) => run(process.execPath, [tsc, '-b', 'tsconfig.node.json']).on('exit', resolve));
if (exitCode !== 0) stop(1);
run(process.execPath, [tsc, '-b', 'tsconfig.node.json', '--watch', '--preserveWatchOutput']);
await build({ configFile: 'vite.preload.config.ts', logLevel: 'warn', build: { watch: {} } });
await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { watch: {} } });
const electron = require('electron'); // resolves to the path of the Electron binary
run(electron, ['.']).on('exit', () => stop());
