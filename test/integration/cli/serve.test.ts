import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { ServeServer } from '../../../electron/cli/serve/server.js';
import type { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { closeCode, httpStatus, pageSocket, rawExchange, startTestServe, stillServing, upgradeRequest, wsFrame, wsRequest } from './serve-harness.js';

let server: ServeServer | undefined;
let engine: EngineHost | undefined;
afterEach(async () => {
  await server?.close();
  await engine?.stop();
});

async function start() {
  const started = await startTestServe();
  server = started.server;
  engine = started.engine;
  return server;
}

/** A GET with a Host header of our choosing (fetch will not send a forged one). */
function getWithHost(s: ServeServer, host: string): Promise<number> {
  const { port } = new URL(s.origin);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
  });
}

describe('parley serve', () => {
  it('binds 127.0.0.1; the token travels in the fragment, never as a cookie; static files need no token but the right Host', async () => {
    const s = await start();
    expect(s.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.token.length).toBeGreaterThanOrEqual(32);
    // The fragment is never sent in a request, so no server (nor a Referer) ever sees it.
    expect(s.url).toBe(`${s.origin}/#token=${s.token}`);
    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('set-cookie')).toBeNull();
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    const asset = await fetch(`${s.origin}/assets/app.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${s.origin}/..%2fsecret.txt`)).status).toBe(403);
    // DNS rebinding: a page of another name resolving to 127.0.0.1 is not answered.
    expect(await getWithHost(s, 'evil.example')).toBe(421);
    expect(await getWithHost(s, `localhost:${new URL(s.origin).port}`)).toBe(421);
  });

  it('malformed request targets get a 4xx and the server keeps serving', async () => {
    const s = await start();
    for (const target of ['//[', '/%zz', '/%c0%ae', '/%00', '//evil.example/x', '/assets/%E0%A4%A']) {
      const bytes = await rawExchange(s, [Buffer.from(`GET ${target} HTTP/1.1\r\nHost: ${new URL(s.origin).host}\r\n\r\n`, 'latin1')]);
      expect(httpStatus(bytes), target).toBeGreaterThanOrEqual(400);
      expect(httpStatus(bytes), target).toBeLessThan(500);
      const upgrade = await rawExchange(s, [upgradeRequest(s, target)]);
      expect(httpStatus(upgrade), `upgrade ${target}`).toBe(403);
    }
    expect(await stillServing(s)).toBe(true);
  });

  it('WebSocket protocol faults close that socket with a code and the server keeps serving', async () => {
    const s = await start();
    const cases: { name: string; path: string; frames: Buffer[]; code: number }[] = [
      { name: 'a message over 1 MiB on /api', path: '/api', frames: [wsFrame(0x1, Buffer.alloc((1 << 20) + 1, 0x20))], code: 1009 },
      { name: 'a frame over 128 KiB on /conversation', path: '/conversation', frames: [wsFrame(0x2, Buffer.alloc((1 << 17) + 1, 1))], code: 1009 },
      { name: 'invalid UTF-8', path: '/api', frames: [wsFrame(0x1, Buffer.from([0x7b, 0xc0, 0xae, 0x7d]))], code: 1007 },
      { name: 'an unmasked frame', path: '/api', frames: [wsFrame(0x1, Buffer.from('{}'), { masked: false })], code: 1002 },
      { name: 'a reserved opcode', path: '/conversation', frames: [wsFrame(0x3, Buffer.from('x'))], code: 1002 },
      { name: 'a reserved bit', path: '/api', frames: [wsFrame(0x1, Buffer.from('{}'), { rsv: 2 })], code: 1002 },
    ];
    for (const c of cases) {
      const bytes = await rawExchange(s, [upgradeRequest(s, c.path), ...c.frames], { endAfter: false });
      expect(httpStatus(bytes), c.name).toBe(101);
      expect(closeCode(bytes), c.name).toBe(c.code);
      expect(await stillServing(s), c.name).toBe(true);
    }
  });

  it('answers the contract over the WebSocket, validating every message', async () => {
    const s = await start();
    const replies = await wsRequest(pageSocket(s, '/api'), [
      { id: 1, channel: 'parley:engine-info' },
      { id: 2, channel: 'parley:engine-info', payload: { sneaky: true } },
      { id: 3, channel: 'parley:delete-everything' },
      'not json',
    ]);
    // Replies come as each request completes, not necessarily in order.
    const byId = (id: number) => replies.find((r) => (r as { id: number }).id === id);
    expect(byId(1)).toMatchObject({ ok: true, result: { version: '9.9.9', vad: { state: 'ready', provider: 'cpu' } } });
    expect(byId(2)).toMatchObject({ ok: false, error: 'parley:engine-info: the request must be empty' });
    expect(byId(3)).toMatchObject({ ok: false, error: expect.stringMatching(/unknown channel/) });
    expect(byId(-1)).toMatchObject({ ok: false, error: 'malformed request' });
  });

  it('saves settings and takes keys over the WebSocket, never sending a key back', async () => {
    const s = await start();
    const [current] = (await wsRequest(pageSocket(s, '/api'), [{ id: 1, channel: 'parley:settings-get' }])) as { result: Record<string, unknown> }[];
    const replies = await wsRequest(pageSocket(s, '/api'), [
      { id: 2, channel: 'parley:settings-update', payload: { ...current!.result, systemPrompt: 'Be brief.' } },
      { id: 3, channel: 'parley:key-set', payload: { name: 'openai', value: 'sk-test-0123456789' } },
    ]);
    const byId = (id: number) => replies.find((r) => (r as { id: number }).id === id);
    expect(byId(2)).toMatchObject({ ok: true, result: { systemPrompt: 'Be brief.' } });
    expect(byId(3)).toMatchObject({ ok: true, result: { openai: 'set', deepgram: 'not-set' } });
    expect(JSON.stringify(replies)).not.toContain('sk-test-0123456789');
    const [again] = (await wsRequest(pageSocket(s, '/api'), [{ id: 4, channel: 'parley:settings-get' }])) as { result: { systemPrompt: string } }[];
    expect(again!.result.systemPrompt).toBe('Be brief.');
  });

  it('refuses WebSocket connections without the token, with it anywhere but the subprotocol, or from another Origin', async () => {
    const s = await start();
    const info = [{ id: 1, channel: 'parley:engine-info' }];
    await expect(wsRequest(pageSocket(s, '/api', { token: null }), info)).rejects.toThrow(/refused 403/);
    await expect(wsRequest(pageSocket(s, '/api', { token: 'wrong' }), info)).rejects.toThrow(/refused 403/);
    // The old ways (query string, cookie) no longer count: both leak (history, every port of 127.0.0.1).
    await expect(wsRequest(pageSocket(s, '/api', { token: null, query: `?token=${s.token}` }), info)).rejects.toThrow(/refused 403/);
    const withCookie = new WebSocket(`${s.origin.replace('http', 'ws')}/api`, { origin: s.origin, headers: { cookie: `parley_token=${s.token}` } });
    await expect(wsRequest(withCookie, info)).rejects.toThrow(/refused 403/);
    await expect(wsRequest(pageSocket(s, '/api', { origin: 'https://evil.example' }), info)).rejects.toThrow(/refused 403/);
    await expect(wsRequest(pageSocket(s, '/other'), info)).rejects.toThrow(/refused 403/);
    const ok = pageSocket(s, '/api');
    const replies = await wsRequest(ok, info);
    expect(replies).toMatchObject([{ id: 1, ok: true }]);
    // The server selects the plain protocol: the token is never echoed back.
    expect(ok.protocol).toBe('parley');
  });

  it('the conversation socket: same token and Origin rules; JSON commands and binary frames, each validated', async () => {
    const s = await start();
    await expect(wsRequest(pageSocket(s, '/conversation', { token: null }), [{ type: 'stop' }])).rejects.toThrow(/refused 403/);
    await expect(wsRequest(pageSocket(s, '/conversation', { origin: 'https://evil.example' }), [{ type: 'stop' }])).rejects.toThrow(/refused 403/);
    const socket = pageSocket(s, '/conversation');
    const got: unknown[] = [];
    socket.on('message', (d, isBinary) => got.push(isBinary ? 'binary' : JSON.parse(String(d))));
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ type: 'start', inputRate: 16000 }));
    socket.send(Buffer.from([1, 0, 0]));
    socket.send('{"type":"launch-missiles"}');
    await vi.waitFor(() => expect(got).toHaveLength(4));
    socket.close();
    // Not running, so the audio frame is dropped; the malformed command is refused.
    expect(got).toContainEqual({ type: 'event', event: expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'session/invalid-message' }) }) });
    expect(got.filter((m) => (m as { type: string }).type === 'session')).toEqual([
      { type: 'session', status: { state: 'idle' } },
      { type: 'session', status: { state: 'starting' } },
      // No keys saved and none in the environment: the start fails with a typed error.
      { type: 'session', status: { state: 'failed', error: expect.objectContaining({ code: 'provider/missing-key' }) } },
    ]);
  });
});

describe('parley serve with a page that stops reading', () => {
  it('drops the connection once too much is left unread, instead of buffering without bound', async () => {
    const started = await startTestServe();
    server = started.server;
    engine = started.engine;
    const s = started.server;
    const { port } = new URL(s.origin);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('connect', r));
    socket.write(upgradeRequest(s, '/api'));
    await new Promise((r) => socket.once('data', r));
    // Never read again; ask for the provider catalog (tens of kB each) until the server gives up.
    socket.pause();
    const request = wsFrame(0x1, Buffer.from(JSON.stringify({ id: 1, channel: 'parley:providers' })));
    for (let i = 0; i < 4000 && started.warnings.length === 0; i++) {
      socket.write(request);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    await vi.waitFor(() => expect(started.warnings).toContainEqual(expect.stringMatching(/^closed a page's connection: it left \d+ bytes unread$/)), 20_000);
    socket.destroy();
    expect(await stillServing(s)).toBe(true);
  }, 60_000);
});
