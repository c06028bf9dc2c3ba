import { describe, expect, it } from 'vitest';
import { isAllowedPermissionCheck, isAppUrl } from '../../../electron/main/security.js';
import { chromiumOrigin } from './fake-electron.js';

/** The check handler's arguments as Chromium passes them for a page at `pageUrl`. */
const check = (pageUrl: string, appUrl: string, mediaType: 'audio' | 'video' | 'unknown' = 'audio') =>
  isAllowedPermissionCheck('media', chromiumOrigin(pageUrl), { requestingUrl: pageUrl, mediaType }, appUrl);

describe('permission check handler (device labels, setSinkId)', () => {
  it('recognises a file: app page by its URL: its requestingOrigin is only "file:///"', () => {
    const app = 'file:///opt/parley/out/renderer/index.html';
    expect(chromiumOrigin(app)).toBe('file:///');
    expect(check(app, app)).toBe(true);
    // Any other local file shares that origin and must not pass.
    expect(check('file:///home/me/Downloads/evil.html', app)).toBe(false);
  });

  it('recognises the app-scheme page and nothing else', () => {
    const app = 'parley://app/index.html';
    expect(check(app, app)).toBe(true);
    expect(check('parley://app/assets/x.html', app)).toBe(true);
    expect(check(app, app, 'video')).toBe(false);
    expect(check('https://evil.example/', app)).toBe(false);
    expect(isAllowedPermissionCheck('geolocation', 'parley://app', { requestingUrl: app }, app)).toBe(false);
  });

  it('does not take another custom scheme for the app (Node gives them all the origin "null")', () => {
    expect(new URL('evil://app/index.html').origin).toBe(new URL('parley://app/index.html').origin);
    expect(isAppUrl('evil://app/index.html', 'parley://app/index.html')).toBe(false);
    expect(isAppUrl('parley://evil/index.html', 'parley://app/index.html')).toBe(false);
    expect(isAppUrl('parley:index.html', 'parley://app/index.html')).toBe(false);
  });
});
