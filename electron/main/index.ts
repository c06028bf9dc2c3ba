// Electron entry point: adapts the real Electron API to the injected surface in app.ts.
import { BrowserWindow, app, ipcMain, session } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultResourcesDir } from '../engine/resources.js';
import { SileroVadModel } from '../engine/vad/silero.js';
import { startMain, type ElectronSurface } from './app.js';
import { EngineHost } from '../engine/session/engine-host.js';

// out/node/electron/main/index.js -> out/
const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// Packaged builds carry the models as extraResources next to app.asar.
const resourcesDir = app.isPackaged ? process.resourcesPath : defaultResourcesDir();
process.env.PARLEY_RESOURCES_DIR ??= resourcesDir;

/** session.defaultSession exists only once the app is ready, so it is adapted on first use. */
function defaultSession(): ElectronSurface['session'] {
  const s = session.defaultSession;
  return {
    onHeadersReceived: (listener) => s.webRequest.onHeadersReceived(listener),
    setPermissionRequestHandler: (handler) =>
      s.setPermissionRequestHandler((wc, permission, callback, details) =>
        handler(wc, permission, callback, { requestingUrl: details.requestingUrl, mediaTypes: 'mediaTypes' in details ? details.mediaTypes : [] }),
      ),
    setPermissionCheckHandler: (handler) => s.setPermissionCheckHandler((wc, permission, origin) => handler(wc, permission, origin)),
  };
}

const engine = new EngineHost(app.getVersion(), () => SileroVadModel.load());
await startMain(
  {
    app,
    // The security flags are pinned again at the construction site (defence in depth, and visible
    // to static scanners such as Electronegativity).
    createWindow: (options) =>
      new BrowserWindow({
        ...options,
        webPreferences: {
          ...(options.webPreferences as object),
          contextIsolation: true,
          nodeIntegration: false,
          sandbox: true,
          webSecurity: true,
          disableBlinkFeatures: 'Auxclick',
        },
      }),
    ipcMain,
    get session() {
      return defaultSession();
    },
  },
  { outDir, engine },
);
