import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { CATALOG, MODEL_TASKS, catalogEntry, findCatalogEntry, isSha256, isValidModelId, type CatalogEntry, type ModelTask } from './catalog.js';
import { ModelDownload, type DownloadOptions, type DownloadProgress } from './download.js';
import { archiveFormatOf, extractArchiveFile, type ArchiveFormat, type TarLimits } from './tar.js';

const MANIFEST = 'parley-model.json';

const ManifestSchema = z.object({
  id: z.string(),
  task: z.enum(MODEL_TASKS),
  name: z.string(),
  /** Of the downloaded or imported file (null for an imported folder). */
  sha256: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  license: z.string(),
  source: z.string(),
  files: z.array(z.string()),
  installedAt: z.string(),
});
export type InstalledManifest = z.infer<typeof ManifestSchema>;

export interface InstalledModel extends InstalledManifest {
  /** The model's folder. */
  dir: string;
  bundled: boolean;
}

export interface ModelListing {
  id: string;
  task: ModelTask;
  name: string;
  sizeBytes: number | null;
  sha256: string | null;
  license: string;
  url: string | null;
  installed: boolean;
  bundled: boolean;
  /** Bytes on disk when installed. */
  diskBytes: number | null;
  languages: string[];
  memoryMb: number | null;
}

export interface ModelStoreOptions {
  dir: string;
  /** resources/ (bundled models live in resources/models). */
  resourcesDir?: string;
  clock?: Clock;
  /** Passed to every download (tests inject fetch, sleep, freeBytes). */
  download?: Pick<DownloadOptions, 'fetch' | 'sleep' | 'freeBytes' | 'maxRetries' | 'log'>;
  tarLimits?: Partial<TarLimits>;
}

export interface TransferOptions {
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Receives the download (to pause and resume it). */
  onStart?: (download: ModelDownload) => void;
  /** The download is verified and an archive is being unpacked (it can take minutes). */
  onUnpack?: () => void;
}

/** Bundled models: catalog id -> folder under resources/models. */
const BUNDLED_DIRS: Record<string, string> = { 'silero-vad-v6': 'silero-vad' };

/**
 * The installed models: one folder per model under `dir`, each with a manifest written last (a
 * folder without one is not installed). Installs go through a staging folder renamed into place,
 * so a model is either fully there or absent.
 */
export class ModelStore {
  readonly dir: string;
  private readonly clock: Clock;
  constructor(private readonly options: ModelStoreOptions) {
    this.dir = options.dir;
    this.clock = options.clock ?? systemClock;
  }

  async list(): Promise<ModelListing[]> {
    const installed = await this.installedAll();
    const byId = new Map(installed.map((m) => [m.id, m]));
    const rows: ModelListing[] = [];
    for (const e of CATALOG) {
      const m = byId.get(e.id);
      byId.delete(e.id);
      rows.push({
        id: e.id,
        task: e.task,
        name: e.name,
        sizeBytes: e.sizeBytes,
        sha256: e.sha256,
        license: e.license,
        url: e.url,
        installed: Boolean(m),
        bundled: Boolean(e.bundled),
        diskBytes: m ? await diskUsage(m.dir) : null,
        languages: e.languages,
        memoryMb: e.memoryMb,
      });
    }
    for (const m of byId.values()) {
      rows.push({ id: m.id, task: m.task, name: m.name, sizeBytes: m.sizeBytes, sha256: m.sha256, license: m.license, url: /^https?:/.test(m.source) ? m.source : null, installed: true, bundled: false, diskBytes: await diskUsage(m.dir), languages: [], memoryMb: null });
    }
    return rows;
  }

  async installed(id: string): Promise<InstalledModel | undefined> {
    const bundled = this.bundled(id);
    if (bundled) return bundled;
    if (!isValidModelId(id)) return undefined;
    const dir = path.join(this.dir, id);
    const raw = await readFile(path.join(dir, MANIFEST), 'utf8').catch(() => undefined);
    if (raw === undefined) return undefined;
    let parsed;
    try {
      parsed = ManifestSchema.safeParse(JSON.parse(raw));
    } catch {
      return undefined;
    }
    return parsed.success && parsed.data.id === id ? { ...parsed.data, dir, bundled: false } : undefined;
  }

  /** The installed model, or an error naming it and how to get it. */
  async require(id: string): Promise<InstalledModel> {
    const m = await this.installed(id);
    if (m) return m;
    throw missingModelError(id);
  }

  /** Downloads a catalog model from its URL, verifies it and installs it. */
  async pull(id: string, options: TransferOptions & { sha256?: string } = {}): Promise<InstalledModel> {
    const entry = catalogEntry(id);
    if (entry.bundled) {
      const m = await this.installed(id);
      if (m) return m;
    }
    const sha256 = checkedSha(options.sha256) ?? entry.sha256;
    if (!sha256) {
      throw new ParleyError(
        'model/checksum-unknown',
        `the catalog has no confirmed sha256 for ${id}, so it is not installed unverified: check the file's sha256 from its publisher and run parley models pull ${id} --sha256 <hex>`,
      );
    }
    const meta = { id, task: entry.task, name: entry.name, license: entry.license, format: entry.format, sha256, sizeBytes: entry.sizeBytes, fileName: entry.files[0] ?? fileNameOf(entry.url) };
    return this.locked(id, () => this.installFromUrl(entry.url, meta, options));
  }

  /**
   * Installs from a local file or folder or from a URL (a mirror). A catalog id verifies against
   * the catalog's checksum unless one is given; otherwise the computed checksum is recorded.
   */
  async import(source: string, o: TransferOptions & { task: string; sha256?: string; id?: string }): Promise<InstalledModel & { computedSha256: string | null; verified: boolean }> {
    if (!(MODEL_TASKS as readonly string[]).includes(o.task)) throw new ParleyError('model/invalid-request', `--task must be one of ${MODEL_TASKS.join(', ')} (got '${o.task}')`);
    const task = o.task as ModelTask;
    const isUrl = /^https?:\/\//i.test(source);
    const baseName = fileNameOf(source);
    const id = importedModelId(source, o.id);
    if (!isValidModelId(id)) throw new ParleyError('model/invalid-request', `'${id}' cannot be a model id (letters, digits, . _ - only): choose one with --id`);
    const entry = findCatalogEntry(id);
    if (entry?.bundled) throw new ParleyError('model/invalid-request', `${id} is bundled with the app and cannot be replaced`);
    if (entry && entry.task !== task) throw new ParleyError('model/invalid-request', `${id} is a ${entry.task} model in the catalog, not ${task}`);
    const sha256 = checkedSha(o.sha256) ?? entry?.sha256 ?? null;
    const meta = { id, task, name: entry?.name ?? id, license: entry?.license ?? 'unknown (imported)', sha256, sizeBytes: o.sha256 ? null : (entry?.sizeBytes ?? null) };
    const format = archiveFormatOf(baseName) ?? 'file';
    if (isUrl) {
      const m = await this.locked(id, () => this.installFromUrl(source, { ...meta, format, fileName: baseName }, o));
      return { ...m, computedSha256: m.sha256, verified: sha256 !== null };
    }
    const st = await stat(source).catch(() => undefined);
    if (!st) throw new ParleyError('file/not-found', `no such file or folder: ${source}`);
    if (st.isDirectory()) {
      if (o.sha256) throw new ParleyError('model/invalid-request', '--sha256 checks a file or an archive, not a folder');
      const m = await this.installStaged(id, { ...meta, sha256: null, sizeBytes: null, source: path.resolve(source) }, async (staging) => copyFolder(source, staging));
      return { ...m, computedSha256: null, verified: false };
    }
    // A local file: copied to a .part file with its hash checked, then installed like a download.
    return this.locked(id, async () => {
      const download = new ModelDownload({
        url: pathToFileUrl(source),
        partPath: this.partPath(id),
        expectedSha256: sha256,
        clock: this.clock,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onProgress ? { onProgress: o.onProgress } : {}),
        fetch: localFileFetch,
        ...pickFreeBytes(this.options.download),
        extraSpaceFactor: format === 'file' ? 1 : 2,
      });
      const result = await download.done;
      if (format !== 'file') o.onUnpack?.();
      const m = await this.installVerified(result.path, { ...meta, sha256: result.sha256, sizeBytes: result.bytes, source: path.resolve(source), format, fileName: baseName });
      return { ...m, computedSha256: result.sha256, verified: sha256 !== null };
    });
  }

  /** Deletes an installed model. False when it was not installed. */
  async remove(id: string): Promise<boolean> {
    if (findCatalogEntry(id)?.bundled) throw new ParleyError('model/invalid-request', `${id} is bundled with the app and cannot be removed`);
    if (!isValidModelId(id)) throw new ParleyError('model/invalid-request', `'${id}' is not a model id`);
    const had = Boolean(await this.installed(id));
    await rm(this.partPath(id), { force: true });
    if (!had) return false;
    // Out of the way first (one rename), then deleted: never half a model under its own name.
    const trash = path.join(this.dir, '.trash', `${id}-${randomBytes(4).toString('hex')}`);
    await mkdir(path.dirname(trash), { recursive: true });
    await rename(path.join(this.dir, id), trash);
    await rm(trash, { recursive: true, force: true });
    return true;
  }

  /**
   * One download per model at a time (two would write the same .part file): a lock file holding
   * the owner's pid; one left by a process that is gone is taken over.
   */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const lock = path.join(this.dir, '.downloads', `${id}.lock`);
    await mkdir(path.dirname(lock), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFile(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
        const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
          throw new ParleyError('model/download-failed', `${id} is already being downloaded by another Parley (process ${owner}); wait for it or stop it`);
        }
        await rm(lock, { force: true }); // stale: its process is gone
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }

  private partPath(id: string): string {
    return path.join(this.dir, '.downloads', `${id}.part`);
  }

  private bundled(id: string): InstalledModel | undefined {
    const folder = BUNDLED_DIRS[id];
    const entry = findCatalogEntry(id);
    if (!folder || !entry || !this.options.resourcesDir) return undefined;
    const dir = path.join(this.options.resourcesDir, 'models', folder);
    return { id, task: entry.task, name: entry.name, sha256: entry.sha256, sizeBytes: entry.sizeBytes, license: entry.license, source: 'bundled', files: entry.files, installedAt: '', dir, bundled: true };
  }

  private async installedAll(): Promise<InstalledModel[]> {
    const out: InstalledModel[] = [];
    for (const e of CATALOG) {
      const b = e.bundled ? this.bundled(e.id) : undefined;
      if (b) out.push(b);
    }
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const m = await this.installed(name);
      if (m) out.push(m);
    }
    return out;
  }

  private async installFromUrl(
    url: string,
    meta: { id: string; task: ModelTask; name: string; license: string; format: CatalogEntry['format']; sha256: string | null; sizeBytes: number | null; fileName: string },
    o: TransferOptions,
  ): Promise<InstalledModel> {
    await mkdir(this.dir, { recursive: true });
    const download = new ModelDownload({
      url,
      partPath: this.partPath(meta.id),
      expectedSha256: meta.sha256,
      expectedSize: meta.sizeBytes,
      clock: this.clock,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...this.options.download,
      extraSpaceFactor: meta.format === 'file' ? 1 : 2,
    });
    o.onStart?.(download);
    const result = await download.done;
    if (meta.format !== 'file') o.onUnpack?.();
    return this.installVerified(result.path, { ...meta, sha256: result.sha256, sizeBytes: result.bytes, source: url });
  }

  /** A verified .part file into place: renamed (a file) or unpacked (an archive), then the .part is gone. */
  private async installVerified(
    partPath: string,
    meta: { id: string; task: ModelTask; name: string; license: string; format: CatalogEntry['format']; sha256: string | null; sizeBytes: number | null; fileName: string; source: string },
  ): Promise<InstalledModel> {
    try {
      return await this.installStaged(meta.id, meta, async (staging) => {
        if (meta.format === 'file') {
          const name = safeFileName(meta.fileName);
          await rename(partPath, path.join(staging, name));
          return [name];
        }
        return extractArchiveFile(partPath, meta.format as ArchiveFormat, staging, this.options.tarLimits);
      });
    } finally {
      await rm(partPath, { force: true });
    }
  }

  private async installStaged(
    id: string,
    meta: { task: ModelTask; name: string; license: string; sha256: string | null; sizeBytes: number | null; source: string },
    fill: (staging: string) => Promise<string[]>,
  ): Promise<InstalledModel> {
    const staging = path.join(this.dir, '.staging', `${id}-${randomBytes(4).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    try {
      const files = await fill(staging);
      const manifest: InstalledManifest = { id, task: meta.task, name: meta.name, sha256: meta.sha256, sizeBytes: meta.sizeBytes, license: meta.license, source: meta.source, files, installedAt: new Date().toISOString() };
      await writeFile(path.join(staging, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
      const target = path.join(this.dir, id);
      if (await lstat(target).catch(() => undefined)) {
        const trash = path.join(this.dir, '.trash', `${id}-${randomBytes(4).toString('hex')}`);
        await mkdir(path.dirname(trash), { recursive: true });
        await rename(target, trash);
        await rm(trash, { recursive: true, force: true });
      }
      await rename(staging, target);
      return { ...manifest, dir: target, bundled: false };
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function missingModelError(id: string): ParleyError {
  const entry = findCatalogEntry(id);
  const what = entry ? `the ${taskWords(entry.task)} model '${id}' (${entry.name})` : `the model '${id}'`;
  return new ParleyError('model/not-installed', `${what} is not installed: run parley models pull ${id}`);
}

/** The id an import installs under: the one given, else the file's name without its model or archive extension. */
export function importedModelId(source: string, id?: string): string {
  return id ?? fileNameOf(source).replace(/\.(tar\.gz|tgz|tar\.bz2|tbz2|tar|onnx|gguf|bin)$/i, '');
}

export function taskWords(task: ModelTask): string {
  return { stt: 'speech recognition', llm: 'language', tts: 'speech synthesis', vad: 'voice activity', turn: 'turn detection' }[task];
}

function checkedSha(hex: string | undefined): string | undefined {
  if (hex === undefined) return undefined;
  if (!isSha256(hex)) throw new ParleyError('model/invalid-request', `--sha256 must be 64 hexadecimal digits (got '${hex.slice(0, 80)}')`);
  return hex.toLowerCase();
}

function fileNameOf(source: string): string {
  const p = /^https?:\/\//i.test(source) ? decodeURIComponent(new URL(source).pathname) : source;
  return path.basename(p.replace(/\/+$/, '')) || 'model';
}

function safeFileName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  return base && base !== '.' && base !== '..' ? base : 'model.bin';
}

function pathToFileUrl(p: string): string {
  return `file://${path.resolve(p)}`;
}

function pickFreeBytes(o: ModelStoreOptions['download']): Pick<DownloadOptions, 'freeBytes'> {
  return o?.freeBytes ? { freeBytes: o.freeBytes } : {};
}

/** A fetch for file:// URLs, so a local import takes the same verified path as a download. */
const localFileFetch: typeof fetch = async (input) => {
  const file = new URL(String(input)).pathname;
  const st = await stat(file);
  const stream = createReadStream(file);
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        for await (const chunk of stream) controller.enqueue(new Uint8Array(chunk as Buffer));
        controller.close();
      } catch (e) {
        controller.error(e);
      }
    },
    cancel() {
      stream.destroy();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-length': String(st.size) } });
};

/** Copies a folder's regular files and folders; links are refused (a folder import never reaches outside). */
async function copyFolder(from: string, to: string, rel = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(path.join(from, rel), { withFileTypes: true })) {
    const r = path.join(rel, entry.name);
    if (entry.name === MANIFEST) continue;
    if (entry.isSymbolicLink()) throw new ParleyError('model/unsafe-archive', `the folder holds a link (${r}); copy the real files instead`);
    if (entry.isDirectory()) {
      await mkdir(path.join(to, r), { recursive: true });
      files.push(...(await copyFolder(from, to, r)));
    } else if (entry.isFile()) {
      await copyFile(path.join(from, r), path.join(to, r));
      files.push(r);
    }
  }
  return files;
}

async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await diskUsage(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}
