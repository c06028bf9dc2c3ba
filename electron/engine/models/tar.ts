import { createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readlink, realpath, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { ParleyError } from '../errors.js';
import { bunzip2 } from './bzip2.js';

/** Bounds on what one archive may unpack to: a model archive is never a zip bomb. */
export interface TarLimits {
  /** Sum of all entry sizes. Default 64 GB. */
  maxTotalBytes: number;
  /** Entries, of any kind. Default 100 000. */
  maxEntries: number;
}

const DEFAULT_LIMITS: TarLimits = { maxTotalBytes: 64 * 2 ** 30, maxEntries: 100_000 };
const BLOCK = 512;

export type ArchiveFormat = 'tar' | 'tar.gz' | 'tar.bz2';

/** The archive format a file name says, or undefined for a plain file. */
export function archiveFormatOf(name: string): ArchiveFormat | undefined {
  const n = name.toLowerCase();
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'tar.gz';
  if (n.endsWith('.tar.bz2') || n.endsWith('.tbz2')) return 'tar.bz2';
  if (n.endsWith('.tar')) return 'tar';
  return undefined;
}

/** Unpacks a .tar or .tar.gz file into `dest` (which must exist), refusing anything that would escape it. */
export async function extractArchiveFile(file: string, format: ArchiveFormat, dest: string, limits: Partial<TarLimits> = {}): Promise<string[]> {
  const input = createReadStream(file);
  const source = format === 'tar.gz' ? input.pipe(createGunzip()) : format === 'tar.bz2' ? bunzip2(input) : input;
  try {
    return await extractTar(source, dest, limits);
  } catch (e) {
    if (e instanceof ParleyError) throw e;
    throw new ParleyError('model/unsupported-archive', `${path.basename(file)} is not a readable ${format} archive: ${(e as Error).message}`, { cause: e });
  } finally {
    input.destroy();
  }
}

/** Reads exact byte counts from a chunked stream, holding at most one chunk beyond what is asked. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly it: AsyncIterator<Buffer | Uint8Array | string>;
  constructor(source: AsyncIterable<Buffer | Uint8Array | string>) {
    this.it = source[Symbol.asyncIterator]();
  }
  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n) {
      const r = await this.it.next();
      if (r.done) return false;
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      this.chunks.push(b);
      this.buffered += b.length;
    }
    return true;
  }
  /** Exactly n bytes (n <= one block or a small header), or null at the end. */
  async read(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered = all.length - n;
    return all.subarray(0, n);
  }
  /** Passes the next n bytes to `sink` chunk by chunk (bounded memory for any size). */
  async pipe(n: number, sink: (b: Buffer) => Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) throw new ParleyError('model/unsupported-archive', 'the archive ends in the middle of a file');
      const head = this.chunks[0]!;
      const take = Math.min(left, head.length);
      await sink(head.subarray(0, take));
      if (take === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(take);
      this.buffered -= take;
      left -= take;
    }
  }
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

function cString(b: Buffer, start: number, length: number): string {
  const field = b.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(b: Buffer, start: number, length: number): number {
  const field = b.subarray(start, start + length);
  if (field[0]! & 0x80) {
    // GNU base-256 for sizes beyond 8 GB.
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = cString(b, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ParleyError('model/unsupported-archive', 'not a tar archive (bad number in a header)');
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return octal(header, 148, 8) === sum;
}

/** PAX extended header records ("<len> key=value\n"). */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space === -1) break;
    const len = parseInt(data.subarray(i, space).toString('ascii'), 10);
    if (!(len > 0) || i + len > data.length) break;
    const record = data.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** The entry's path inside `root`, or an unsafe-archive error (absolute, `..`, NUL, drive letters). */
export function safeEntryPath(root: string, name: string): string {
  const unsafe = (why: string) => new ParleyError('model/unsafe-archive', `the archive entry '${name.slice(0, 200)}' ${why}; nothing was installed`);
  if (name.includes('\0')) throw unsafe('has a NUL in its name');
  const normal = name.replace(/\\/g, '/');
  if (normal.startsWith('/') || /^[A-Za-z]:/.test(normal)) throw unsafe('has an absolute path');
  const parts = normal.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw unsafe('points outside its folder (..)');
  if (parts.length === 0) return root;
  const full = path.join(root, ...parts);
  const rel = path.relative(root, full);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw unsafe('points outside its folder');
  return full;
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Unpacks a tar stream (ustar, PAX and GNU long names) into `dest`. Refused, with nothing
 * written outside `dest`: absolute or `..` paths, links whose target leaves `dest`, writes
 * through a link, devices and FIFOs, more than the limits. Returns the regular files written
 * (relative paths). The caller unpacks into a staging folder and deletes it on error.
 */
export async function extractTar(source: AsyncIterable<Buffer | Uint8Array | string>, dest: string, limits: Partial<TarLimits> = {}): Promise<string[]> {
  const { maxTotalBytes, maxEntries } = { ...DEFAULT_LIMITS, ...limits };
  const root = await realpath(dest);
  const reader = new ByteReader(source);
  const written: string[] = [];
  const links: string[] = [];
  let total = 0;
  let entries = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};

  /** The parent folder exists and, with links resolved, is still inside the root. */
  const preparedParent = async (full: string) => {
    const parent = path.dirname(full);
    await mkdir(parent, { recursive: true });
    if (!inside(root, await realpath(parent))) throw new ParleyError('model/unsafe-archive', `the archive writes through a link that leaves its folder (${path.relative(root, full)}); nothing was installed`);
  };
  const clearExisting = async (full: string) => {
    const st = await lstat(full).catch(() => undefined);
    if (st && !st.isDirectory()) await unlink(full); // replace a link itself, never write through it
  };

  try {
    for (;;) {
      const header = await reader.read(BLOCK);
      if (header === null) break; // some writers omit the end blocks
      if (header.every((b) => b === 0)) break;
      if (!checksumOk(header)) throw new ParleyError('model/unsupported-archive', 'not a tar archive (a header checksum is wrong)');
      if (++entries > maxEntries) throw new ParleyError('model/unsafe-archive', `the archive has more than ${maxEntries} entries; nothing was installed`);
      const type = String.fromCharCode(header[156]!);
      const magic = cString(header, 257, 6);
      const prefix = magic === 'ustar' ? cString(header, 345, 155) : '';
      let name = longName ?? pax.path ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
      const linkName = longLink ?? pax.linkpath ?? cString(header, 157, 100);
      const size = pax.size !== undefined ? Number(pax.size) : octal(header, 124, 12);
      const mode = octal(header, 100, 8);
      if (!Number.isSafeInteger(size) || size < 0) throw new ParleyError('model/unsupported-archive', 'not a tar archive (bad entry size)');
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      const isMeta = type === 'x' || type === 'g' || type === 'L' || type === 'K';
      if (!isMeta) {
        longName = undefined;
        longLink = undefined;
        pax = {};
      }
      if (isMeta) {
        if (size > 1024 * 1024) throw new ParleyError('model/unsafe-archive', 'the archive has an oversized extended header; nothing was installed');
        const data = size > 0 ? await reader.read(padded) : Buffer.alloc(0);
        if (data === null) throw new ParleyError('model/unsupported-archive', 'the archive ends in the middle of a header');
        const body = data.subarray(0, size);
        if (type === 'x') pax = { ...pax, ...paxRecords(body) };
        else if (type === 'L') longName = cString(body, 0, body.length);
        else if (type === 'K') longLink = cString(body, 0, body.length);
        continue;
      }
      total += size;
      if (total > maxTotalBytes) throw new ParleyError('model/unsafe-archive', `the archive unpacks to more than ${maxTotalBytes} bytes; nothing was installed`);
      name = name.replace(/\/+$/, '');
      const full = safeEntryPath(root, name);
      if (type === '0' || type === '\0' || type === '7') {
        if (full === root) throw new ParleyError('model/unsafe-archive', 'the archive has a file with an empty name; nothing was installed');
        await preparedParent(full);
        await clearExisting(full);
        // 'wx': never follows a link planted at this path.
        const handle = await open(full, 'wx', mode & 0o111 ? 0o755 : 0o644);
        try {
          await reader.pipe(size, async (b) => {
            await handle.write(b);
          });
        } finally {
          await handle.close();
        }
        await reader.pipe(padded - size, async () => {});
        written.push(path.relative(root, full));
      } else if (type === '5') {
        if (full !== root) {
          await preparedParent(full);
          await mkdir(full, { recursive: true });
          if (!inside(root, await realpath(full))) throw new ParleyError('model/unsafe-archive', `the archive folder '${name}' resolves outside its folder; nothing was installed`);
        }
        await reader.pipe(padded, async () => {});
      } else if (type === '2' || type === '1') {
        const unsafeLink = new ParleyError('model/unsafe-archive', `the archive link '${name}' -> '${linkName}' points outside its folder; nothing was installed`);
        if (linkName === '' || path.isAbsolute(linkName) || /^[A-Za-z]:/.test(linkName) || linkName.includes('\0')) throw unsafeLink;
        if (full === root) throw unsafeLink;
        await preparedParent(full);
        await clearExisting(full);
        if (type === '2') {
          if (!inside(root, path.resolve(path.dirname(full), linkName))) throw unsafeLink;
          await symlink(linkName, full);
          links.push(full);
        } else {
          // A hard link names another entry of the same archive: copy it (never link to a file outside).
          const target = safeEntryPath(root, linkName);
          const st = await lstat(target).catch(() => undefined);
          if (!st?.isFile() || !inside(root, await realpath(target))) throw unsafeLink;
          await copyFile(target, full);
          written.push(path.relative(root, full));
        }
        await reader.pipe(padded, async () => {});
      } else {
        throw new ParleyError('model/unsafe-archive', `the archive entry '${name}' is a device or pipe (type '${type}'); nothing was installed`);
      }
    }
    // Links resolved with every other link in place (each may look inside alone and lead out together).
    for (const link of links) {
      const target = path.resolve(path.dirname(link), await readlink(link));
      const real = (await realpath(link).catch(() => undefined)) ?? (await realpath(path.dirname(target)).catch(() => undefined));
      if (real !== undefined && !inside(root, real)) {
        throw new ParleyError('model/unsafe-archive', `the archive link '${path.relative(root, link)}' resolves outside its folder; nothing was installed`);
      }
    }
  } finally {
    await reader.close();
  }
  return written;
}
