import { afterEach, describe, expect, it } from 'vitest';
import { checkKey } from '../../../../electron/engine/providers/key-check.js';
import { startFakeAnthropic } from '../../../fakes/anthropic.js';
import { startFakeDeepgram } from '../../../fakes/deepgram.js';
import { startFakeElevenLabs } from '../../../fakes/elevenlabs.js';
import { startFakeGradium } from '../../../fakes/gradium.js';
import { startFakeOpenAi } from '../../../fakes/openai.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

// The settings "Test" button: one real authenticated call per service, against each fake.
describe('checkKey', () => {
  it.each([
    ['openai', async () => startFakeOpenAi(), (f: { baseUrl?: string; url: string }) => f.baseUrl ?? f.url],
    ['anthropic', async () => startFakeAnthropic(), (f: { url: string }) => f.url],
    ['deepgram', async () => startFakeDeepgram(), (f: { url: string }) => f.url],
    ['elevenlabs', async () => startFakeElevenLabs(), (f: { url: string }) => f.url],
    ['gradium', async () => startFakeGradium(), (f: { url: string }) => f.url],
  ] as const)('%s: a good key passes, a bad one is "invalid API key"', async (name, start, base) => {
    const fake = await start();
    closers.push(fake.close);
    await expect(checkKey(name, fake.key, base(fake as never))).resolves.toBeUndefined();
    await expect(checkKey(name, 'wrong-key', base(fake as never))).rejects.toMatchObject({ code: 'provider/invalid-key', message: expect.stringMatching(/^invalid API key for /) });
  });

  it('elevenlabs: a key scoped without user_read (401 missing_permissions) is valid; a wrong key is not', async () => {
    const fake = await startFakeElevenLabs({ scopedKey: 'scoped-key' });
    closers.push(fake.close);
    await expect(checkKey('elevenlabs', 'scoped-key', fake.url)).resolves.toBeUndefined();
    await expect(checkKey('elevenlabs', 'wrong-key', fake.url)).rejects.toMatchObject({ code: 'provider/invalid-key', message: 'invalid API key for ElevenLabs: Invalid API key' });
  });

  it('gradium: the check goes to the origin even when the base URL is the full streaming endpoint', async () => {
    const fake = await startFakeGradium();
    closers.push(fake.close);
    await expect(checkKey('gradium', fake.key, `${fake.url}/api/speech/asr`)).resolves.toBeUndefined();
    await expect(checkKey('gradium', 'wrong-key', `${fake.url}/api/speech/tts`)).rejects.toMatchObject({ code: 'provider/invalid-key', message: 'invalid API key for Gradium' });
  });

  it('names the URL when the service is unreachable', async () => {
    await expect(checkKey('openai', 'k', 'http://127.0.0.1:9/v1')).rejects.toMatchObject({ code: 'provider/unreachable', message: expect.stringContaining('http://127.0.0.1:9/v1/models') });
  });
});
