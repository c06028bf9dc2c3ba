import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { contentSecurityPolicy } from '../../shared/csp.js';
import { WsRequestSchema, dispatchInvoke, type InvokeHandlers, type WsResponse } from '../../shared/dispatch.js';
import { describeError } from '../../engine/errors.js';
import type { ConversationHost } from '../../engine/session/conversation-host.js';
import { MAX_AUDIO_FRAME_BYTES } from '../../shared/conversation.js';
import { SERVE_PROTOCOL, SERVE_TOKEN_PROTOCOL_PREFIX } from '../../shared/serve-token.js';

export interface ServeOptions {
  /** The built renderer (out/renderer). */
  rendererDir: string;
  handlers: InvokeHandlers;
  /** 0 = any free port. */
  port?: number;
  /** Default: 32 random bytes. */
  token?: string;
  /** The live conversation (WebSocket /conversation: JSON commands and binary audio frames). */
  conversation?: Pick<ConversationHost, 'attach'>;
  /** Where the server's own warnings go (a page too slow to read what it is sent). */
  warn?: (message: string) => void;
}

export interface ServeServer {
  /** Open this in a browser: it carries the access token (in the fragment, which no request sends). */
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Bytes a page may leave unread before its socket is closed: about 40 s of 24 kHz playback. A page
 * that stops reading (a frozen tab) must not make the engine buffer without bound.
 */
export const MAX_UNREAD_BYTES = 2 << 20;

/**
 * `parley serve`: the built renderer and the engine's contract over WebSockets, on 127.0.0.1 only.
 *
 * The token guards the engine (the /api and /conversation WebSockets: settings, keys, microphone,
 * local server launches). The page reads it from the URL's fragment, keeps it in the tab and sends
 * it as a Sec-WebSocket-Protocol value; it is never a cookie (cookies reach every port of
 * 127.0.0.1) and never in a URL that a request carries. Upgrades must also come from this server's
 * own Origin. Static files are the public build (no secrets) and need no token, but every request
 * must name this server as its Host (no DNS rebinding). Every message goes through the same
 * validated dispatcher as Electron's IPC; malformed requests and frames get a 4xx or a close code
 * and never end the process.
 */
export async function startServeServer(options: ServeOptions): Promise<ServeServer> {
  const { WebSocketServer } = await import('ws'); // loaded when serving, not by `parley --help`
  const token = options.token ?? randomBytes(32).toString('base64url');
  const root = path.resolve(options.rendererDir);
  const warn = options.warn ?? (() => undefined);
  let origin = '';
  let host = '';
  const csp = () => contentSecurityPolicy([origin.replace('http', 'ws')]);

  const serveFile = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.headers.host !== host) return plain(res, 421, 'Parley: this server answers only as 127.0.0.1.\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, '');
    const rel = relativePath(req.url);
    if (rel === undefined) return plain(res, 400, 'Parley: malformed request target.\n');
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) return plain(res, 403, '');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return plain(res, 404, '');
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': csp(),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = http.createServer((req, res) => {
    serveFile(req, res).catch((e: unknown) => {
      warn(`a request failed: ${describeError(e)}`);
      if (!res.headersSent) plain(res, 500, '');
      else res.destroy();
    });
  });

  const apiWss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20, handleProtocols: () => SERVE_PROTOCOL });
  const conversationWss = new WebSocketServer({ noServer: true, maxPayload: MAX_AUDIO_FRAME_BYTES, handleProtocols: () => SERVE_PROTOCOL });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes the socket over, a reset by the client must not become an unhandled 'error'.
    socket.on('error', () => socket.destroy());
    const paths = options.conversation ? ['/api', '/conversation'] : ['/api'];
    const target = requestPath(req.url);
    const allowed =
      target !== undefined && paths.includes(target) && req.headers.host === host && req.headers.origin === origin && tokenMatches(protocolToken(req.headers['sec-websocket-protocol']), token);
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    try {
      if (target === '/conversation') conversationWss.handleUpgrade(req, socket, head, (ws) => conversationSocket(ws, options.conversation!, warn));
      else apiWss.handleUpgrade(req, socket, head, (ws) => apiSocket(ws, options.handlers, warn));
    } catch {
      socket.destroy();
    }
  });
  // A request line or header Node cannot parse: answer 400 (Node's default) and keep serving.
  server.on('clientError', (_e, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  host = `127.0.0.1:${port}`;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of [...apiWss.clients, ...conversationWss.clients]) c.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}

/** The request target's path, or undefined when it is not a valid origin-form target. */
function requestPath(target: string | undefined): string | undefined {
  if (!target?.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://127.0.0.1').pathname;
  } catch {
    return undefined;
  }
}

/** The file a GET names, relative to the renderer folder; undefined when the target is malformed. */
function relativePath(target: string | undefined): string | undefined {
  const pathname = requestPath(target);
  if (pathname === undefined) return undefined;
  if (pathname === '/') return 'index.html';
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice(1));
  } catch {
    return undefined;
  }
  return decoded.includes('\0') ? undefined : decoded;
}

/** The token among the offered subprotocols (`parley`, `parley-token.<token>`). */
function protocolToken(header: string | undefined): string | null {
  for (const offered of (header ?? '').split(',')) {
    const value = offered.trim();
    if (value.startsWith(SERVE_TOKEN_PROTOCOL_PREFIX)) return value.slice(SERVE_TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

function tokenMatches(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Sends unless the page has stopped reading: past MAX_UNREAD_BYTES the socket is dropped (the
 * page reconnects and gets the conversation replayed) rather than buffered without bound.
 */
function sendBounded(ws: WebSocket, data: string | ArrayBuffer, warn: (m: string) => void): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > MAX_UNREAD_BYTES) {
    warn(`closed a page's connection: it left ${ws.bufferedAmount} bytes unread`);
    ws.terminate();
    return;
  }
  ws.send(data, { binary: typeof data !== 'string' });
}

/**
 * ws closes the connection itself on a protocol fault (1002 unmasked frame or reserved opcode,
 * 1007 invalid UTF-8, 1009 too big) and then emits 'error': without a listener that would end the
 * process.
 */
function survive(ws: WebSocket): void {
  ws.on('error', () => ws.terminate());
}

function apiSocket(ws: WebSocket, handlers: InvokeHandlers, warn: (m: string) => void): void {
  survive(ws);
  const answer = async (data: Buffer, isBinary: boolean): Promise<void> => {
    if (isBinary) return; // audio has its own socket (/conversation)
    let request: { id: number; channel: string; payload?: unknown };
    try {
      request = WsRequestSchema.parse(JSON.parse(data.toString('utf8')));
    } catch {
      return sendBounded(ws, JSON.stringify({ id: -1, ok: false, error: 'malformed request' } satisfies WsResponse), warn);
    }
    let reply: WsResponse;
    try {
      reply = { id: request.id, ok: true, result: await dispatchInvoke(handlers, request.channel, request.payload) };
    } catch (e) {
      reply = { id: request.id, ok: false, error: describeError(e) };
    }
    sendBounded(ws, JSON.stringify(reply), warn);
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    answer(data, isBinary).catch((e: unknown) => warn(`a request from the page failed: ${describeError(e)}`));
  });
}

/** The live conversation of one page: text frames are JSON commands, binary frames are audio. */
function conversationSocket(ws: WebSocket, host: Pick<ConversationHost, 'attach'>, warn: (m: string) => void): void {
  survive(ws);
  const handle = host.attach({
    send: (message) => sendBounded(ws, JSON.stringify(message), warn),
    sendAudio: (frame) => sendBounded(ws, frame, warn),
    close: () => ws.close(1000, 'another window took over the conversation'),
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    try {
      handle.receive(isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data.toString('utf8'));
    } catch (e) {
      warn(`a message from the page failed: ${describeError(e)}`);
    }
  });
  ws.on('close', () => handle.detach());
}
