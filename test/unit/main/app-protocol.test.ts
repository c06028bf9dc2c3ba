import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppProtocolHandler } from '../../../electron/main/app-protocol.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/main/security.js';

/** A renderer build laid out as vite writes it (base './': the worklets are assets next to the bundle). */
function rendererBuild(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'parley-renderer-'));
  mkdirSync(path.join(root, 'renderer', 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'renderer', 'index.html'), '<!doctype html><script type="module" src="./assets/index-abc.js"></script>');
  writeFileSync(path.join(root, 'renderer', 'assets', 'index-abc.js'), 'export {}');
  writeFileSync(path.join(root, 'renderer', 'assets', 'capture.worklet-def.js'), 'registerProcessor("capture", class {})');
  writeFileSync(path.join(root, 'secret.txt'), 'not for the page');
  return path.join(root, 'renderer');
}

const get = (handler: ReturnType<typeof createAppProtocolHandler>, url: string, method = 'GET') => handler(new Request(url, { method }));

describe('parley://app protocol handler', () => {
  const handler = createAppProtocolHandler(rendererBuild());

  it('serves the page with the CSP as a response header (a file: page cannot get one)', async () => {
    const res = await get(handler, 'parley://app/index.html');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Security-Policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('assets/index-abc.js');
    expect((await get(handler, 'parley://app/')).status).toBe(200);
  });

  it('serves the bundle and the AudioWorklet modules with a JavaScript MIME type (module scripts require one)', async () => {
    for (const asset of ['assets/index-abc.js', 'assets/capture.worklet-def.js']) {
      // How the page resolves them: relative to the document, as vite's base './' emits.
      const res = await get(handler, new URL(asset, 'parley://app/index.html').href);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toMatch(/^text\/javascript/);
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    }
  });

  it('never serves anything outside the renderer folder, another host, or a write', async () => {
    for (const url of ['parley://app/../secret.txt', 'parley://app/%2e%2e/secret.txt', 'parley://app/..%2fsecret.txt', 'parley://app/assets/..%2f..%2fsecret.txt', 'parley://app/%00index.html']) {
      const res = await get(handler, url);
      expect([400, 404]).toContain(res.status);
      expect(await res.text()).not.toContain('not for the page');
    }
    expect((await get(handler, 'parley://other/index.html')).status).toBe(404);
    expect((await get(handler, 'parley://app/missing.js')).status).toBe(404);
    expect((await get(handler, 'parley://app/index.html', 'POST')).status).toBe(405);
    expect((await get(handler, 'parley://app/%E0%A4%A')).status).toBe(400);
  });
});
