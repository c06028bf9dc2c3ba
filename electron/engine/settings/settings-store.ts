import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SETTINGS_VERSION, SettingsSchema, defaultSettings, type Settings } from '../../shared/settings.js';
import { ParleyError, describeError } from '../errors.js';

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

export interface LoadResult {
  settings: Settings;
  /** Shown to the user when something had to be repaired (never silently). */
  notice?: string;
}

/**
 * settings.json in the app's data folder: schema-validated, migrated from older versions, written
 * atomically (temp file + rename, so a crash never leaves half a file). A corrupt file is kept as
 * a backup and replaced by defaults, with a notice; a failed write (disk full) is a typed error and
 * the previous settings stay in force.
 */
export class SettingsStore {
  private current: Settings = defaultSettings();

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get settings(): Settings {
    return this.current;
  }

  async load(): Promise<LoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      this.current = defaultSettings();
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings: this.current };
      return { settings: this.current, notice: `Your settings could not be read (${describeError(e).slice(0, 120)}); defaults are in use.` };
    }
    try {
      this.current = migrate(JSON.parse(text));
      return { settings: this.current };
    } catch (e) {
      const backup = `${this.file}.corrupt-${this.now().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, backup).catch(() => undefined);
      this.current = defaultSettings();
      await this.write(this.current).catch(() => undefined);
      return {
        settings: this.current,
        notice: `Your settings file could not be read (${describeError(e).slice(0, 120)}). It was saved as ${path.basename(backup)} and defaults are in use.`,
      };
    }
  }

  /** Applies a change; throws (keeping the old settings) if the result is invalid or cannot be saved. */
  async update(change: (draft: Settings) => Settings | void): Promise<Settings> {
    const draft = structuredClone(this.current);
    const next = SettingsSchema.safeParse(change(draft) ?? draft);
    if (!next.success) {
      const issue = next.error.issues[0]!;
      throw new ParleyError('settings/invalid', `invalid setting ${issue.path.join('.')}: ${issue.message}`);
    }
    await this.write(next.data);
    this.current = next.data;
    return this.current;
  }

  private async write(settings: Settings): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(tmp, JSON.stringify(settings, null, 2) + '\n', 'utf8');
      await rename(tmp, this.file);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : describeError(e);
      throw new ParleyError('file/write-failed', `cannot save settings: ${why}`, { cause: e });
    }
  }
}

/** Validates a parsed settings file, upgrading older versions step by step. */
export function migrate(raw: unknown): Settings {
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
  return SettingsSchema.parse(data);
}
