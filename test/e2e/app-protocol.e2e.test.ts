import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_URL, createAppProtocolHandler } from '../../electron/main/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../electron/main/security.js';
import { ROOT } from '../paths.js';

// The real renderer build (globalSetup) served through Electron's parley://app handler: every
// script, stylesheet and AudioWorklet module the page asks for resolves under the scheme, comes
// back with a MIME type module scripts accept, and the page carries the CSP header. (Whether
// Chromium then runs them under the scheme's privileges is on the README's manual checklist.)
describe('the built renderer under parley://app', () => {
  const rendererDir = path.join(ROOT, 'out', 'renderer');
  const handler = createAppProtocolHandler(rendererDir);

  it('serves the page with the CSP header and every asset and worklet it references', async () => {
    const page = await handler(new Request(APP_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
    const html = await page.text();
    const pageAssets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\.\/assets\/[^"]+)"/g)].map((m) => new URL(m[1]!, APP_URL).href);
    expect(pageAssets.some((u) => u.endsWith('.js'))).toBe(true);

    const worklets: string[] = [];
    for (const asset of pageAssets.filter((u) => u.endsWith('.js'))) {
      const source = readFileSync(path.join(rendererDir, new URL(asset).pathname), 'utf8');
      // vite's `?worker&url` imports: new URL(`x.worklet-hash.js`, import.meta.url)
      for (const m of source.matchAll(/new URL\(`([^`]+)`,\s*import\.meta\.url\)/g)) worklets.push(new URL(m[1]!, asset).href);
    }
    expect(worklets.map((u) => path.basename(u).replace(/-[\w-]+\.js$/, ''))).toEqual(expect.arrayContaining(['capture.worklet', 'playout.worklet']));

    for (const url of [...pageAssets, ...worklets]) {
      expect(url.startsWith('parley://app/assets/')).toBe(true);
      const res = await handler(new Request(url));
      expect(res.status, url).toBe(200);
      expect(res.headers.get('Content-Type'), url).toMatch(url.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    }
  });
});
