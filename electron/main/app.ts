import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConversationHost } from '../engine/session/conversation-host.js';
import type { EngineHost } from '../engine/session/engine-host.js';
import { registerConversationPort, type IpcPortEvent } from './conversation.js';
import { registerIpc, type InvokeHandlers, type IpcMainSurface } from './ipc.js';
import { installShell, type GlobalShortcutSurface, type TraySurface } from './shell.js';
import { CONTENT_SECURITY_POLICY, isAllowedPermission, isAppUrl, secureWebPreferences } from './security.js';

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

export interface ElectronSurface {
  app: {
    requestSingleInstanceLock(): boolean;
    whenReady(): Promise<unknown>;
    on(event: 'second-instance' | 'window-all-closed' | 'before-quit' | 'will-quit', listener: () => void): void;
    quit(): void;
    getVersion(): string;
  };
  createWindow(options: Record<string, unknown>): WindowSurface;
  ipcMain: IpcMainSurface & { on(channel: string, listener: (event: IpcPortEvent) => void): void };
  createTray(): TraySurface;
  globalShortcut: GlobalShortcutSurface;
  session: {
    onHeadersReceived(listener: (details: { responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders: Record<string, string[]> }) => void) => void): void;
    setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: { requestingUrl: string; mediaTypes?: string[] }) => void): void;
    setPermissionCheckHandler(handler: (webContents: unknown, permission: string, requestingOrigin: string) => boolean): void;
  };
}

export interface MainOptions {
  /** Folder of the compiled app (out/), holding preload/ and renderer/. */
  outDir: string;
  engine: EngineHost;
  /** Settings and key channels (see engine/settings/handlers.ts). */
  handlers: Omit<InvokeHandlers, 'parley:engine-info' | 'parley:server-logs'>;
  /** The live conversation (audio over the window's MessagePort). */
  conversation: Pick<ConversationHost, 'attach' | 'shutdown' | 'toggleTalking' | 'setMuted' | 'muted' | 'serverLogs'>;
  /** The push-to-talk accelerator from the saved settings. */
  pushToTalkShortcut: () => string;
  /** Lets main re-apply the shortcut when settings are saved. */
  onSettingsSaved?: (listener: () => void) => void;
}

/** The renderer page the window loads (the only page trusted with IPC and the microphone). */
export function appUrl(options: Pick<MainOptions, 'outDir'>): string {
  return pathToFileURL(path.join(options.outDir, 'renderer', 'index.html')).href;
}

/** Wires the app: single instance, hardened session, IPC, one window. Returns false if another instance runs. */
export async function startMain(electron: ElectronSurface, options: MainOptions): Promise<boolean> {
  const { app } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  const url = appUrl(options);
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    void options.conversation.shutdown();
    void options.engine.stop();
  });

  await app.whenReady();
  electron.session.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  electron.session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(isAllowedPermission(permission, details.requestingUrl, url, details.mediaTypes ?? []));
  });
  electron.session.setPermissionCheckHandler((_wc, permission, origin) => permission === 'media' && isAppUrl(origin, url));
  registerIpc(electron.ipcMain, { ...options.handlers, 'parley:engine-info': () => options.engine.info(), 'parley:server-logs': () => options.conversation.serverLogs() }, (sender) => isAppUrl(sender, url));
  registerConversationPort(electron.ipcMain, options.conversation, (sender) => isAppUrl(sender, url));

  void options.engine.start();
  const win = electron.createWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    show: false,
    title: 'Parley',
    webPreferences: secureWebPreferences(path.join(options.outDir, 'preload', 'index.cjs')),
  });
  win.once('ready-to-show', () => win.show());
  const showWindow = () => {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  app.on('second-instance', showWindow);
  const shell = installShell({
    tray: electron.createTray(),
    globalShortcut: electron.globalShortcut,
    shortcut: options.pushToTalkShortcut,
    showWindow,
    toggleTalking: () => options.conversation.toggleTalking(),
    isMuted: () => options.conversation.muted,
    setMuted: (muted) => options.conversation.setMuted(muted),
    quit: () => app.quit(),
    notify: (message) => options.engine.notify(message),
  });
  options.onSettingsSaved?.(() => shell.refresh());
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
