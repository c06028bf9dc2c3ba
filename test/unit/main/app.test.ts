import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../electron/engine/clock.js';
import { ParleyError } from '../../../electron/engine/errors.js';
import type { SileroVadModel } from '../../../electron/engine/vad/silero.js';
import { ConversationHost } from '../../../electron/engine/session/conversation-host.js';
import type { IpcPortEvent, MessagePortSurface } from '../../../electron/main/conversation.js';
import type { TrayMenuItem } from '../../../electron/main/shell.js';
import { appUrl, startMain, type ElectronSurface, type WindowSurface } from '../../../electron/main/app.js';
import { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/security.js';
import { settingsHandlers } from '../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../electron/engine/settings/settings-store.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';

/** Main's options with a real ConversationHost over the same temp settings (no keys saved). */
function options(engine: EngineHost, shortcut = 'CommandOrControl+Shift+Space') {
  const store = new SettingsStore(nodePath.join(mkdtempSync(nodePath.join(tmpdir(), 'parley-main-')), 'settings.json'));
  const conversation = new ConversationHost({ settings: () => store.settings, secrets: new MemorySecretStore(), vadModel: () => engine.vadModel(), env: {} });
  const saved: (() => void)[] = [];
  let accelerator = shortcut;
  return {
    outDir: '/opt/parley/out',
    engine,
    handlers: settingsHandlers(store, new MemorySecretStore(), {}),
    conversation,
    pushToTalkShortcut: () => accelerator,
    onSettingsSaved: (l: () => void) => void saved.push(l),
    /** Test hook: the user saved a new shortcut. */
    changeShortcut(next: string) {
      accelerator = next;
      for (const l of saved) l();
    },
  };
}

type Handler = (event: { senderFrame: { url: string } | null }, payload: unknown) => unknown;

/** Electron's surface, recorded: what main asked for, and hooks to play the OS's part. */
function fakeElectron(lock = true) {
  const handlers = new Map<string, Handler>();
  const appEvents = new Map<string, () => void>();
  const webEvents = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
  const created: Record<string, unknown>[] = [];
  let quit = 0;
  let headers: Parameters<ElectronSurface['session']['onHeadersReceived']>[0] | undefined;
  let permission: Parameters<ElectronSurface['session']['setPermissionRequestHandler']>[0] | undefined;
  let windowOpen: ((d: { url: string }) => { action: 'deny' }) | undefined;
  const loaded: string[] = [];
  const ipcOn = new Map<string, (event: IpcPortEvent) => void>();
  const shortcuts = new Map<string, () => void>();
  const taken = new Set<string>();
  const tray = { tooltip: '', menu: [] as TrayMenuItem[], destroyed: false, click: undefined as (() => void) | undefined };
  const window: WindowSurface = {
    loadURL: async (url) => void loaded.push(url),
    isMinimized: () => false,
    restore: () => {},
    focus: () => {},
    once: () => {},
    show: () => {},
    webContents: {
      on: (event, listener) => void webEvents.set(event, listener),
      setWindowOpenHandler: (h) => void (windowOpen = h),
    },
  };
  const surface: ElectronSurface = {
    app: {
      requestSingleInstanceLock: () => lock,
      whenReady: async () => {},
      on: (event, listener) => void appEvents.set(event, listener),
      quit: () => void quit++,
      getVersion: () => '0.0.0-test',
    },
    createWindow: (options) => {
      created.push(options);
      return window;
    },
    ipcMain: { handle: (channel, listener) => void handlers.set(channel, listener), on: (channel, listener) => void ipcOn.set(channel, listener) },
    createTray: () => ({
      setToolTip: (t) => void (tray.tooltip = t),
      setContextMenu: (items) => void (tray.menu = items),
      on: (_e, l) => void (tray.click = l),
      destroy: () => void (tray.destroyed = true),
    }),
    globalShortcut: {
      register: (accelerator, callback) => {
        if (taken.has(accelerator)) return false;
        shortcuts.set(accelerator, callback);
        return true;
      },
      unregister: (accelerator) => void shortcuts.delete(accelerator),
    },
    session: {
      onHeadersReceived: (l) => void (headers = l),
      setPermissionRequestHandler: (h) => void (permission = h),
      setPermissionCheckHandler: () => {},
    },
  };
  return { surface, handlers, ipcOn, shortcuts, taken, tray, appEvents, created, loaded, webEvents, quits: () => quit, headers: () => headers!, permission: () => permission!, windowOpen: () => windowOpen! };
}

const readyModel = { onnx: { provider: 'cpu' }, release: async () => {} } as unknown as SileroVadModel;

describe('Electron main (injected surface)', () => {
  const outDir = '/opt/parley/out';
  const url = appUrl({ outDir });

  it('creates a sandboxed, isolated window without Node and loads the built renderer', async () => {
    const fake = fakeElectron();
    expect(await startMain(fake.surface, options(new EngineHost('1.0.0', async () => readyModel)))).toBe(true);
    const prefs = fake.created[0]!.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, webSecurity: true, preload: '/opt/parley/out/preload/index.cjs' });
    expect(fake.loaded).toEqual(['file:///opt/parley/out/renderer/index.html']);
  });

  it('quits when another instance already runs', async () => {
    const fake = fakeElectron(false);
    expect(await startMain(fake.surface, options(new EngineHost('1.0.0', async () => readyModel)))).toBe(false);
    expect(fake.quits()).toBe(1);
    expect(fake.created).toHaveLength(0);
  });

  it('adds a strict CSP, blocks navigation and new windows, grants only the microphone to the app', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, options(new EngineHost('1.0.0', async () => readyModel)));
    let csp: string[] | undefined;
    fake.headers()({ responseHeaders: {} }, (r) => (csp = r.responseHeaders['Content-Security-Policy']));
    expect(csp).toEqual([CONTENT_SECURITY_POLICY]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);

    let prevented = false;
    fake.webEvents.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(fake.windowOpen()({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });

    const ask = (permission: string, requestingUrl: string, mediaTypes: string[]) =>
      new Promise<boolean>((resolve) => fake.permission()(null, permission, resolve, { requestingUrl, mediaTypes }));
    expect(await ask('media', url, ['audio'])).toBe(true);
    expect(await ask('media', url, ['video'])).toBe(false);
    expect(await ask('geolocation', url, [])).toBe(false);
    expect(await ask('media', 'https://evil.example/', ['audio'])).toBe(false);
  });

  it('answers engine-info over IPC only for the app page and only with a valid payload', async () => {
    const fake = fakeElectron();
    const clock = new ManualClock();
    const engine = new EngineHost('1.2.3', async () => (clock.advance(150), readyModel), clock);
    await startMain(fake.surface, options(engine));
    await new Promise((r) => setTimeout(r, 0));
    const handler = fake.handlers.get('parley:engine-info')!;
    expect(await handler({ senderFrame: { url } }, undefined)).toMatchObject({ version: '1.2.3', vad: { state: 'ready', provider: 'cpu', loadMs: 150 } });
    await expect(async () => handler({ senderFrame: { url: 'https://evil.example/' } }, undefined)).rejects.toThrow(/refused/);
    await expect(async () => handler({ senderFrame: { url } }, { inject: true })).rejects.toThrow(/invalid request/);
    expect([...fake.handlers.keys()].every((c) => c.startsWith('parley:'))).toBe(true);
  });

  it('takes API keys but only ever answers with their status', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, options(new EngineHost('1.0.0', async () => readyModel)));
    const set = fake.handlers.get('parley:key-set')!;
    const status = await set({ senderFrame: { url } }, { name: 'deepgram', value: 'dg-0123456789' });
    expect(status).toEqual({ deepgram: 'set', openai: 'not-set', anthropic: 'not-set', elevenlabs: 'not-set' });
    expect(JSON.stringify(status)).not.toContain('dg-0123456789');
    await expect(async () => set({ senderFrame: { url } }, { name: 'deepgram', value: 'x' })).rejects.toThrow(/invalid request/);
    await expect(async () => set({ senderFrame: { url } }, { name: 'my-bank', value: 'dg-0123456789' })).rejects.toThrow(/invalid request/);
    const settings = (await fake.handlers.get('parley:settings-get')!({ senderFrame: { url } }, undefined)) as { mode: string };
    expect(settings.mode).toBe('hands-free');
    const updated = await fake.handlers.get('parley:settings-update')!({ senderFrame: { url } }, { ...settings, mode: 'push-to-talk' });
    expect(updated).toMatchObject({ mode: 'push-to-talk' });
    await expect(async () => fake.handlers.get('parley:settings-update')!({ senderFrame: { url } }, { ...settings, mode: 'telepathy' })).rejects.toThrow(/invalid request/);
  });

  it('reports a model that failed to load instead of crashing', async () => {
    const engine = new EngineHost('1.0.0', async () => {
      throw new ParleyError('model/checksum-mismatch', 'silero_vad.onnx is corrupt');
    });
    await engine.start();
    expect(engine.info().vad).toEqual({ state: 'failed', error: { code: 'model/checksum-mismatch', message: 'silero_vad.onnx is corrupt' } });
  });

  it('opens the live conversation over a MessagePort from the app page only, and validates what comes through it', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, options(new EngineHost('1.0.0', async () => readyModel)));
    const open = fake.ipcOn.get('parley:conversation-port')!;
    const port = () => {
      const listeners = new Map<string, (e?: { data: unknown }) => void>();
      const sent: unknown[] = [];
      let closed = false;
      const surface: MessagePortSurface = {
        on: (event: string, l: (e?: { data: unknown }) => void) => void listeners.set(event, l),
        postMessage: (m) => void sent.push(m),
        start: () => {},
        close: () => void (closed = true),
      } as MessagePortSurface;
      return { surface, sent, listeners, closed: () => closed };
    };
    const evil = port();
    open({ senderFrame: { url: 'https://evil.example/' }, ports: [evil.surface] });
    expect(evil.closed()).toBe(true);
    expect(evil.sent).toEqual([]);

    const ours = port();
    open({ senderFrame: { url }, ports: [ours.surface] });
    expect(ours.sent[0]).toEqual({ type: 'session', status: { state: 'idle' } });
    // No key saved: starting fails with the error the UI turns into "open settings".
    ours.listeners.get('message')!({ data: { type: 'start', inputRate: 16000 } });
    await vi.waitFor(() => expect(ours.sent.at(-1)).toMatchObject({ type: 'session', status: { state: 'failed', error: { code: 'provider/missing-key' } } }));
    ours.listeners.get('message')!({ data: { type: 'start', inputRate: 'fast' } });
    expect(ours.sent.at(-1)).toMatchObject({ type: 'event', event: { type: 'error', error: { code: 'session/invalid-message' } } });
    ours.listeners.get('message')!({ data: new Uint8Array([9, 9, 9]) });
    ours.listeners.get('close')!();
  });

  it('registers the push-to-talk shortcut from settings, re-registers it when changed, and reports one that is taken', async () => {
    const fake = fakeElectron();
    const engine = new EngineHost('1.0.0', async () => readyModel);
    const o = options(engine);
    await startMain(fake.surface, o);
    expect([...fake.shortcuts.keys()]).toEqual(['CommandOrControl+Shift+Space']);
    // The shortcut toggles talking (global shortcuts have no key-up).
    fake.shortcuts.get('CommandOrControl+Shift+Space')!();
    expect(fake.tray.menu.map((m) => m.label ?? '---')).toEqual(['Show Parley', 'Push to talk', 'Mute microphone', '---', 'Quit Parley']);
    const mute = fake.tray.menu.find((m) => m.label === 'Mute microphone')!;
    expect(mute.checked).toBe(false);
    mute.click!();
    expect(o.conversation.muted).toBe(true);
    expect(fake.tray.menu.find((m) => m.label === 'Mute microphone')!.checked).toBe(true);

    o.changeShortcut('Alt+Space');
    expect([...fake.shortcuts.keys()]).toEqual(['Alt+Space']);
    fake.taken.add('F9');
    o.changeShortcut('F9');
    expect(fake.shortcuts.size).toBe(0);
    expect(engine.info().notices).toEqual([expect.stringContaining('F9 could not be registered')]);
    fake.appEvents.get('will-quit')!();
    expect(fake.tray.destroyed).toBe(true);
  });
});
