/**
 * Fakes of the Electron surface main and preload use, as strict as Electron 45 documents it (see
 * shared/reference/electron-facts.md), so a test catches what only a real Electron would show:
 *
 * - MessagePortMain accepts only MessagePortMain objects in a transfer list; a renderer port that
 *   posts with an ArrayBuffer in its transfer list delivers `null` to main (electron/electron#34905).
 *   Messages are structured-cloned (functions and class instances do not survive).
 * - The permission check handler gets `requestingOrigin` as Chromium computes it: "file:///" for
 *   any file: page; the page URL only in `details.requestingUrl`.
 * - `before-quit` does not wait for async work: unless a listener calls preventDefault(), the app
 *   exits right after the listeners return.
 * - `ipcMain.handle` rejections reach the renderer as "Error invoking remote method '<channel>':
 *   <error>", class and fields lost.
 * - `protocol.registerSchemesAsPrivileged` throws once the app is ready.
 */
import type { IpcPortEvent, MessagePortSurface } from '../../../electron/main/conversation.js';
import type { AppProtocolRequestHandler, ElectronSurface, PermissionCheckDetails, QuitEvent, WindowSurface } from '../../../electron/main/app.js';
import type { TrayMenuItem } from '../../../electron/main/shell.js';
import type { RendererPort } from '../../../electron/preload/conversation.js';
import type { ParentPortSurface } from '../../../electron/main/engine-process.js';
import type { EngineProcessSurface } from '../../../electron/main/engine-service.js';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
export { flush };

/** Chromium's serialization of an origin: file: pages are all "file:///", standard schemes scheme://host[:port]. */
export function chromiumOrigin(pageUrl: string): string {
  const u = new URL(pageUrl);
  if (u.protocol === 'file:') return 'file:///';
  return `${u.protocol}//${u.host}`;
}

type Listener = (event: { data: unknown; ports: unknown[] }) => void;

/**
 * What both ends of an entangled pair share: messages queue until start(), a closed end drops
 * them, and closing one end closes the other (as Chromium's and Electron's ports do).
 */
abstract class FakePortEnd {
  other: FakePortEnd | undefined;
  private started = false;
  private queue: unknown[] = [];
  closed = false;

  start(): void {
    this.started = true;
    const queued = this.queue;
    this.queue = [];
    for (const data of queued) this.dispatch(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.other?.remoteClosed();
  }

  deliver(data: unknown): void {
    if (this.closed) return;
    if (!this.started) this.queue.push(data);
    else this.dispatch(data);
  }

  remoteClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.fireClose();
  }

  protected abstract dispatch(data: unknown): void;
  protected abstract fireClose(): void;
}

/** One end of a MessageChannel as main sees it (MessagePortMain). */
export class FakeMessagePortMain extends FakePortEnd implements MessagePortSurface {
  private readonly listeners = { message: [] as Listener[], close: [] as (() => void)[] };

  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'message' | 'close', listener: ((event: { data: unknown }) => void) | (() => void)): void {
    if (event === 'message') this.listeners.message.push(listener as Listener);
    else this.listeners.close.push(listener as () => void);
  }

  postMessage(message: unknown, transfer: unknown[] = []): void {
    // docs/api/message-port-main.md: transfer is MessagePortMain[].
    if (transfer.some((t) => !(t instanceof FakeMessagePortMain))) throw new TypeError('Port at index 0 is not a valid port');
    if (this.closed) return;
    const data = structuredClone(message);
    queueMicrotask(() => this.other?.deliver(data));
  }

  protected dispatch(data: unknown): void {
    for (const l of this.listeners.message) l({ data, ports: [] });
  }

  protected fireClose(): void {
    for (const l of this.listeners.close) l();
  }
}

/** The renderer's (DOM) end of the channel whose other end lives in main. */
export class FakeRendererPort extends FakePortEnd implements RendererPort {
  private readonly messageListeners: ((event: { data: unknown }) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];

  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
  addEventListener(type: 'message' | 'close', listener: ((event: { data: unknown }) => void) | (() => void)): void {
    if (type === 'message') this.messageListeners.push(listener as (event: { data: unknown }) => void);
    else this.closeListeners.push(listener as () => void);
  }

  postMessage(message: unknown, transfer: unknown[] = []): void {
    if (this.closed) return;
    // The DOM transfers (detaches) what is listed...
    const cloned = structuredClone(message, { transfer: transfer.filter((t): t is ArrayBuffer => t instanceof ArrayBuffer) });
    // ...but a MessagePortMain receives a message with a non-port transfer as null (electron/electron#34905).
    const data = transfer.some((t) => !(t instanceof FakeRendererPort)) ? null : cloned;
    queueMicrotask(() => this.other?.deliver(data));
  }

  protected dispatch(data: unknown): void {
    for (const l of this.messageListeners) l({ data });
  }

  protected fireClose(): void {
    for (const l of this.closeListeners) l();
  }
}

/** A MessageChannel created in the renderer; port2 is meant to be sent to main, where it becomes a MessagePortMain. */
export function rendererChannel(): { port1: FakeRendererPort; port2: FakeMessagePortMain } {
  const port1 = new FakeRendererPort();
  const port2 = new FakeMessagePortMain();
  port1.other = port2;
  port2.other = port1;
  return { port1, port2 };
}

type Handle = (event: { senderFrame: { url: string } | null }, payload: unknown) => unknown;

/** Electron's surface, recorded: what main asked for, and hooks to play the OS's and Chromium's part. */
export function fakeElectron(o: { lock?: boolean } = {}) {
  const handlers = new Map<string, Handle>();
  const appEvents = new Map<string, ((event: QuitEvent) => void)[]>();
  const webEvents = new Map<string, (event: { preventDefault(): void }, url: string) => void>();
  const created: Record<string, unknown>[] = [];
  const log: string[] = [];
  let ready = false;
  let exited = false;
  let quitCalls = 0;
  let requestPermission: Parameters<ElectronSurface['session']['setPermissionRequestHandler']>[0] | undefined;
  let checkPermission: Parameters<ElectronSurface['session']['setPermissionCheckHandler']>[0] | undefined;
  let windowOpen: ((d: { url: string }) => { action: 'deny' }) | undefined;
  const privileged: { scheme: string; privileges: Record<string, boolean> }[] = [];
  const protocolHandlers = new Map<string, AppProtocolRequestHandler>();
  const loaded: string[] = [];
  const ipcOn = new Map<string, (event: IpcPortEvent) => void>();
  const shortcuts = new Map<string, () => void>();
  const taken = new Set<string>();
  const tray = { tooltip: '', menu: [] as TrayMenuItem[], destroyed: false, click: undefined as (() => void) | undefined, icon: '' };

  const emit = (name: string): boolean => {
    let prevented = false;
    const event = { preventDefault: () => void (prevented = true) };
    for (const l of appEvents.get(name) ?? []) l(event);
    return prevented;
  };

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
    platform: 'linux',
    app: {
      requestSingleInstanceLock: () => (log.push('requestSingleInstanceLock'), o.lock ?? true),
      whenReady: async () => {
        ready = true;
        log.push('ready');
      },
      on: (event: string, listener: (event: QuitEvent) => void) => {
        const list = appEvents.get(event) ?? [];
        list.push(listener);
        appEvents.set(event, list);
      },
      // Electron: before-quit listeners run synchronously; what they start asynchronously is not awaited.
      quit: () => {
        quitCalls++;
        log.push('quit');
        if (emit('before-quit')) return;
        if (emit('will-quit')) return;
        exited = true;
        log.push('exit');
      },
      getVersion: () => '0.0.0-test',
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes) => {
        if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
        log.push('registerSchemesAsPrivileged');
        privileged.push(...schemes);
      },
      handle: (scheme, handler) => {
        if (!ready) throw new Error('protocol.handle cannot be used before the app is ready');
        protocolHandlers.set(scheme, handler);
      },
    },
    createWindow: (options) => {
      created.push(options);
      return window;
    },
    ipcMain: { handle: (channel, listener) => void handlers.set(channel, listener), on: (channel, listener) => void ipcOn.set(channel, listener) },
    createTray: (icon) => {
      tray.icon = icon;
      return {
        setToolTip: (t) => void (tray.tooltip = t),
        setContextMenu: (items) => void (tray.menu = items),
        on: (_e, l) => void (tray.click = l),
        destroy: () => void (tray.destroyed = true),
      };
    },
    globalShortcut: {
      register: (accelerator, callback) => {
        if (taken.has(accelerator)) return false;
        shortcuts.set(accelerator, callback);
        return true;
      },
      unregister: (accelerator) => void shortcuts.delete(accelerator),
    },
    session: {
      setPermissionRequestHandler: (h) => void (requestPermission = h),
      setPermissionCheckHandler: (h) => void (checkPermission = h),
    },
  };

  return {
    surface,
    handlers,
    ipcOn,
    shortcuts,
    taken,
    tray,
    created,
    loaded,
    webEvents,
    privileged,
    protocolHandlers,
    log,
    quitCalls: () => quitCalls,
    exited: () => exited,
    hasListener: (event: string) => (appEvents.get(event)?.length ?? 0) > 0,
    emitApp: (event: string) => emit(event),
    windowOpen: () => windowOpen!,
    /** A permission request from `pageUrl`, as Chromium hands it to the request handler. */
    requestPermission: (pageUrl: string, permission: string, mediaTypes: string[] = []) =>
      new Promise<boolean>((resolve) => requestPermission!(null, permission, resolve, { requestingUrl: pageUrl, mediaTypes })),
    /** A permission check (device labels in enumerateDevices, setSinkId) from a page at `pageUrl`. */
    checkPermission: (pageUrl: string, permission: string, mediaType: PermissionCheckDetails['mediaType'] = 'audio') =>
      checkPermission!(null, permission, chromiumOrigin(pageUrl), { requestingUrl: pageUrl, securityOrigin: chromiumOrigin(pageUrl), mediaType, isMainFrame: true }),
    /**
     * ipcRenderer.invoke from a page at `senderUrl`, as Electron carries it: the result is
     * structured-cloned; a rejection becomes a plain Error with Electron's prefix and nothing else.
     */
    invoke: async (channel: string, senderUrl: string, payload?: unknown): Promise<unknown> => {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      try {
        return structuredClone(await handler({ senderFrame: { url: senderUrl } }, structuredClone(payload)));
      } catch (e) {
        // eslint-disable-next-line preserve-caught-error -- Electron keeps only this text: no cause, class or fields reach the renderer
        throw new Error(`Error invoking remote method '${channel}': ${String(e)}`);
      }
    },
    /** ipcRenderer.postMessage(channel, message, [port]) from a page at `senderUrl`: main receives the port as a MessagePortMain. */
    postPort: (channel: string, senderUrl: string, port: FakeMessagePortMain) => {
      ipcOn.get(channel)?.({ senderFrame: { url: senderUrl }, ports: [port] });
    },
  };
}

/**
 * An Electron utility process running `run` in this process: messages are structured-cloned both
 * ways; `postMessage`'s transfer list takes only MessagePortMain objects (docs/api/utility-process.md);
 * in the child they arrive as `event.ports` on `process.parentPort`. When the process ends, the
 * ports it held close (their other ends see 'close').
 */
export function fakeUtilityProcess(run: (parentPort: ParentPortSurface) => void) {
  const toChild: ((event: { data: unknown; ports: MessagePortSurface[] }) => void)[] = [];
  const toParent: ((message: unknown) => void)[] = [];
  const exitListeners: ((code: number) => void)[] = [];
  const held: FakeMessagePortMain[] = [];
  let alive = true;
  let kills = 0;
  const end = (code: number) => {
    if (!alive) return;
    alive = false;
    for (const port of held) port.close();
    queueMicrotask(() => {
      for (const l of exitListeners) l(code);
    });
  };
  const parentPort: ParentPortSurface = {
    postMessage: (message) => {
      if (!alive) return;
      const data = structuredClone(message);
      queueMicrotask(() => {
        if (alive) for (const l of toParent) l(data);
      });
    },
    on: (_event, listener) => void toChild.push(listener),
  };
  const child: EngineProcessSurface = {
    postMessage: (message: unknown, transfer: unknown[] = []) => {
      if (transfer.some((t) => !(t instanceof FakeMessagePortMain))) throw new TypeError('Port at index 0 is not a valid port');
      if (!alive) return;
      const data = structuredClone(message);
      held.push(...(transfer as FakeMessagePortMain[]));
      queueMicrotask(() => {
        if (alive) for (const l of toChild) l({ data, ports: transfer as FakeMessagePortMain[] });
      });
    },
    on: ((event: 'message' | 'exit', listener: (arg: never) => void) => {
      if (event === 'message') toParent.push(listener as (message: unknown) => void);
      else exitListeners.push(listener as (code: number) => void);
    }) as EngineProcessSurface['on'],
    kill: () => {
      kills++;
      end(0);
      return true;
    },
  };
  run(parentPort);
  return { child, alive: () => alive, kills: () => kills, crash: (code: number) => end(code) };
}
