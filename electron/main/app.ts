import path from 'node:path';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, createAppProtocolHandler, type AppProtocolRequestHandler } from './app-protocol.js';
import { registerConversationPort, type IpcPortEvent } from './conversation.js';
import type { EngineService } from './engine-service.js';
import { registerIpc, type IpcMainSurface } from './ipc.js';
import { installShell, trayIconFile, type GlobalShortcutSurface, type TraySurface } from './shell.js';
import { isAllowedPermission, isAllowedPermissionCheck, isAppUrl, secureWebPreferences } from './security.js';

export type { AppProtocolRequestHandler };

/** The slice of Electron that main uses, injected so it can be unit-tested without Electron. */
export interface WindowSurface {
  loadURL(url: string): Promise<void>;
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
  once(event: 'ready-to-show', listener: () => void): void;
  show(): void;
  webContents: {
    on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): void;
    setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
  };
}

export interface QuitEvent {
  preventDefault(): void;
}

/** What Electron passes a permission check handler as its 4th argument (docs/api/session.md). */
export interface PermissionCheckDetails {
  requestingUrl?: string;
  securityOrigin?: string;
  mediaType?: 'video' | 'audio' | 'unknown';
  isMainFrame: boolean;
}

export interface ElectronSurface {
  platform: NodeJS.Platform;
  app: {
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<unknown>;
    on(event: 'second-instance' | 'window-all-closed' | 'will-quit', listener: () => void): void;
    on(event: 'before-quit', listener: (event: QuitEvent) => void): void;
    quit(): void;
    getVersion(): string;
  };
  protocol: {
    registerSchemesAsPrivileged(schemes: { scheme: string; privileges: Record<string, boolean> }[]): void;
    handle(scheme: string, handler: AppProtocolRequestHandler): void;
  };
  createWindow(options: Record<string, unknown>): WindowSurface;
  ipcMain: IpcMainSurface & { on(channel: string, listener: (event: IpcPortEvent) => void): void };
  createTray(iconFile: string): TraySurface;
  globalShortcut: GlobalShortcutSurface;
  session: {
    setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl: string; mediaTypes?: string[] }) => void): void;
    setPermissionCheckHandler(handler: (webContents: unknown, permission: string, requestingOrigin: string, details: PermissionCheckDetails) => boolean): void;
  };
}

/** What main runs: built in `load()`, only by the instance that holds the single-instance lock. */
export interface MainOptions {
  /** The engine: in this process (localEngine) or in its own utility process (remoteEngine). */
  engine: EngineService;
  /** Things to tell the user once the app is ready (e.g. API keys cannot be protected here). */
  readyNotices?: () => string[];
}

export interface MainBoot {
  /** Folder of the compiled app (out/), holding preload/ and renderer/. */
  outDir: string;
  /** Folder of the tray icons. */
  iconsDir: string;
  /** Reads settings and keys and builds the engine: called only once this instance holds the lock. */
  load(): Promise<MainOptions>;
  /** Resolves after `ms`: the quit deadline (injected so tests need no real time). */
  wait?: (ms: number) => Promise<void>;
}

/** How long quitting waits for the conversation and a local server Parley started to stop. */
export const QUIT_DEADLINE_MS = 5000;

const realWait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** The renderer page the window loads (the only page trusted with IPC and the microphone). */
export function appUrl(): string {
  return APP_URL;
}

/**
 * Wires the app: single instance, privileged app scheme, hardened session, IPC, one window, and a
 * quit that waits (with a deadline) for local servers to stop. Returns false if another instance runs.
 */
export async function startMain(electron: ElectronSurface, boot: MainBoot): Promise<boolean> {
  const { app } = electron;
  // Before anything reads settings: a second instance must not read (or rewrite) them.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  // Must happen before 'ready' (and, in an ES module main, before the first await).
  electron.protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
  const options = await boot.load();
  const url = appUrl();
  const wait = boot.wait ?? realWait;
  app.on('window-all-closed', () => app.quit());
  // Electron does not wait for async work in before-quit: hold the first quit, stop the
  // conversation and any server Parley started (bounded), then quit for real.
  let stopped = false;
  let stopping: Promise<void> | undefined;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    stopping ??= Promise.race([options.engine.stop().catch(() => undefined), wait(QUIT_DEADLINE_MS)]).then(() => {
      stopped = true;
      app.quit();
    });
  });

  await app.whenReady();
  electron.protocol.handle(APP_SCHEME, createAppProtocolHandler(path.join(boot.outDir, 'renderer')));
  electron.session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(isAllowedPermission(permission, details.requestingUrl, url, details.mediaTypes ?? []));
  });
  electron.session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) => isAllowedPermissionCheck(permission, requestingOrigin, details, url));
  const { engine } = options;
  engine.start();
  for (const notice of options.readyNotices?.() ?? []) engine.notify(notice);
  registerIpc(electron.ipcMain, engine.handlers, (sender) => isAppUrl(sender, url));
  registerConversationPort(electron.ipcMain, (port) => engine.openConversation(port), (sender) => isAppUrl(sender, url));

  const win = electron.createWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Parley',
    webPreferences: secureWebPreferences(path.join(boot.outDir, 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  const showWindow = () => {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  app.on('second-instance', showWindow);
  const shell = installShell({
    tray: electron.createTray(path.join(boot.iconsDir, trayIconFile(electron.platform))),
    globalShortcut: electron.globalShortcut,
    shortcut: () => engine.pushToTalkShortcut(),
    showWindow,
    toggleTalking: () => engine.toggleTalking(),
    isMuted: () => engine.muted,
    setMuted: (muted) => engine.setMuted(muted),
    quit: () => app.quit(),
    notify: (message) => engine.notify(message),
  });
  engine.onSettingsSaved(() => shell.refresh());
  app.on('will-quit', () => shell.dispose());
  const blockNavigation = (event: { preventDefault(): void }, target: string) => {
    if (target !== url) event.preventDefault();
  };
  win.webContents.on('will-navigate', blockNavigation);
  win.webContents.on('will-redirect', blockNavigation);
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  await win.loadURL(url);
  return true;
}
