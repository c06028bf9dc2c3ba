import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, type Encryptor } from '../../../../electron/engine/settings/secret-store.js';
import { SettingsStore, migrate, repairSettings } from '../../../../electron/engine/settings/settings-store.js';
import { DEFAULT_SYSTEM_PROMPT, defaultSettings } from '../../../../electron/shared/settings.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'parley-settings-'));
const fixedNow = () => new Date('2026-11-24T10:00:00Z');

/** What is at a path (kind, size, content of small files, names in a folder), to prove it was left alone. */
function snapshot(p: string): unknown {
  const st = statSync(p);
  if (st.isDirectory()) return { dir: readdirSync(p) };
  return { size: st.size, head: st.size < 1024 * 1024 ? readFileSync(p, 'utf8') : undefined };
}

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

  it('one wrong field resets only that field, and says which in plain words', async () => {
    const dir = tmp();
    const file = path.join(dir, 'settings.json');
    const original = JSON.stringify({
      version: 1,
      architecture: 'telepathy',
      cascade: { stt: 'deepgram', llm: 'anthropic', tts: 'elevenlabs' },
      providers: { llm: { anthropic: { model: 'claude-sonnet-4-5' }, openai: 'gpt-4o' } },
      systemPrompt: 'Be terse.',
      turnTaking: { minSilenceMs: 'soon', vadThreshold: 0.7 },
      mode: 'push-to-talk',
    });
    writeFileSync(file, original);
    const result = await new SettingsStore(file, fixedNow).load();
    // The valid fields are kept...
    expect(result.settings.cascade).toMatchObject({ stt: 'deepgram', llm: 'anthropic', tts: 'elevenlabs' });
    expect(result.settings.providers.llm.anthropic).toEqual({ model: 'claude-sonnet-4-5' });
    expect(result.settings.systemPrompt).toBe('Be terse.');
    expect(result.settings.turnTaking.vadThreshold).toBe(0.7);
    expect(result.settings.mode).toBe('push-to-talk');
    // ...only the bad ones are back to their defaults.
    expect(result.settings.architecture).toBe('cascade');
    expect(result.settings.turnTaking.minSilenceMs).toBe(300);
    expect(result.settings.providers.llm.openai).toBeUndefined();
    expect(result.notice).toBe(
      'Some of your settings were not valid and were reset to their defaults: the conversation type (cascade or speech-to-speech), the openai language model settings, the silence that ends your turn. ' +
        'Everything else was kept; your original file was saved as settings.json.corrupt-2026-11-24T10-00-00-000Z.',
    );
    expect(readFileSync(path.join(dir, 'settings.json.corrupt-2026-11-24T10-00-00-000Z'), 'utf8')).toBe(original);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(result.settings);
  });

  it.each([
    ['a folder in its place', (file: string) => (mkdirSync(file), writeFileSync(path.join(file, 'keep.txt'), 'mine')), undefined, /it is a folder, not a file/],
    ['a file far too large to be settings (600 MB)', (file: string) => (writeFileSync(file, '{"version":1}'), truncateSync(file, 600 * 1024 * 1024)), undefined, /it is 600 MB, far more than a settings file holds/],
    [
      'permission denied',
      (file: string) => writeFileSync(file, JSON.stringify({ version: 1, mode: 'push-to-talk' })),
      { readFile: async () => Promise.reject(Object.assign(new Error("EACCES: permission denied, open 'settings.json'"), { code: 'EACCES' })) },
      /permission denied/,
    ],
  ] as const)('settings that cannot be read (%s): defaults, a notice, and the file is never overwritten', async (_what, make, fs, why) => {
    const dir = tmp();
    const file = path.join(dir, 'settings.json');
    make(file);
    const before = snapshot(file);
    const store = new SettingsStore(file, fixedNow, fs);
    const result = await store.load();
    expect(result.settings).toEqual(defaultSettings());
    expect(result.notice).toMatch(why);
    expect(result.notice).toMatch(/^Your settings file .*settings\.json could not be read \(.*\)\. Parley is using default settings and will not save over that file: fix or move it, then restart Parley\.$/);
    await expect(store.update((s) => void (s.mode = 'push-to-talk'))).rejects.toMatchObject({ code: 'file/write-failed', message: expect.stringMatching(/not saved.*could not be read.*will not overwrite/) });
    expect(snapshot(file)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['settings.json']); // no backup, no temp file
  });

  it('does not overwrite a corrupt file it could not back up', async () => {
    const dir = tmp();
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, '{"version": 1, oops');
    const store = new SettingsStore(file, fixedNow, { copyFile: async () => Promise.reject(Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' })) });
    const result = await store.load();
    expect(result.notice).toMatch(/could not be read .*not valid JSON.*could not be backed up.*will not save over that file/);
    await expect(store.update((s) => void (s.mode = 'push-to-talk'))).rejects.toMatchObject({ code: 'file/write-failed' });
    expect(readFileSync(file, 'utf8')).toBe('{"version": 1, oops');
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('a failed save leaves no temp file behind', async () => {
    const dir = tmp();
    const file = path.join(dir, 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    // Something else takes the name meanwhile: the rename over it fails after the temp file was written.
    mkdirSync(file);
    writeFileSync(path.join(file, 'x'), 'x');
    await expect(store.update((s) => void (s.mode = 'push-to-talk'))).rejects.toMatchObject({ code: 'file/write-failed' });
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('keeps the data folder 0700 and settings.json 0600, tightening ones made before', async () => {
    const fresh = path.join(tmp(), 'data');
    const store = new SettingsStore(path.join(fresh, 'settings.json'));
    await store.load();
    await store.update((s) => void (s.mode = 'push-to-talk'));
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(fresh, 'settings.json')).mode & 0o777).toBe(0o600);

    const old = tmp();
    chmodSync(old, 0o755);
    writeFileSync(path.join(old, 'settings.json'), JSON.stringify({ version: 1 }), { mode: 0o644 });
    chmodSync(path.join(old, 'settings.json'), 0o644);
    await new SettingsStore(path.join(old, 'settings.json')).load();
    expect(statSync(old).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(old, 'settings.json')).mode & 0o777).toBe(0o600);
  });

  it('leaves a shared folder (sticky, like /tmp) as it is', async () => {
    const shared = tmp();
    chmodSync(shared, 0o1777);
    const store = new SettingsStore(path.join(shared, 'settings.json'));
    await store.load();
    await store.update((s) => void (s.mode = 'push-to-talk'));
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(statSync(path.join(shared, 'settings.json')).mode & 0o777).toBe(0o600);
  });

  it('migrates the unversioned format, keeping the user choices', () => {
    const s = migrate({ sttProvider: 'deepgram', llmProvider: 'ollama', ttsProvider: 'elevenlabs', systemPrompt: 'Be terse.' });
    expect(s.version).toBe(1);
    expect(s.cascade).toMatchObject({ stt: 'deepgram', llm: 'ollama', tts: 'elevenlabs' });
    expect(s.systemPrompt).toBe('Be terse.');
    expect(migrate({ version: 1 }).systemPrompt).toBe(DEFAULT_SYSTEM_PROMPT);
    expect(() => migrate({ version: 99 })).toThrow(/newer Parley/);
  });

  it('reads "offline only" as off from files saved before the setting existed', () => {
    expect(migrate({ version: 1, systemPrompt: 'Be terse.' })).toMatchObject({ offlineOnly: false, systemPrompt: 'Be terse.' });
    expect(migrate({ version: 1, offlineOnly: true }).offlineOnly).toBe(true);
    expect(repairSettings({ version: 1, offlineOnly: 'yes' })).toMatchObject({ settings: { offlineOnly: false }, reset: ['offline-only mode'] });
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

  it('keeps its folder 0700 and tightens an existing secrets.json to 0600', async () => {
    const dir = path.join(tmp(), 'data');
    const file = path.join(dir, 'secrets.json');
    const enc = aesEncryptor();
    await new EncryptedFileSecretStore(file, enc).set('deepgram', 'k');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    chmodSync(file, 0o644);
    expect(await new EncryptedFileSecretStore(file, enc).get('deepgram')).toBe('k');
    expect(statSync(file).mode & 0o777).toBe(0o600);
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
