// npm run dev: rebuild Node code and the renderer on every change and run Electron on the result.
// The renderer is rebuilt (not served with HMR) so development runs under the same strict CSP as
// release builds; press Ctrl+R / Cmd+R in the window to pick up renderer changes.
import { createRequire } from 'node:module';
import { build } from 'vite';
import { runDev } from './dev-processes.mjs';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
await runDev({
  compile: { cmd: process.execPath, args: [tsc, '-b', 'tsconfig.node.json'] },
  watch: { cmd: process.execPath, args: [tsc, '-b', 'tsconfig.node.json', '--watch', '--preserveWatchOutput'] },
  bundle: async () => {
    await build({ configFile: 'vite.preload.config.ts', logLevel: 'warn', build: { watch: {} } });
    await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { watch: {} } });
  },
  // Resolves to the path of the Electron binary (downloading it on first use).
  electronPath: () => require('electron'),
});
