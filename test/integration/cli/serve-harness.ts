import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyModelHandlers } from '../../helpers/model-handlers.js';
import WebSocket from 'ws';
import { startServeServer, type ServeServer } from '../../../electron/cli/serve/server.js';
import { ConversationHost } from '../../../electron/engine/session/conversation-host.js';
import { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { settingsHandlers } from '../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../electron/engine/settings/settings-store.js';
import { SileroVadModel } from '../../../electron/engine/vad/silero.js';
import { serveProtocols } from '../../../electron/shared/serve-token.js';

/** `parley serve`'s server with a tiny renderer folder, the real engine and settings handlers. */
export async function startTestServe(): Promise<{ server: ServeServer; engine: EngineHost; warnings: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-serve-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Parley</title>');
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'outside the renderer');
  const engine = new EngineHost('9.9.9', () => SileroVadModel.load());
  await engine.start();
  const settings = new SettingsStore(path.join(dir, '..', `settings-${path.basename(dir)}.json`));
  await settings.load();
  const secrets = new MemorySecretStore();
  const conversation = new ConversationHost({ settings: () => settings.settings, secrets, vadModel: () => engine.vadModel(), env: {} });
  const warnings: string[] = [];
  const server = await startServeServer({
    rendererDir: dir,
    handlers: { ...settingsHandlers(settings, secrets, {}), 'parley:engine-info': () => engine.info(), 'parley:server-logs': () => conversation.serverLogs(), ...emptyModelHandlers() },
    conversation,
    warn: (m) => warnings.push(m),
  });
  return { server, engine, warnings };
}

export const wsOrigin = (s: ServeServer) => s.origin.replace('http', 'ws');

/** A WebSocket as the page opens it: token offered as a subprotocol, from the server's own Origin. */
export function pageSocket(s: ServeServer, pathname: string, o: { token?: string | null; origin?: string; query?: string } = {}): WebSocket {
  const token = o.token === undefined ? s.token : o.token;
  return new WebSocket(`${wsOrigin(s)}${pathname}${o.query ?? ''}`, token === null ? [] : serveProtocols(token), { origin: o.origin ?? s.origin });
}

/** Sends `messages` and resolves with one reply per message; rejects with `refused <status>` when the upgrade is refused. */
export function wsRequest(ws: WebSocket, messages: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const replies: unknown[] = [];
    ws.on('open', () => messages.forEach((m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m))));
    ws.on('message', (d) => {
      replies.push(JSON.parse(String(d)));
      if (replies.length === messages.length) {
        ws.close();
        resolve(replies);
      }
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

/** The server still does its job: the page loads and the engine answers over /api. */
export async function stillServing(s: ServeServer): Promise<boolean> {
  const page = await fetch(`${s.origin}/`);
  if (page.status !== 200) return false;
  const [reply] = (await wsRequest(pageSocket(s, '/api'), [{ id: 1, channel: 'parley:engine-info' }])) as { ok: boolean }[];
  return reply!.ok;
}

/** Writes raw bytes on a fresh TCP connection, half-closes, and resolves with everything the server sent before closing. */
export function rawExchange(s: ServeServer, chunks: Buffer[], o: { endAfter?: boolean } = {}): Promise<Buffer> {
  const { port } = new URL(s.origin);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('data', (d) => got.push(d));
    // A reset by the server is an answer too (it refused the bytes).
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(got)));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (o.endAfter !== false) socket.end();
    });
  });
}

/** The raw upgrade request the page's WebSocket sends. */
export function upgradeRequest(s: ServeServer, pathname: string, extraHeaders: string[] = []): Buffer {
  const host = new URL(s.origin).host;
  return Buffer.from(
    [
      `GET ${pathname} HTTP/1.1`,
      `Host: ${host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      `Origin: ${s.origin}`,
      `Sec-WebSocket-Protocol: ${serveProtocols(s.token).join(', ')}`,
      ...extraHeaders,
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

/** One WebSocket frame built by hand (RFC 6455 5.2), so it can break any rule. */
export function wsFrame(opcode: number, payload: Buffer, o: { fin?: boolean; masked?: boolean; rsv?: number; declaredLength?: number } = {}): Buffer {
  const masked = o.masked ?? true;
  const length = o.declaredLength ?? payload.length;
  const head = [((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), key, body]);
}

/** The status of the HTTP response at the start of `bytes` (0 when there is none). */
export function httpStatus(bytes: Buffer): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(bytes.toString('latin1'));
  return m ? Number(m[1]) : 0;
}

/** The close code of the server's close frame after the 101 response, if it sent one. */
export function closeCode(bytes: Buffer): number | undefined {
  let at = bytes.indexOf('\r\n\r\n') + 4;
  if (at < 4) return undefined;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let length = bytes[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      length = Number(bytes.readBigUInt64BE(start));
      start += 8;
    }
    if (opcode === 0x8) return length >= 2 ? bytes.readUInt16BE(start) : 1005;
    at = start + length;
  }
  return undefined;
}
