import { contentSecurityPolicy } from '../shared/csp.js';

/** Hardening shared by every window; checked by unit tests and by Electronegativity. */
export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    sandbox: true,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    webviewTag: false,
    spellcheck: false,
    // Middle-click would open links in new windows, bypassing will-navigate.
    disableBlinkFeatures: 'Auxclick',
  } as const;
}

/** Is `url` the app's own page (the built renderer, or the dev server in development)? */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const app = new URL(appUrl);
    if (app.protocol === 'file:') return u.protocol === 'file:' && u.pathname === app.pathname;
    return u.origin === app.origin;
  } catch {
    return false;
  }
}

/** Only the microphone, only for the app's own page. */
export function isAllowedPermission(permission: string, requestingUrl: string, appUrl: string, mediaTypes: readonly string[] = []): boolean {
  if (!isAppUrl(requestingUrl, appUrl)) return false;
  if (permission !== 'media') return false;
  return mediaTypes.length > 0 && mediaTypes.every((t) => t === 'audio');
}
