import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakeServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (random port) that can be closed even with connections open. */
export async function listen(handler: http.RequestListener, port = 0): Promise<FakeServer> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A request as a fake saw it, and whether the client hung up before the response finished. */
export interface RecordedRequest {
  path: string;
  body: Record<string, unknown>;
  at: number;
  endedAt?: number;
  abortedByClient?: boolean;
}

/** Reads and records a JSON request; the record learns when (and how) the response ended. */
export async function recordRequest(req: http.IncomingMessage, res: http.ServerResponse, into: RecordedRequest[]): Promise<RecordedRequest> {
  const raw = await readBody(req);
  const record: RecordedRequest = { path: req.url ?? '', body: raw ? JSON.parse(raw) : {}, at: performance.now() };
  into.push(record);
  res.on('close', () => {
    record.endedAt = performance.now();
    record.abortedByClient = !res.writableFinished;
  });
  return record;
}

/** An HTTP server that only upgrades to WebSocket (the handler decides), on 127.0.0.1. */
export async function listenWebSocket(onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer, wss: WebSocketServer) => void, onRequest?: http.RequestListener, port = 0) {
  const wss = new WebSocketServer({ noServer: true });
  const server = await listen(
    onRequest ??
      ((_req, res) => {
        res.writeHead(404);
        res.end();
      }),
    port,
  );
  server.server.on('upgrade', (req, socket, head) => onUpgrade(req, socket, head, wss));
  return {
    url: server.url.replace('http', 'ws'),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await server.close();
    },
  };
}

export async function readBody(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Faults a fake applies to one request, in order (the next request takes the next fault). */
export type Fault =
  | { kind: 'status'; status: number; body?: unknown; retryAfterS?: number }
  /** Destroy the connection after this many chunks/messages. */
  | { kind: 'drop'; after: number }
  /** Stop sending after this many chunks, keeping the connection open. */
  | { kind: 'stall'; after: number }
  /** Send a malformed chunk after this many. */
  | { kind: 'malformed'; after: number }
  /** After this many chunks, keep sending chunks that carry nothing (empty deltas, pings) until the client leaves. */
  | { kind: 'drip'; after: number; everyMs?: number }
  /** End the response normally after this many chunks, without the protocol's end marker. */
  | { kind: 'end'; after: number }
  /** Take the request and never answer (not even headers). */
  | { kind: 'hang' };

export class FaultQueue {
  constructor(private readonly faults: (Fault | undefined)[] = []) {}
  next(): Fault | undefined {
    return this.faults.shift();
  }
  add(...faults: (Fault | undefined)[]): void {
    this.faults.push(...faults);
  }
}

/** The cheap authenticated GET a key check makes: 200 with the right key, 401 otherwise. */
export function keyCheckRoute(path: string, key: string, body: object = {}): http.RequestListener {
  return (req, res) => {
    if (req.method !== 'GET' || req.url !== path) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(hasKey(req, key) ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(hasKey(req, key) ? body : { error: 'invalid credentials' }));
  };
}

/** Bearer / Token / x-api-key style auth check. */
export function hasKey(req: http.IncomingMessage, key: string): boolean {
  const auth = req.headers.authorization ?? '';
  return auth === `Bearer ${key}` || auth === `Token ${key}` || req.headers['x-api-key'] === key || req.headers['xi-api-key'] === key;
}

/** A 24 kHz 16-bit PCM tone standing in for speech: `ms` long, so audio length tracks text length. */
export function tonePcm(ms: number, rate = 24000, freq = 220, amplitude = 0.3): Buffer {
  const n = Math.round((rate * ms) / 1000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freq * i) / rate)), i * 2);
  return buf;
}

/**
 * Refuses a WebSocket upgrade the way Deepgram does (v1 and v2 alike): an HTTP error status with
 * `dg-request-id`, the error text in `dg-error` and in a JSON body, and Retry-After (seconds) when given.
 */
export function refuseDeepgramUpgrade(socket: Duplex, status: number, message: string, retryAfterS?: number): void {
  const body = JSON.stringify({ err_code: status === 401 ? 'INVALID_AUTH' : 'ERR', err_msg: message, request_id: 'fake' });
  const reason = status === 401 ? 'Unauthorized' : status === 503 ? 'Service Unavailable' : status === 429 ? 'Too Many Requests' : 'Error';
  const retry = retryAfterS !== undefined ? `retry-after: ${retryAfterS}\r\n` : '';
  socket.write(`HTTP/1.1 ${status} ${reason}\r\ndg-request-id: fake\r\ndg-error: ${message}\r\n${retry}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  socket.destroy();
}

/**
 * Speech detection for fake STT servers, which cannot recognise words: 16-bit little-endian PCM in,
 * one verdict per complete 20 ms window out (RMS above `speechRms` = speech). Partial windows wait
 * for the next bytes.
 */
export class EnergyWindows {
  /** Samples per window. */
  readonly size: number;
  private pending = Buffer.alloc(0);

  constructor(
    readonly rate: number,
    private readonly speechRms = 0.02,
  ) {
    this.size = Math.round(rate * 0.02);
  }

  push(data: Buffer): boolean[] {
    this.pending = Buffer.concat([this.pending, data]);
    const verdicts: boolean[] = [];
    while (this.pending.length >= this.size * 2) {
      let acc = 0;
      for (let i = 0; i < this.size; i++) acc += (this.pending.readInt16LE(i * 2) / 32768) ** 2;
      this.pending = this.pending.subarray(this.size * 2);
      verdicts.push(Math.sqrt(acc / this.size) > this.speechRms);
    }
    return verdicts;
  }
}

/** The open WebSockets of a fake server, so a test can drop them all at once (a network blip). */
export class OpenSockets {
  private readonly open = new Set<WebSocket>();

  /** Tracks `ws` until it closes. */
  add(ws: WebSocket): void {
    this.open.add(ws);
    ws.on('close', () => this.open.delete(ws));
  }

  list(): WebSocket[] {
    return [...this.open];
  }

  /** Drops every open connection now, returning how many. */
  dropAll(): number {
    const all = this.list();
    for (const ws of all) ws.terminate();
    return all.length;
  }
}

/** The Deepgram fakes' (v1 and Flux) faults that strike after some audio. */
export type DeepgramAudioFaultKind = 'drop' | 'malformed' | 'stall' | 'dead' | 'unknown-type' | 'error';

/**
 * Strikes an audio fault on a Deepgram fake's connection: drop it; send `garbage` (words sent after
 * it are never read: `poison`); stop answering while still reading (`stall`); go dead (read and
 * answer nothing, as over a dead TCP connection); send a message of a type the client cannot know;
 * send a fatal `Error` and close. Returns true when the connection will hear no more audio.
 */
export function strikeDeepgramAudioFault(
  kind: DeepgramAudioFaultKind,
  ws: WebSocket,
  socket: Duplex,
  on: { garbage: string; send: (m: object) => void; stall: () => void; poison: () => void },
): boolean {
  switch (kind) {
    case 'drop':
      ws.terminate();
      return true;
    case 'malformed':
      ws.send(on.garbage);
      on.poison();
      return false;
    case 'stall':
      on.stall();
      return false;
    case 'unknown-type':
      on.send({ type: 'SomethingNew', detail: 'a message type added after this client was written' });
      return false;
    case 'error':
      on.send({ type: 'Error', code: 'INTERNAL_SERVER_ERROR', description: 'fake internal error' });
      ws.close(1011);
      return true;
    case 'dead':
      on.stall();
      socket.pause();
      socket.removeAllListeners('data');
      return true;
  }
}
