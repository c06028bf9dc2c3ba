import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 (random port) that can be closed even with connections open. */
export async function listen(handler: http.RequestListener): Promise<FakeServer> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
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
  | { kind: 'malformed'; after: number };

export class FaultQueue {
  constructor(private readonly faults: (Fault | undefined)[] = []) {}
  next(): Fault | undefined {
    return this.faults.shift();
  }
  add(...faults: (Fault | undefined)[]): void {
    this.faults.push(...faults);
  }
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
