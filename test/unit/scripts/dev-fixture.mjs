// Drives scripts/dev-processes.mjs with fake commands: a "watcher" that runs until killed (it
// writes its pid to argv[2]) and an Electron that fails as argv[3] says.
import { existsSync } from 'node:fs';
import { runDev } from '../../../scripts/dev-processes.mjs';

const [pidFile, electron] = process.argv.slice(2);
const node = process.execPath;
const fake = (code) => ['-e', code];
await runDev({
  compile: { cmd: node, args: fake('') },
  watch: { cmd: node, args: fake(`require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000);`) },
  // The bundlers in watch mode keep this process's event loop alive, as vite's watchers do.
  // (It returns once the watcher runs, so the watcher is there to be cleaned up.)
  bundle: async () => {
    setInterval(() => {}, 1000);
    while (!existsSync(pidFile)) await new Promise((r) => setTimeout(r, 10));
  },
  electronPath: () => {
    if (electron === 'throws') throw new Error('Electron failed to install correctly.');
    if (electron === 'missing') return '/nonexistent/electron';
    return node; // 'exits': `node .` runs the test folder's package, which exits at once
  },
});
