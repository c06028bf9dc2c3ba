// Entry point of the engine's utility process (forked by main with utilityProcess.fork): the
// engine runs here, off Electron's main thread. opus-wasm must stay the first import.
import './opus-wasm.js';
import { buildEngine } from './engine-build.js';
import { serveEngine, type ParentPortSurface } from './engine-process.js';

const parentPort = (process as unknown as { parentPort?: ParentPortSurface }).parentPort;
if (!parentPort) throw new Error('engine-process-main runs only as an Electron utility process');
const userData = process.env.PARLEY_USER_DATA;
if (!userData) throw new Error('PARLEY_USER_DATA is not set');
const keyStorage = process.env.PARLEY_KEY_STORAGE === 'encrypted' ? 'encrypted' : 'unavailable';

// Stay alive until main ends this process: a utility process whose script has finished may exit
// in a packaged app even with parentPort listeners (electron/electron#42978).
setInterval(() => undefined, 60_000);

// Killed by main (the quit deadline passed): exit through process.exit, so the 'exit' handlers kill
// any local server this process started.
process.once('SIGTERM', () => process.exit(0));

await serveEngine(parentPort, (main) =>
  buildEngine({ userData, version: process.env.PARLEY_VERSION ?? '0.0.0', secrets: main.secrets, approveLaunch: (command) => main.approveLaunch(command), keyStorage: () => keyStorage, localSpawner: main.localSpawner }),
);
