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

/**
 * Is `url` the app's own page? Compared by scheme and host, not by `URL.origin`: for a custom
 * scheme Node's URL gives the opaque origin "null", which every other custom-scheme URL shares.
 */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const app = new URL(appUrl);
    if (app.protocol === 'file:') return u.protocol === 'file:' && u.pathname === app.pathname;
    return u.protocol === app.protocol && u.host === app.host && u.host !== '';
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

/**
 * The permission CHECK handler (device labels in enumerateDevices, setSinkId to a chosen speaker):
 * only the microphone (and audio output), only for the app's page. Electron gives the page's URL in
 * `details.requestingUrl`; `requestingOrigin` is just an origin, "file:///" for every file: page.
 */
export function isAllowedPermissionCheck(permission: string, requestingOrigin: string, details: { requestingUrl?: string; mediaType?: string }, appUrl: string): boolean {
  if (permission !== 'media' || details.mediaType === 'video') return false;
  return isAppUrl(details.requestingUrl ?? requestingOrigin, appUrl);
}
