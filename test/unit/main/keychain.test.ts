import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore } from '../../../electron/engine/settings/secret-store.js';
import { keychain, type SafeStorageSurface } from '../../../electron/main/keychain.js';

/**
 * Electron's safeStorage as docs/api/safe-storage.md describes it on Linux: with no Secret Service
 * (GNOME Keyring, KWallet) it still reports encryption as available, using the "basic_text"
 * backend whose password is hard-coded in Chromium.
 */
function fakeSafeStorage(backend: string): SafeStorageSurface {
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString: (plain) => Buffer.from(`v11${plain}`),
    decryptString: (encrypted) => encrypted.toString().slice(3),
  };
}

const store = (k: ReturnType<typeof keychain>) => new EncryptedFileSecretStore(path.join(mkdtempSync(path.join(tmpdir(), 'parley-keys-')), 'secrets.json'), k.encryptor);

describe('API keys and the OS keychain (safeStorage)', () => {
  it('on Linux without a keyring (basic_text) saves no key, tells the user, and claims no keychain', async () => {
    const k = keychain(fakeSafeStorage('basic_text'), 'linux');
    await expect(store(k).set('deepgram', 'dg-0123456789')).rejects.toThrow(/keychain is not available/);
    expect(k.keyStorage()).toBe('unavailable');
    expect(k.notice()).toMatch(/No system keyring.*DEEPGRAM_API_KEY/);
  });

  it('with a real keyring (libsecret, KWallet) or on macOS and Windows encrypts and says so', async () => {
    for (const [backend, platform] of [['gnome_libsecret', 'linux'], ['kwallet5', 'linux'], ['unknown', 'darwin'], ['unknown', 'win32']] as const) {
      const k = keychain(fakeSafeStorage(backend), platform);
      const s = store(k);
      await s.set('deepgram', 'dg-0123456789');
      expect(await s.get('deepgram')).toBe('dg-0123456789');
      expect(k.keyStorage()).toBe('encrypted');
      expect(k.notice()).toBeUndefined();
    }
  });
});
