import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, type Encryptor } from '../../../../electron/engine/settings/secret-store.js';
import { SettingsStore, migrate } from '../../../../electron/engine/settings/settings-store.js';
import { DEFAULT_SYSTEM_PROMPT, defaultSettings } from '../../../../electron/shared/settings.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'parley-settings-'));
const fixedNow = () => new Date('2026-11-24T10:00:00Z');

describe('SettingsStore', () => {
  it('starts from defaults and persists changes atomically', async () => {
    const file = path.join(tmp(), 'nested', 'settings.json');
    const store = new SettingsStore(file);
    expect((await store.load()).settings).toEqual(defaultSettings());
    await store.update((s) => {
      s.cascade.llm = 'anthropic';
      s.providers.llm.anthropic = { model: 'claude-sonnet-4-5' };
      s.turnTaking.minSilenceMs = 500;
    });
    const again = new SettingsStore(file);
    const loaded = (await again.load()).settings;
    expect(loaded.cascade.llm).toBe('anthropic');
    expect(loaded.providers.llm.anthropic).toEqual({ model: 'claude-sonnet-4-5' });
    expect(loaded.turnTaking.minSilenceMs).toBe(500);
    expect(readdirSync(path.dirname(file))).toEqual(['settings.json']); // no temp file left behind
  });

  it('rejects an invalid change and keeps the previous settings', async () => {
    const store = new SettingsStore(path.join(tmp(), 'settings.json'));
    await store.load();
    await expect(store.update((s) => void (s.turnTaking.vadThreshold = 3))).rejects.toMatchObject({ code: 'settings/invalid', message: expect.stringMatching(/turnTaking.vadThreshold/) });
    expect(store.settings.turnTaking.vadThreshold).toBe(0.5);
  });

  it('backs up a corrupt file, uses defaults and says so', async () => {
    const dir = tmp();
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, '{"version": 1, "architecture": "cascade", oops');
    const result = await new SettingsStore(file, fixedNow).load();
    expect(result.settings).toEqual(defaultSettings());
    expect(result.notice).toMatch(/could not be read.*settings\.json\.corrupt-2026-11-24T10-00-00-000Z/);
    expect(readFileSync(path.join(dir, 'settings.json.corrupt-2026-11-24T10-00-00-000Z'), 'utf8')).toContain('oops');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(defaultSettings());
  });

  it('treats a schema violation like corruption (backup + defaults), never a crash', async () => {
    const file = path.join(tmp(), 'settings.json');
    writeFileSync(file, JSON.stringify({ version: 1, turnTaking: { minSilenceMs: 'soon' } }));
    const result = await new SettingsStore(file, fixedNow).load();
    expect(result.notice).toMatch(/could not be read/);
    expect(result.settings.turnTaking.minSilenceMs).toBe(300);
  });

  it('migrates the unversioned format, keeping the user choices', () => {
    const s = migrate({ sttProvider: 'deepgram', llmProvider: 'ollama', ttsProvider: 'elevenlabs', systemPrompt: 'Be terse.' });
    expect(s.version).toBe(1);
    expect(s.cascade).toMatchObject({ stt: 'deepgram', llm: 'ollama', tts: 'elevenlabs' });
    expect(s.systemPrompt).toBe('Be terse.');
    expect(migrate({ version: 1 }).systemPrompt).toBe(DEFAULT_SYSTEM_PROMPT);
    expect(() => migrate({ version: 99 })).toThrow(/newer Parley/);
  });

  it('reports a failed save as a typed error and keeps the old settings', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'blocker'), 'a file where a folder should be');
    const store = new SettingsStore(path.join(dir, 'blocker', 'settings.json'));
    await store.load();
    await expect(store.update((s) => void (s.mode = 'push-to-talk'))).rejects.toMatchObject({ code: 'file/write-failed' });
    expect(store.settings.mode).toBe('hands-free');
  });
});

/** Real AES-256-GCM with a per-test key, standing in for the OS keychain that safeStorage uses. */
function aesEncryptor(available = true): Encryptor {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString: (b) => {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('EncryptedFileSecretStore', () => {
  it('stores only ciphertext, readable by the owner only, and reads it back', async () => {
    const file = path.join(tmp(), 'secrets.json');
    const enc = aesEncryptor();
    const store = new EncryptedFileSecretStore(file, enc);
    await store.set('deepgram', 'dg-secret-123');
    await store.set('openai', 'sk-abc');
    expect(readFileSync(file, 'utf8')).not.toContain('dg-secret-123');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const fresh = new EncryptedFileSecretStore(file, enc);
    expect(await fresh.get('deepgram')).toBe('dg-secret-123');
    expect(await fresh.names()).toEqual(['deepgram', 'openai']);
    await fresh.delete('openai');
    expect(await new EncryptedFileSecretStore(file, enc).get('openai')).toBeUndefined();
  });

  it('refuses to store a key when encryption is unavailable, and says why a key cannot be decrypted', async () => {
    const dir = tmp();
    await expect(new EncryptedFileSecretStore(path.join(dir, 's.json'), aesEncryptor(false)).set('x', 'y')).rejects.toMatchObject({ code: 'file/write-failed', message: expect.stringMatching(/keychain/) });
    expect(existsSync(path.join(dir, 's.json'))).toBe(false);
    const file = path.join(dir, 'other.json');
    await new EncryptedFileSecretStore(file, aesEncryptor()).set('deepgram', 'k');
    await expect(new EncryptedFileSecretStore(file, aesEncryptor()).get('deepgram')).rejects.toMatchObject({ code: 'file/unreadable', message: expect.stringMatching(/cannot be decrypted/) });
  });
});
