// Electron entry point: adapts the real Electron API to the injected surface in app.ts.
import { BrowserWindow, app, ipcMain, safeStorage, session } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultResourcesDir } from '../engine/resources.js';
import { settingsHandlers } from '../engine/settings/handlers.js';
import { EncryptedFileSecretStore } from '../engine/settings/secret-store.js';
import { SettingsStore } from '../engine/settings/settings-store.js';
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
// Settings in userData, API keys encrypted with the OS keychain (safeStorage): never sent to the renderer.
const settings = new SettingsStore(path.join(app.getPath('userData'), 'settings.json'));
const loaded = await settings.load();
if (loaded.notice) console.warn(`parley: ${loaded.notice}`);
const secrets = new EncryptedFileSecretStore(path.join(app.getPath('userData'), 'secrets.json'), safeStorage);
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
  { outDir, engine, handlers: settingsHandlers(settings, secrets) },
);
