import type { Encryptor } from '../engine/settings/secret-store.js';

/** Electron's safeStorage, as far as main uses it (docs/api/safe-storage.md). */
export interface SafeStorageSurface extends Encryptor {
  /** Linux only: which secret store backs the encryption key ("basic_text" means none). */
  getSelectedStorageBackend?(): string;
}

/**
 * Linux backends that protect nothing: "basic_text" encrypts with a password hard-coded in
 * Chromium (no keyring found); "unknown" means no backend was chosen.
 */
const UNPROTECTED_BACKENDS = new Set(['basic_text', 'unknown']);

export interface Keychain {
  /** Encrypts only when a real keychain protects the key: otherwise saving a key is refused with a clear error. */
  encryptor: Encryptor;
  /** What the UI may claim about where keys typed into it go. */
  keyStorage(): 'encrypted' | 'unavailable';
  /** Why keys cannot be saved here, to tell the user once the app is ready; undefined when they can. */
  notice(): string | undefined;
}

/**
 * safeStorage, refusing the Linux "basic_text" fallback: without GNOME Keyring / KWallet (or
 * another Secret Service), Electron would "encrypt" API keys with a fixed password, so Parley
 * does not save them on disk there and does not claim keychain protection.
 */
export function keychain(safeStorage: SafeStorageSurface, platform: NodeJS.Platform): Keychain {
  const backend = () => (platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined);
  const isProtected = () => safeStorage.isEncryptionAvailable() && !UNPROTECTED_BACKENDS.has(backend() ?? '');
  return {
    encryptor: {
      isEncryptionAvailable: isProtected,
      encryptString: (plain) => safeStorage.encryptString(plain),
      decryptString: (encrypted) => safeStorage.decryptString(encrypted),
    },
    keyStorage: () => (isProtected() ? 'encrypted' : 'unavailable'),
    notice: () => {
      if (isProtected()) return undefined;
      const why =
        backend() === 'basic_text'
          ? 'No system keyring (GNOME Keyring, KWallet or another Secret Service) was found, so API keys could only be scrambled with a password built into Electron.'
          : 'The system keychain is not available.';
      return `${why} Parley will not save API keys on disk: set them in the environment (DEEPGRAM_API_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY, ELEVENLABS_API_KEY) before starting Parley, or install and unlock a keyring and restart.`;
    },
  };
}
