import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServeServer } from '../../../electron/cli/serve/server.js';
import type { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { httpStatus, rawExchange, startTestServe, stillServing, upgradeRequest, wsFrame } from './serve-harness.js';

// Hostile bytes at `parley serve`: request lines, headers and WebSocket frames, chosen by a seeded
// PRNG (the same cases every run). After each one the server must still serve the page and answer
// the engine's contract.

/** mulberry32: small, seeded, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TARGETS = ['//[', '/%zz', '/%c0%ae', '/%', '/%00', '/..%2f..%2fetc%2fpasswd', '//evil.example/', 'http://[::1', '*', '/\u00ff\u00fe', '/a?%zz=%', '/api#x', '/' + 'a'.repeat(9000), '/%E0%A4%A', '/conversation?token=x', ''];
const METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS', 'CONNECT', 'G\u0000T', 'DELETE'];

describe('parley serve under hostile input', () => {
  let server: ServeServer;
  let engine: EngineHost;
  beforeAll(async () => {
    ({ server, engine } = await startTestServe());
  });
  afterAll(async () => {
    await server.close();
    await engine.stop();
  });

  it('survives hostile request lines and headers (seeded fuzz), answering each with an HTTP status or a closed connection', async () => {
    const random = prng(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const host = new URL(server.origin).host;
    // Every hostile target once as a plain GET and as an upgrade, then random combinations.
    for (const target of TARGETS) {
      for (const request of [Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1'), upgradeRequest(server, target)]) {
        const status = httpStatus(await rawExchange(server, [request]));
        // 101 only for an upgrade that was valid after all (`/api#x` names /api).
        expect(status === 0 || status === 101 || (status >= 200 && status < 500), `${target}: ${status}`).toBe(true);
        expect(await stillServing(server), target).toBe(true);
      }
    }
    for (let i = 0; i < 40; i++) {
      const variant = i % 4;
      let request: Buffer;
      if (variant === 0) request = Buffer.from(`${pick(METHODS)} ${pick(TARGETS)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'latin1');
      else if (variant === 1) request = upgradeRequest(server, pick(TARGETS));
      else if (variant === 2) request = Buffer.concat([Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nX-${i}: `, 'latin1'), bytes(1 + Math.floor(random() * 200)), Buffer.from('\r\n\r\n')]);
      else request = bytes(1 + Math.floor(random() * 300));
      const answer = await rawExchange(server, [request]);
      const status = httpStatus(answer);
      // Either a status the server chose or no answer at all (the bytes were not HTTP); never a crash.
      expect(status === 0 || (status >= 200 && status < 500), `case ${i}: ${answer.toString('latin1').slice(0, 80)}`).toBe(true);
      expect(await stillServing(server), `case ${i}`).toBe(true);
    }
  });

  it('survives hand-built WebSocket frames (seeded fuzz): unmasked, reserved opcodes and bits, bad UTF-8, oversize, truncated, random', async () => {
    const random = prng(0xf00d);
    const int = (n: number) => Math.floor(random() * n);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
    const frames: ((i: number) => Buffer[])[] = [
      () => [wsFrame(int(16), bytes(int(64)), { masked: random() < 0.5 })],
      () => [wsFrame(0x1, bytes(1 + int(64)))], // text, almost surely invalid UTF-8
      () => [wsFrame(0x1, Buffer.from('{"id":1,"channel":"parley:engine-info"'), { fin: false }), wsFrame(int(3) === 0 ? 0x2 : 0x0, bytes(int(32)))],
      () => [wsFrame(0x2, bytes(16), { declaredLength: 4096 })], // truncated: fewer bytes than declared
      () => [wsFrame(0x2, Buffer.alloc(0), { declaredLength: 2 ** 40 })], // declares a terabyte
      () => [wsFrame(0x1, bytes(8), { rsv: 1 + int(7) })],
      () => [wsFrame(0x8, bytes(1 + int(3)))], // close frame with a malformed code
      () => [wsFrame(0x9, bytes(126 + int(10)))], // control frame too long
      () => [bytes(1 + int(200))],
      () => [wsFrame(0x2, Buffer.concat([Buffer.from([1, 0, 0, 0]), bytes(1 + 2 * int(100))]))], // audio of odd length
      () => [wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'start', inputRate: int(300000) }))), wsFrame(0x2, Buffer.concat([Buffer.from([int(4), 0, 0, 0]), bytes(2 * int(500))]))],
    ];
    for (let i = 0; i < 44; i++) {
      const path = i % 2 === 0 ? '/api' : '/conversation';
      const answer = await rawExchange(server, [upgradeRequest(server, path), ...frames[i % frames.length]!(i)]);
      expect(httpStatus(answer), `case ${i}`).toBe(101);
      expect(await stillServing(server), `case ${i}`).toBe(true);
    }
  });
});
