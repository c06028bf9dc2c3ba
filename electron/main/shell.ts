/** The tray and global shortcut parts of Electron that main uses (injected, so they are testable). */
export interface TraySurface {
  setToolTip(text: string): void;
  setContextMenu(items: TrayMenuItem[]): void;
  on(event: 'click', listener: () => void): void;
  destroy(): void;
}

export interface TrayMenuItem {
  label?: string;
  type?: 'normal' | 'separator' | 'checkbox';
  checked?: boolean;
  accelerator?: string;
  click?: () => void;
}

export interface GlobalShortcutSurface {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

export interface ShellOptions {
  tray: TraySurface;
  globalShortcut: GlobalShortcutSurface;
  /** The configured push-to-talk accelerator (settings.pushToTalkShortcut). */
  shortcut: () => string;
  showWindow: () => void;
  toggleTalking: () => void;
  isMuted: () => boolean;
  setMuted: (muted: boolean) => void;
  quit: () => void;
  /** Tell the user (shown in the UI). */
  notify: (message: string) => void;
}

/**
 * Tray icon (show, push-to-talk, mute, quit) and the global push-to-talk shortcut. Electron's
 * global shortcuts have no key-up, so the shortcut toggles: press to talk, press again to send.
 * `refresh()` re-applies the shortcut after settings change; a shortcut another app holds is
 * reported, not silently dropped.
 */
export function installShell(o: ShellOptions): { refresh(): void; dispose(): void } {
  let registered: string | undefined;
  const applyShortcut = () => {
    const wanted = o.shortcut();
    if (wanted === registered) return;
    if (registered) o.globalShortcut.unregister(registered);
    registered = undefined;
    // Not known yet (the engine process has not reported the settings).
    if (!wanted) return;
    let ok: boolean;
    try {
      ok = o.globalShortcut.register(wanted, o.toggleTalking);
    } catch {
      ok = false; // an accelerator Electron cannot parse
    }
    if (ok) registered = wanted;
    else o.notify(`The push-to-talk shortcut ${wanted} could not be registered (another app may use it, or it is not a valid shortcut). Choose another in Settings.`);
  };
  const menu = () =>
    o.tray.setContextMenu([
      { label: 'Show Parley', click: o.showWindow },
      { label: 'Push to talk', accelerator: registered, click: o.toggleTalking },
      {
        label: 'Mute microphone',
        type: 'checkbox',
        checked: o.isMuted(),
        click: () => {
          o.setMuted(!o.isMuted());
          menu();
        },
      },
      { type: 'separator' },
      { label: 'Quit Parley', click: o.quit },
    ]);
  o.tray.setToolTip('Parley');
  o.tray.on('click', o.showWindow);
  applyShortcut();
  menu();
  return {
    refresh() {
      applyShortcut();
      menu();
    },
    dispose() {
      if (registered) o.globalShortcut.unregister(registered);
      o.tray.destroy();
    },
  };
}

/**
 * The tray icon for the platform: on macOS a template image (black and alpha, 16x16 with an @2x
 * variant; the "Template" suffix tells macOS to tint it for light and dark menu bars).
 */
export function trayIconFile(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? 'trayTemplate.png' : 'tray.png';
}
