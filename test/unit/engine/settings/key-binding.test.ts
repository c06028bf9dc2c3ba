import { describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../../../electron/engine/settings/secret-store.js';
import { defaultKeyOrigin, environmentKeyOrigins, keyForEndpoint, keyOrigin, readBoundKey, saveBoundKey } from '../../../../electron/engine/settings/key-binding.js';

describe('API keys bound to the host they were saved for', () => {
  it('an origin is scheme, host and port; WebSocket URLs count as their HTTP twins', () => {
    expect(keyOrigin('wss://api.openai.com/v1/realtime')).toBe('https://api.openai.com');
    expect(keyOrigin('https://api.openai.com:443/v1')).toBe('https://api.openai.com');
    expect(keyOrigin('ws://127.0.0.1:1234/x')).toBe('http://127.0.0.1:1234');
    expect(() => keyOrigin('not a url')).toThrow(expect.objectContaining({ code: 'settings/invalid' }));
    expect(defaultKeyOrigin('openai')).toBe('https://api.openai.com');
    expect(defaultKeyOrigin('deepgram')).toBe('https://api.deepgram.com');
    expect(defaultKeyOrigin('elevenlabs')).toBe('https://api.elevenlabs.io');
    expect(defaultKeyOrigin('anthropic')).toBe('https://api.anthropic.com');
  });

  it('a saved key goes only to its origin; another host gets a typed error naming both', async () => {
    const secrets = new MemorySecretStore();
    await saveBoundKey(secrets, 'openai', 'sk-saved-123456', 'https://api.openai.com/v1');
    const stored = await readBoundKey(secrets, 'openai');
    expect(keyForEndpoint('openai', stored, 'https://api.openai.com/v1', {})).toEqual({ state: 'set', key: 'sk-saved-123456' });
    expect(keyForEndpoint('openai', stored, 'wss://api.openai.com/v1/realtime', {})).toEqual({ state: 'set', key: 'sk-saved-123456' });
    const elsewhere = keyForEndpoint('openai', stored, 'http://127.0.0.1:1234/v1', {});
    expect(elsewhere.state).toBe('wrong-host');
    expect(elsewhere.state === 'wrong-host' && elsewhere.error.toInfo()).toMatchObject({
      code: 'provider/key-wrong-host',
      message: 'the OpenAI key was saved for api.openai.com; enter it again to use it with 127.0.0.1:1234',
      provider: 'openai',
    });
    // Same host, plain HTTP: not the origin it was saved for either.
    const downgraded = keyForEndpoint('openai', stored, 'http://api.openai.com/v1', {});
    expect(downgraded.state === 'wrong-host' && downgraded.error.message).toBe('the OpenAI key was saved for https://api.openai.com; enter it again to use it with http://api.openai.com');
    // What is stored is the key and its origin, nothing else.
    expect(JSON.parse((await secrets.get('openai'))!)).toEqual({ format: 'parley-key/1', key: 'sk-saved-123456', origin: 'https://api.openai.com' });
  });

  it('a key saved before keys were bound counts as the service’s own API’s, whatever the settings say now', async () => {
    const secrets = new MemorySecretStore();
    await secrets.set('deepgram', 'dg-plain-old-key');
    expect(await readBoundKey(secrets, 'deepgram')).toEqual({ value: 'dg-plain-old-key', origin: 'https://api.deepgram.com' });
    expect(keyForEndpoint('deepgram', await readBoundKey(secrets, 'deepgram'), 'wss://api.deepgram.com', {}).state).toBe('set');
    expect(keyForEndpoint('deepgram', await readBoundKey(secrets, 'deepgram'), 'ws://127.0.0.1:9/', {}).state).toBe('wrong-host');
  });

  it('an environment key goes to the service’s API and to endpoints the environment names, never to one set from a page', () => {
    const env = { OPENAI_API_KEY: 'sk-env-123456', PARLEY_OPENAI_URL: 'http://127.0.0.1:5000/v1', PARLEY_OPENAI_REALTIME_URL: 'ws://127.0.0.1:6000/v1/realtime' };
    expect([...environmentKeyOrigins('openai', env)]).toEqual(['https://api.openai.com', 'http://127.0.0.1:5000', 'http://127.0.0.1:6000']);
    expect(keyForEndpoint('openai', undefined, undefined, env)).toEqual({ state: 'set', key: 'sk-env-123456' });
    expect(keyForEndpoint('openai', undefined, 'http://127.0.0.1:5000/v1', env)).toEqual({ state: 'set', key: 'sk-env-123456' });
    const page = keyForEndpoint('openai', undefined, 'https://evil.example/v1', env);
    expect(page.state === 'wrong-host' && page.error.message).toMatch(/^the OpenAI key from OPENAI_API_KEY is sent only to api\.openai\.com, 127\.0\.0\.1:5000, 127\.0\.0\.1:6000; to use it with evil\.example/);
    expect(keyForEndpoint('openai', undefined, 'https://evil.example/v1', {})).toEqual({ state: 'not-set' });
  });

  it('a saved key for another host does not hide an environment key allowed there', async () => {
    const secrets = new MemorySecretStore();
    await saveBoundKey(secrets, 'openai', 'sk-saved-123456', 'http://127.0.0.1:7000/v1');
    expect(keyForEndpoint('openai', await readBoundKey(secrets, 'openai'), 'https://api.openai.com/v1', { OPENAI_API_KEY: 'sk-env-123456' })).toEqual({ state: 'set', key: 'sk-env-123456' });
  });
});
