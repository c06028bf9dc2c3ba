import { copyFile, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SETTINGS_VERSION, SettingsSchema, defaultSettings, type Settings } from '../../shared/settings.js';
import { ParleyError, describeError } from '../errors.js';
import { PRIVATE_FILE_MODE, makePrivateDir, tightenDataDir, tightenFile } from '../private-files.js';
import { describeSettingPath } from './setting-names.js';

/** Upgrades a parsed file of an older version to the next one. Index = the version it upgrades from. */
type Migration = (old: Record<string, unknown>) => Record<string, unknown>;

/**
 * v0: the unversioned early format ({ sttProvider, llmProvider, ttsProvider, systemPrompt }).
 * Kept so a file from then still loads with the user's choices intact.
 */
const MIGRATIONS: Record<number, Migration> = {
  0: (old) => ({
    version: 1,
    cascade: { stt: old.sttProvider ?? 'deepgram', llm: old.llmProvider ?? 'openai', tts: old.ttsProvider ?? 'openai' },
    ...(typeof old.systemPrompt === 'string' ? { systemPrompt: old.systemPrompt } : {}),
  }),
};

/** A settings file is a few kB; anything far larger is not one (and is not read into memory). */
const MAX_SETTINGS_BYTES = 1024 * 1024;

export interface LoadResult {
  settings: Settings;
  /** Shown to the user when something had to be repaired (never silently). */
  notice?: string;
}

/** The file operations the store uses; injectable so tests can make reads or backups fail (tests run as root). */
export interface SettingsFs {
  stat(file: string): Promise<{ size: number; isFile(): boolean; isDirectory(): boolean }>;
  readFile(file: string): Promise<string>;
  copyFile(from: string, to: string): Promise<void>;
  writeFile(file: string, text: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
}

const nodeFs: SettingsFs = {
  stat: (f) => stat(f),
  readFile: (f) => readFile(f, 'utf8'),
  copyFile: (a, b) => copyFile(a, b),
  writeFile: (f, text) => writeFile(f, text, { encoding: 'utf8', mode: PRIVATE_FILE_MODE }),
  rename: (a, b) => rename(a, b),
  unlink: (f) => unlink(f),
};

/**
 * settings.json in the app's data folder (kept 0700, the file 0600): schema-validated, migrated
 * from older versions, written atomically (temp file + rename, so a crash never leaves half a
 * file). Invalid fields are reset one by one (the rest is kept); a file that is not JSON at all is
 * backed up and replaced by defaults; a file that cannot be read is never overwritten. Each of
 * these comes with a notice in plain words. A failed write is a typed error and the previous
 * settings stay in force.
 */
export class SettingsStore {
  private current: Settings = defaultSettings();
  /** Why the file on disk could not be read or backed up: while set, it is never written over. */
  private untouchable: string | undefined;
  private readonly fs: SettingsFs;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
    fs: Partial<SettingsFs> = {},
  ) {
    this.fs = { ...nodeFs, ...fs };
  }

  get settings(): Settings {
    return this.current;
  }

  async load(): Promise<LoadResult> {
    this.current = defaultSettings();
    this.untouchable = undefined;
    await tightenDataDir(path.dirname(this.file));
    const read = await this.read();
    if (read.kind === 'missing') return { settings: this.current };
    if (read.kind === 'unreadable') return this.leaveAlone(read.why);
    await tightenFile(this.file);

    let raw: unknown;
    try {
      raw = JSON.parse(read.text);
    } catch (e) {
      return this.replaceCorrupt(`it is not valid JSON: ${describeError(e).slice(0, 120)}`);
    }
    let repaired: { settings: Settings; reset: string[] };
    try {
      repaired = repairSettings(raw);
    } catch (e) {
      return this.replaceCorrupt(describeError(e).slice(0, 120));
    }
    if (repaired.reset.length === 0) {
      this.current = repaired.settings;
      return { settings: this.current };
    }
    let backup: string;
    try {
      backup = await this.backUpAndWrite(repaired.settings);
    } catch (e) {
      return this.leaveAlone(`some settings are not valid and the file could not be backed up: ${describeError(e)}`);
    }
    this.current = repaired.settings;
    return {
      settings: this.current,
      notice: `Some of your settings were not valid and were reset to their defaults: ${repaired.reset.join(', ')}. Everything else was kept; your original file was saved as ${path.basename(backup)}.`,
    };
  }

  /** Applies a change; throws (keeping the old settings) if the result is invalid or cannot be saved. */
  async update(change: (draft: Settings) => Settings | void): Promise<Settings> {
    const draft = structuredClone(this.current);
    const next = SettingsSchema.safeParse(change(draft) ?? draft);
    if (!next.success) {
      const issue = next.error.issues[0]!;
      throw new ParleyError('settings/invalid', `invalid setting ${issue.path.join('.')}: ${issue.message}`);
    }
    if (this.untouchable) {
      throw new ParleyError('file/write-failed', `Settings not saved: your settings file ${this.file} could not be read (${this.untouchable}), so Parley will not overwrite it. Fix or move it, then restart Parley.`);
    }
    await this.write(next.data);
    this.current = next.data;
    return this.current;
  }

  private async read(): Promise<{ kind: 'missing' } | { kind: 'unreadable'; why: string } | { kind: 'text'; text: string }> {
    try {
      const st = await this.fs.stat(this.file);
      if (st.isDirectory()) return { kind: 'unreadable', why: 'it is a folder, not a file' };
      if (!st.isFile()) return { kind: 'unreadable', why: 'it is not a regular file' };
      if (st.size > MAX_SETTINGS_BYTES) return { kind: 'unreadable', why: `it is ${Math.round(st.size / 1024 / 1024)} MB, far more than a settings file holds` };
      return { kind: 'text', text: await this.fs.readFile(this.file) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
      if (code === 'EACCES' || code === 'EPERM') return { kind: 'unreadable', why: 'permission denied' };
      return { kind: 'unreadable', why: describeError(e).slice(0, 120) };
    }
  }

  /** Defaults for now, and the user's file kept exactly as it is. */
  private leaveAlone(why: string): LoadResult {
    this.untouchable = why;
    this.current = defaultSettings();
    return {
      settings: this.current,
      notice: `Your settings file ${this.file} could not be read (${why}). Parley is using default settings and will not save over that file: fix or move it, then restart Parley.`,
    };
  }

  /** Not settings at all (not JSON, not an object, from a newer Parley): kept as a backup, defaults saved. */
  private async replaceCorrupt(why: string): Promise<LoadResult> {
    let backup: string;
    try {
      backup = await this.backUpAndWrite(defaultSettings());
    } catch (e) {
      return this.leaveAlone(`${why}; and it could not be backed up: ${describeError(e)}`);
    }
    this.current = defaultSettings();
    return { settings: this.current, notice: `Your settings file could not be read (${why}). It was saved as ${path.basename(backup)} and defaults are in use.` };
  }

  /** Copies the file aside, then replaces it (atomically) with `settings`. Returns the backup's path. */
  private async backUpAndWrite(settings: Settings): Promise<string> {
    const backup = `${this.file}.corrupt-${this.now().toISOString().replace(/[:.]/g, '-')}`;
    await this.fs.copyFile(this.file, backup);
    await tightenFile(backup);
    await this.write(settings);
    return backup;
  }

  private async write(settings: Settings): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    let wroteTmp = false;
    try {
      await makePrivateDir(path.dirname(this.file));
      wroteTmp = true; // from here a partial temp file may exist
      await this.fs.writeFile(tmp, JSON.stringify(settings, null, 2) + '\n');
      await this.fs.rename(tmp, this.file);
    } catch (e) {
      if (wroteTmp) await this.fs.unlink(tmp).catch(() => undefined);
      const why = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : describeError(e);
      throw new ParleyError('file/write-failed', `cannot save settings: ${why}`, { cause: e });
    }
  }
}

/** Validates a parsed settings file, upgrading older versions step by step. Throws on any invalid field. */
export function migrate(raw: unknown): Settings {
  return SettingsSchema.parse(upgrade(raw));
}

/**
 * Upgrades and validates a parsed settings file, resetting each invalid field to its default and
 * keeping every valid one. Returns the settings and, in plain words, what was reset. Throws when
 * the file is not settings at all (not an object, or from a newer Parley).
 */
export function repairSettings(raw: unknown): { settings: Settings; reset: string[] } {
  const data = structuredClone(upgrade(raw));
  const reset: string[] = [];
  // Each pass removes at least one bad value, so this ends; the bound is a guard, not a budget.
  for (let pass = 0; pass < 64; pass++) {
    const checked = SettingsSchema.safeParse(data);
    if (checked.success) return { settings: checked.data, reset };
    let removed = false;
    for (const issue of checked.error.issues) {
      const at = removeAt(data, issue.path.map(String));
      if (!at) continue;
      removed = true;
      const name = describeSettingPath(at);
      if (!reset.includes(name)) reset.push(name);
    }
    if (!removed) break;
  }
  return { settings: defaultSettings(), reset: ['all settings'] };
}

function upgrade(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('not a settings object');
  let data = raw as Record<string, unknown>;
  let version = typeof data.version === 'number' ? data.version : 0;
  if (version > SETTINGS_VERSION) throw new Error(`written by a newer Parley (version ${version})`);
  while (version < SETTINGS_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) throw new Error(`no migration from version ${version}`);
    data = step(data);
    version++;
  }
  return data;
}

/** Deletes the value at `at` (or the first non-object on the way there); returns the path deleted. */
function removeAt(data: Record<string, unknown>, at: string[]): string[] | undefined {
  if (at.length === 0) return undefined;
  let node = data;
  for (let i = 0; i < at.length - 1; i++) {
    const next = node[at[i]!];
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      if (!(at[i]! in node)) return undefined;
      delete node[at[i]!];
      return at.slice(0, i + 1);
    }
    node = next as Record<string, unknown>;
  }
  const last = at[at.length - 1]!;
  if (!(last in node)) return undefined;
  delete node[last];
  return at;
}
