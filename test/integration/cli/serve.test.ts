import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startServeServer, type ServeServer } from '../../../electron/cli/serve/server.js';
import { ConversationHost } from '../../../electron/engine/session/conversation-host.js';
import { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { settingsHandlers } from '../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../electron/engine/settings/settings-store.js';
import { SileroVadModel } from '../../../electron/engine/vad/silero.js';

let server: ServeServer | undefined;
let engine: EngineHost | undefined;
afterEach(async () => {
  await server?.close();
  await engine?.stop();
});

async function start() {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-serve-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Parley</title>');
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'outside the renderer');
  engine = new EngineHost('9.9.9', () => SileroVadModel.load());
  await engine.start();
  const e = engine;
  const settings = new SettingsStore(path.join(dir, '..', `settings-${path.basename(dir)}.json`));
  await settings.load();
  const secrets = new MemorySecretStore();
  const conversation = new ConversationHost({ settings: () => settings.settings, secrets, vadModel: () => e.vadModel(), env: {} });
  server = await startServeServer({ rendererDir: dir, handlers: { ...settingsHandlers(settings, secrets, {}), 'parley:engine-info': () => e.info(), 'parley:server-logs': () => conversation.serverLogs() }, conversation });
  return server;
}

function wsRequest(url: string, origin: string, messages: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
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

describe('parley serve', () => {
  it('binds 127.0.0.1 and serves the renderer only with the token, then by cookie, with a strict CSP', async () => {
    const s = await start();
    expect(s.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.token.length).toBeGreaterThanOrEqual(32);
    expect((await fetch(`${s.origin}/`)).status).toBe(401);
    expect((await fetch(`${s.origin}/?token=wrong`)).status).toBe(401);
    const page = await fetch(s.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    const cookie = page.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const asset = await fetch(`${s.origin}/assets/app.js`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${s.origin}/assets/app.js`)).status).toBe(401);
    expect((await fetch(`${s.origin}/..%2fsecret.txt?token=${s.token}`)).status).toBe(403);
  });

  it('answers the contract over the WebSocket, validating every message', async () => {
    const s = await start();
    const replies = await wsRequest(`${s.origin.replace('http', 'ws')}/api?token=${s.token}`, s.origin, [
      { id: 1, channel: 'parley:engine-info' },
      { id: 2, channel: 'parley:engine-info', payload: { sneaky: true } },
      { id: 3, channel: 'parley:delete-everything' },
      'not json',
    ]);
    // Replies come as each request completes, not necessarily in order.
    const byId = (id: number) => replies.find((r) => (r as { id: number }).id === id);
    expect(byId(1)).toMatchObject({ ok: true, result: { version: '9.9.9', vad: { state: 'ready', provider: 'cpu' } } });
    expect(byId(2)).toMatchObject({ ok: false, error: expect.stringMatching(/invalid request/) });
    expect(byId(3)).toMatchObject({ ok: false, error: expect.stringMatching(/unknown channel/) });
    expect(byId(-1)).toMatchObject({ ok: false, error: 'malformed request' });
  });

  it('saves settings and takes keys over the WebSocket, never sending a key back', async () => {
    const s = await start();
    const api = `${s.origin.replace('http', 'ws')}/api?token=${s.token}`;
    const [current] = (await wsRequest(api, s.origin, [{ id: 1, channel: 'parley:settings-get' }])) as { result: Record<string, unknown> }[];
    const replies = await wsRequest(api, s.origin, [
      { id: 2, channel: 'parley:settings-update', payload: { ...current!.result, systemPrompt: 'Be brief.' } },
      { id: 3, channel: 'parley:key-set', payload: { name: 'openai', value: 'sk-test-0123456789' } },
    ]);
    const byId = (id: number) => replies.find((r) => (r as { id: number }).id === id);
    expect(byId(2)).toMatchObject({ ok: true, result: { systemPrompt: 'Be brief.' } });
    expect(byId(3)).toMatchObject({ ok: true, result: { openai: 'set', deepgram: 'not-set' } });
    expect(JSON.stringify(replies)).not.toContain('sk-test-0123456789');
    const [again] = (await wsRequest(api, s.origin, [{ id: 4, channel: 'parley:settings-get' }])) as { result: { systemPrompt: string } }[];
    expect(again!.result.systemPrompt).toBe('Be brief.');
  });

  it('refuses WebSocket connections without the token or from another Origin', async () => {
    const s = await start();
    const ws = s.origin.replace('http', 'ws');
    await expect(wsRequest(`${ws}/api`, s.origin, [{ id: 1, channel: 'parley:engine-info' }])).rejects.toThrow(/refused 403/);
    await expect(wsRequest(`${ws}/api?token=${s.token}`, 'https://evil.example', [{ id: 1, channel: 'parley:engine-info' }])).rejects.toThrow(/refused 403/);
    await expect(wsRequest(`${ws}/other?token=${s.token}`, s.origin, [{ id: 1, channel: 'parley:engine-info' }])).rejects.toThrow(/refused 403/);
  });

  it('the conversation socket: same token and Origin rules; JSON commands and binary frames, each validated', async () => {
    const s = await start();
    const ws = s.origin.replace('http', 'ws');
    await expect(wsRequest(`${ws}/conversation`, s.origin, [{ type: 'stop' }])).rejects.toThrow(/refused 403/);
    await expect(wsRequest(`${ws}/conversation?token=${s.token}`, 'https://evil.example', [{ type: 'stop' }])).rejects.toThrow(/refused 403/);
    const socket = new WebSocket(`${ws}/conversation?token=${s.token}`, { origin: s.origin });
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
