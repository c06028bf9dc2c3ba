import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../../shared/csp.js';
import { WsRequestSchema, dispatchInvoke, type InvokeHandlers, type WsResponse } from '../../shared/dispatch.js';
import { describeError } from '../../engine/errors.js';
import type { ConversationHost } from '../../engine/session/conversation-host.js';
import { MAX_AUDIO_FRAME_BYTES } from '../../shared/conversation.js';

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
}

export interface ServeServer {
  /** Open this in a browser: it carries the access token. */
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
const COOKIE = 'parley_token';

/**
 * `parley serve`: the built renderer and the engine's contract over a WebSocket, on 127.0.0.1 only.
 * Every request needs the random token (in the URL once, then an HttpOnly SameSite=Strict cookie),
 * WebSocket upgrades must also come from this server's own Origin, and every message goes through
 * the same validated dispatcher as Electron's IPC.
 */
export async function startServeServer(options: ServeOptions): Promise<ServeServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const root = path.resolve(options.rendererDir);
  let origin = '';
  const csp = () => contentSecurityPolicy([origin.replace('http', 'ws')]);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const viaQuery = url.searchParams.get('token');
    if (!tokenMatches(viaQuery ?? cookieToken(req), token)) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      return res.end('Parley: open the full URL printed by `parley serve` (it carries the access token).\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405);
      return res.end();
    }
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403);
      return res.end();
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp(),
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
        ...(viaQuery ? { 'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const conversationWss = new WebSocketServer({ noServer: true, maxPayload: MAX_AUDIO_FRAME_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const paths = options.conversation ? ['/api', '/conversation'] : ['/api'];
    const ok = paths.includes(url.pathname) && req.headers.origin === origin && tokenMatches(url.searchParams.get('token') ?? cookieToken(req), token);
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    if (url.pathname === '/conversation') conversationWss.handleUpgrade(req, socket, head, (ws) => conversationSocket(ws, options.conversation!));
    else wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, options.handlers));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of [...wss.clients, ...conversationWss.clients]) c.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function serveSocket(ws: WebSocket, handlers: InvokeHandlers): void {
  ws.on('message', async (data: Buffer, isBinary: boolean) => {
    if (isBinary) return; // audio has its own socket (/conversation)
    let request: { id: number; channel: string; payload?: unknown };
    try {
      request = WsRequestSchema.parse(JSON.parse(data.toString('utf8')));
    } catch {
      return ws.send(JSON.stringify({ id: -1, ok: false, error: 'malformed request' } satisfies WsResponse));
    }
    let reply: WsResponse;
    try {
      reply = { id: request.id, ok: true, result: await dispatchInvoke(handlers, request.channel, request.payload) };
    } catch (e) {
      reply = { id: request.id, ok: false, error: describeError(e) };
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  });
}

/** The live conversation of one page: text frames are JSON commands, binary frames are audio. */
function conversationSocket(ws: WebSocket, host: Pick<ConversationHost, 'attach'>): void {
  const handle = host.attach({
    send: (message) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(message)),
    sendAudio: (frame) => ws.readyState === ws.OPEN && ws.send(frame, { binary: true }),
    close: () => ws.close(1000, 'another window took over the conversation'),
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => handle.receive(isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : data.toString('utf8')));
  ws.on('close', () => handle.detach());
}

function cookieToken(req: http.IncomingMessage): string | null {
  const m = /(?:^|;\s*)parley_token=([^;]+)/.exec(req.headers.cookie ?? '');
  return m ? m[1]! : null;
}

function tokenMatches(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
