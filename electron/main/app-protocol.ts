import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from './security.js';

/**
 * The window's page is served from parley://app/ instead of file:// (Electron security checklist
 * item 18): with file:, every file on the disk is same-origin to the page and a response-header
 * CSP cannot apply. `standard` gives the scheme a real origin (relative URLs, import.meta.url for
 * the AudioWorklet modules), `secure` makes it a secure context (AudioWorklet and getUserMedia
 * need one), `supportFetchAPI` lets fetch()/module loading use it.
 */
export const APP_SCHEME = 'parley';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

export type AppProtocolRequestHandler = (request: Request) => Promise<Response>;

/** Module scripts (the page's bundle and the AudioWorklet modules) must be served with a JavaScript MIME type. */
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/**
 * Serves the built renderer (out/renderer) for parley://app/..., read-only, never outside that
 * folder, every response with the app's Content-Security-Policy header.
 */
export function createAppProtocolHandler(rootDir: string): AppProtocolRequestHandler {
  const root = path.resolve(rootDir);
  const respond = (status: number, body: Uint8Array | string | null, type = 'text/plain; charset=utf-8') =>
    new Response(body, {
      status,
      headers: { 'Content-Type': type, 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' },
    });
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return respond(400, 'bad request');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return respond(404, 'not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'method not allowed');
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname);
    } catch {
      return respond(400, 'bad request');
    }
    if (relative.includes('\0')) return respond(400, 'bad request');
    if (relative === '/' || relative === '') relative = '/index.html';
    const file = path.resolve(root, `.${path.posix.normalize(relative)}`);
    if (file !== root && !file.startsWith(root + path.sep)) return respond(404, 'not found');
    const type = MIME[path.extname(file).toLowerCase()];
    if (!type) return respond(404, 'not found');
    try {
      const body = await readFile(file);
      return respond(200, request.method === 'HEAD' ? null : new Uint8Array(body), type);
    } catch {
      return respond(404, 'not found');
    }
  };
}
