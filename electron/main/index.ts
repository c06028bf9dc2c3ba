// Electron entry point: adapts the real Electron API to the injected surface in app.ts.
// opus-wasm must stay the first import (it configures @evan/opus before anything loads it).
import './opus-wasm.js';
import { BrowserWindow, Menu, MessageChannelMain, Tray, app, dialog, globalShortcut, ipcMain, nativeImage, protocol, safeStorage, session, utilityProcess } from 'electron';
import { CommandApprovals } from './approvals.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultResourcesDir } from '../engine/resources.js';
import { EncryptedFileSecretStore } from '../engine/settings/secret-store.js';
import { startMain, type ElectronSurface, type MainOptions } from './app.js';
import { remoteEngine } from './engine-service.js';
import { localProcessLauncher } from './local-process.js';
import { keychain } from './keychain.js';
import type { TraySurface } from './shell.js';

const mainDir = path.dirname(fileURLToPath(import.meta.url));
// out/node/electron/main/index.js -> out/
const outDir = path.resolve(mainDir, '..', '..', '..');
// Packaged builds carry the models as extraResources next to app.asar.
const resourcesDir = app.isPackaged ? process.resourcesPath : defaultResourcesDir();
process.env.PARLEY_RESOURCES_DIR ??= resourcesDir;

/** session.defaultSession exists only once the app is ready, so it is adapted on first use. */
function defaultSession(): ElectronSurface['session'] {
  const s = session.defaultSession;
  return {
    setPermissionRequestHandler: (handler) =>
      s.setPermissionRequestHandler((wc, permission, callback, details) =>
        handler(wc, permission, callback, { requestingUrl: details.requestingUrl, mediaTypes: 'mediaTypes' in details ? details.mediaTypes : [] }),
      ),
    setPermissionCheckHandler: (handler) =>
      s.setPermissionCheckHandler((wc, permission, origin, details) =>
        handler(wc, permission, origin, { requestingUrl: details.requestingUrl, securityOrigin: details.securityOrigin, mediaType: details.mediaType, isMainFrame: details.isMainFrame }),
      ),
  };
}

/**
 * Everything that reads user data: built only by the instance holding the single-instance lock.
 * The engine runs in its own utility process (engine-process-main.ts), forked once the app is
 * ready; main keeps the keys (safeStorage exists only here) and the launch-approval dialog.
 */
async function load(): Promise<MainOptions> {
  const keys = keychain(safeStorage, process.platform);
  const secrets = new EncryptedFileSecretStore(path.join(app.getPath('userData'), 'secrets.json'), keys.encryptor);
  /**
   * A launch command comes from settings the renderer can edit: it runs only after the user allowed
   * it in a native dialog (main process), remembered per command in userData (never writable by the
   * renderer).
   */
  const approvals = new CommandApprovals(path.join(app.getPath('userData'), 'approved-commands.json'), async (command) => {
    const { response } = await dialog.showMessageBox({
      type: 'warning',
      buttons: ['Run it', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Parley wants to start a local speech-to-speech server',
      detail: `This command will run on your computer:\n\n${command}\n\nOnly allow it if you entered it yourself.`,
    });
    return response === 0;
  });
  const engine = remoteEngine({
    fork: () =>
      utilityProcess.fork(path.join(mainDir, 'engine-process-main.js'), [], {
        serviceName: 'Parley engine',
        stdio: 'inherit',
        env: {
          ...process.env,
          PARLEY_USER_DATA: app.getPath('userData'),
          PARLEY_VERSION: app.getVersion(),
          // safeStorage's backend is known only after 'ready', which fork() also needs.
          PARLEY_KEY_STORAGE: keys.keyStorage(),
          OPUS_FORCE_WASM: '1',
        },
      }),
    secrets,
    approveLaunch: (command) => approvals.approve(command),
    wait: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
    onCrash: (code) => console.warn(`parley: the engine process stopped (exit ${code})`),
    // Local models (llama.cpp, sherpa-onnx) run in utility processes of their own, started here for the engine.
    local: localProcessLauncher(
      {
        fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options),
        channel: () => new MessageChannelMain(),
      },
      { entry: path.join(mainDir, '..', 'engine', 'local', 'child-entry.js'), codeRoot: path.resolve(mainDir, '..') },
    ),
  });
  return { engine, readyNotices: () => [keys.notice()].filter((n): n is string => n !== undefined) };
}

function createTray(iconFile: string): TraySurface {
  const tray = new Tray(nativeImage.createFromPath(iconFile));
  return {
    setToolTip: (text) => tray.setToolTip(text),
    setContextMenu: (items) => tray.setContextMenu(Menu.buildFromTemplate(items)),
    on: (event, listener) => void tray.on(event, listener),
    destroy: () => tray.destroy(),
  };
}

// No await before this call: it takes the single-instance lock and registers the app scheme
// synchronously, before 'ready' (Electron requires registerSchemesAsPrivileged before ready).
await startMain(
  {
    platform: process.platform,
    app,
    protocol,
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
    createTray,
    globalShortcut,
    get session() {
      return defaultSession();
    },
  },
  { outDir, iconsDir: path.join(resourcesDir, 'icons'), load },
);
