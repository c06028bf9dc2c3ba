import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { settingsHandlers } from '../../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../../electron/engine/settings/settings-store.js';
import { createLiveSession } from '../../../../electron/engine/session/session-factory.js';
import type { Settings } from '../../../../electron/shared/settings.js';
import { ClockedSink } from '../../../../electron/engine/audio/playout.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../../fakes/openai.js';
import { startFakeDeepgram } from '../../../fakes/deepgram.js';

// With the page's token, a client can point a provider at any host. A saved key must never follow
// it there: it goes only to the host it was saved for, and a new host needs the key entered again.

/** Another server on this machine (not a vendor): records what it is sent and answers 200. */
async function startRecorder() {
  const seen: { path: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"object":"list","data":[]}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function setup(env: NodeJS.ProcessEnv = {}) {
  const openai: FakeOpenAi = await startFakeOpenAi({ apiKey: 'sk-home-0123456789' });
  const elsewhere = await startRecorder();
  open.push(openai, elsewhere);
  const store = new SettingsStore(path.join(mkdtempSync(path.join(tmpdir(), 'parley-keys-')), 'settings.json'));
  await store.load();
  const secrets = new MemorySecretStore();
  const handlers = settingsHandlers(store, secrets, env);
  const pointAt = async (baseUrl: string) => {
    const next = structuredClone(store.settings) as Settings;
    next.providers.llm.openai = { ...next.providers.llm.openai, baseUrl: `${baseUrl}/v1` };
    next.providers.tts.openai = { ...next.providers.tts.openai, baseUrl: `${baseUrl}/v1` };
    await handlers['parley:settings-update'](next);
  };
  const leaked = () => elsewhere.seen.filter((r) => JSON.stringify(r.headers).includes('sk-home-0123456789'));
  return { openai, elsewhere, store, secrets, handlers, pointAt, leaked };
}

describe('a saved key goes only to the host it was saved for', () => {
  it('key Test: pointing the provider at another host does not send the key there; entering it again for that host does', async () => {
    const h = await setup();
    await h.pointAt(h.openai.url);
    expect(await h.handlers['parley:key-set']({ name: 'openai', value: 'sk-home-0123456789' })).toMatchObject({ openai: 'set' });
    expect(await h.handlers['parley:key-test']({ name: 'openai' })).toEqual({ ok: true });

    // A client with the token moves the endpoint and presses Test.
    await h.pointAt(h.elsewhere.url);
    expect(await h.handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'wrong-host' });
    const test = await h.handlers['parley:key-test']({ name: 'openai' });
    const port = new URL(h.openai.url).port;
    expect(test).toEqual({
      ok: false,
      error: { code: 'provider/key-wrong-host', provider: 'openai', message: `the OpenAI key was saved for 127.0.0.1:${port}; enter it again to use it with ${new URL(h.elsewhere.url).host}` },
    });
    expect(h.elsewhere.seen).toEqual([]);

    // The user enters a key for the new host: now it goes there, and only that one.
    await h.handlers['parley:key-set']({ name: 'openai', value: 'sk-other-host-999' });
    expect(await h.handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'set' });
    expect(await h.handlers['parley:key-test']({ name: 'openai' })).toEqual({ ok: true });
    expect(h.elsewhere.seen.map((r) => r.headers.authorization)).toEqual(['Bearer sk-other-host-999']);
    expect(h.leaked()).toEqual([]);
  });

  it('the live session: a provider pointed at another host gets no key and the start fails with the typed error', async () => {
    const h = await setup();
    const deepgram = await startFakeDeepgram({ utterances: [] });
    open.push(deepgram);
    await h.pointAt(h.openai.url);
    await h.store.update((s) => void (s.providers.stt.deepgram = { baseUrl: deepgram.url }));
    await h.handlers['parley:key-set']({ name: 'openai', value: 'sk-home-0123456789' });
    await h.handlers['parley:key-set']({ name: 'deepgram', value: deepgram.key });
    await h.pointAt(h.elsewhere.url);
    const clock = new ManualClock();
    const build = createLiveSession(h.store.settings, 'cascade', { secrets: h.secrets, env: {}, clock, vad: () => { throw new Error('not reached'); }, sinkAt: (rate) => new ClockedSink(rate, clock), history: [] });
    await expect(build).rejects.toMatchObject({ code: 'provider/key-wrong-host', message: expect.stringMatching(/^the OpenAI key was saved for 127\.0\.0\.1:\d+; enter it again/) });
    expect(h.elsewhere.seen).toEqual([]);
  });

  it('an environment key goes to the endpoints the environment names, not to one a page sets', async () => {
    const h = await setup();
    // The environment names the fake as OpenAI's endpoint (as the e2e tests and users with proxies do).
    const env = { OPENAI_API_KEY: 'sk-home-0123456789', PARLEY_OPENAI_URL: `${h.openai.url}/v1` };
    const handlers = settingsHandlers(h.store, h.secrets, env);
    expect(await handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'set' });
    expect(await handlers['parley:key-test']({ name: 'openai' })).toEqual({ ok: true });
    await h.pointAt(h.elsewhere.url);
    expect(await handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'wrong-host' });
    expect(await handlers['parley:key-test']({ name: 'openai' })).toMatchObject({ ok: false, error: { code: 'provider/key-wrong-host', message: expect.stringMatching(/^the OpenAI key from OPENAI_API_KEY is sent only to/) } });
    expect(h.elsewhere.seen).toEqual([]);
  });

  it('a key saved before keys were bound is kept for the service’s own API, not for the endpoint in the settings', async () => {
    const h = await setup();
    await h.pointAt(h.elsewhere.url);
    await h.secrets.set('openai', 'sk-home-0123456789'); // as an older Parley stored it
    expect(await h.handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'wrong-host' });
    expect(await h.handlers['parley:key-test']({ name: 'openai' })).toMatchObject({ ok: false, error: { code: 'provider/key-wrong-host', message: expect.stringMatching(/saved for api\.openai\.com/) } });
    expect(h.elsewhere.seen).toEqual([]);
  });

  it('the key is saved for the provider in use: OpenAI Realtime on its own endpoint, or the TTS when the LLM is another service', async () => {
    const h = await setup();
    // An old Groq endpoint saved for the (unused) OpenAI LLM must not decide where the key goes.
    await h.store.update((s) => {
      s.providers.llm.openai = { baseUrl: 'https://api.groq.com/openai/v1' };
      s.cascade.llm = 'anthropic';
      s.providers.tts.openai = { baseUrl: `${h.openai.url}/v1` };
    });
    await h.handlers['parley:key-set']({ name: 'openai', value: 'sk-home-0123456789' });
    expect(await h.handlers['parley:key-test']({ name: 'openai' })).toEqual({ ok: true });

    await h.store.update((s) => {
      s.architecture = 's2s';
      s.s2s.provider = 'openai-realtime';
      s.providers.s2s['openai-realtime'] = { baseUrl: `${h.elsewhere.url.replace('http', 'ws')}/v1/realtime` };
    });
    expect(await h.handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'wrong-host' });
    await h.handlers['parley:key-set']({ name: 'openai', value: 'sk-realtime-host-1' });
    expect(await h.handlers['parley:keys-status'](undefined)).toMatchObject({ openai: 'set' });
    // Test calls the service's HTTP API on the Realtime endpoint's origin.
    expect(await h.handlers['parley:key-test']({ name: 'openai' })).toEqual({ ok: true });
    expect(h.elsewhere.seen).toEqual([expect.objectContaining({ path: '/v1/models', headers: expect.objectContaining({ authorization: 'Bearer sk-realtime-host-1' }) })]);
  });
});

