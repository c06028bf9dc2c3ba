import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ParleyError, describeError } from '../errors.js';
import { PRIVATE_FILE_MODE, makePrivateDir, tightenFile } from '../private-files.js';

/** Encrypts secrets at rest. In the app this is Electron's safeStorage (OS keychain / DPAPI / libsecret). */
export interface Encryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** API keys by name (e.g. 'deepgram'). Values never leave the main process; the UI sees set / not set. */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  names(): Promise<string[]>;
}

/** secrets.json holding only ciphertext (base64), written atomically. */
export class EncryptedFileSecretStore implements SecretStore {
  private cache: Record<string, string> | undefined;

  constructor(
    readonly file: string,
    private readonly encryptor: Encryptor,
  ) {}

  async get(name: string): Promise<string | undefined> {
    const all = await this.load();
    const value = all[name];
    if (value === undefined) return undefined;
    try {
      return this.encryptor.decryptString(Buffer.from(value, 'base64'));
    } catch (e) {
      throw new ParleyError('file/unreadable', `the saved key for ${name} cannot be decrypted (was it saved by another user or machine?): ${describeError(e)}`, { cause: e });
    }
  }

  async set(name: string, value: string): Promise<void> {
    if (!this.encryptor.isEncryptionAvailable()) {
      throw new ParleyError('file/write-failed', 'cannot store API keys: the system keychain is not available; use environment variables instead');
    }
    const all = { ...(await this.load()), [name]: this.encryptor.encryptString(value).toString('base64') };
    await this.save(all);
  }

  async delete(name: string): Promise<void> {
    const all = { ...(await this.load()) };
    delete all[name];
    await this.save(all);
  }

  async names(): Promise<string[]> {
    return Object.keys(await this.load());
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache) return this.cache;
    await tightenFile(this.file); // one saved by an older Parley may be 0644
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      this.cache = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw e;
      this.cache = {};
    }
    return this.cache;
  }

  private async save(all: Record<string, string>): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await makePrivateDir(path.dirname(this.file));
      await writeFile(tmp, JSON.stringify(all, null, 2) + '\n', { encoding: 'utf8', mode: PRIVATE_FILE_MODE });
      await rename(tmp, this.file);
      this.cache = all;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      const why = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : describeError(e);
      throw new ParleyError('file/write-failed', `cannot save the API key: ${why}`, { cause: e });
    }
  }
}

/** Keys held in memory only (CLI sessions, tests). */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  async get(name: string) {
    return this.values.get(name);
  }
  async set(name: string, value: string) {
    this.values.set(name, value);
  }
  async delete(name: string) {
    this.values.delete(name);
  }
  async names() {
    return [...this.values.keys()];
  }
}
