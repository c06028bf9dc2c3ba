import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractArchiveFile, extractTar } from '../../../../electron/engine/models/tar.js';
import { buildTar, paxData, type TarEntrySpec } from '../../../helpers/tar-builder.js';

/** A sandbox: `dest` to unpack into, inside `outer`, so anything escaping is visible in `outer`. */
function sandbox() {
  const outer = mkdtempSync(path.join(tmpdir(), 'parley-tar-'));
  const dest = path.join(outer, 'dest');
  mkdirSync(dest);
  return { outer, dest };
}

/** Arrives in odd-sized chunks, as a network or gunzip stream would. */
function chunked(buf: Buffer, size = 777): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

async function refused(entries: TarEntrySpec[]) {
  const s = sandbox();
  const error = await extractTar(chunked(buildTar(entries)), s.dest).catch((e: unknown) => e);
  return { ...s, error };
}

describe('tar unpacking', () => {
  it('unpacks files, folders, long PAX names and in-folder links, in any chunking', async () => {
    const { dest } = sandbox();
    const long = `deep/${'n'.repeat(120)}.onnx`;
    const files = await extractTar(
      chunked(
        buildTar([
          { name: 'model/', type: '5' },
          { name: 'model/tokens.txt', data: 'a 1\nb 2\n' },
          { name: 'model/encoder.onnx', data: Buffer.alloc(3000, 7) },
          { name: 'PaxHeader', type: 'x', data: paxData({ path: `model/${long}` }) },
          { name: 'ignored-short-name', data: 'long' },
          { name: 'model/current', type: '2', linkName: 'encoder.onnx' },
          { name: 'model/copy.onnx', type: '1', linkName: 'model/encoder.onnx' },
        ]),
        100,
      ),
      dest,
    );
    expect(files.sort()).toEqual(['model/copy.onnx', 'model/encoder.onnx', `model/${long}`, 'model/tokens.txt'].map((f) => path.join(...f.split('/'))).sort());
    expect(readFileSync(path.join(dest, 'model/tokens.txt'), 'utf8')).toBe('a 1\nb 2\n');
    expect(readFileSync(path.join(dest, 'model/encoder.onnx'))).toEqual(Buffer.alloc(3000, 7));
    expect(readFileSync(path.join(dest, 'model', long), 'utf8')).toBe('long');
    expect(readlinkSync(path.join(dest, 'model/current'))).toBe('encoder.onnx');
    expect(lstatSync(path.join(dest, 'model/copy.onnx')).isFile()).toBe(true);
  });

  it('unpacks a .tar.gz made by the system tar', async () => {
    const src = mkdtempSync(path.join(tmpdir(), 'parley-tar-src-'));
    mkdirSync(path.join(src, 'voice'));
    writeFileSync(path.join(src, 'voice', 'model.onnx'), Buffer.alloc(70_000, 3));
    writeFileSync(path.join(src, 'voice', 'tokens.txt'), 'x 0\n');
    const archive = path.join(src, 'voice.tar.gz');
    try {
      execFileSync('tar', ['-czf', archive, '-C', src, 'voice']);
    } catch {
      writeFileSync(archive, gzipSync(buildTar([{ name: 'voice/model.onnx', data: Buffer.alloc(70_000, 3) }, { name: 'voice/tokens.txt', data: 'x 0\n' }])));
    }
    const { dest } = sandbox();
    await extractArchiveFile(archive, 'tar.gz', dest);
    expect(readFileSync(path.join(dest, 'voice', 'model.onnx'))).toEqual(Buffer.alloc(70_000, 3));
    expect(readFileSync(path.join(dest, 'voice', 'tokens.txt'), 'utf8')).toBe('x 0\n');
  });

  it('refuses ../ paths and writes nothing outside', async () => {
    const r = await refused([{ name: 'ok.txt', data: 'fine' }, { name: '../escaped.txt', data: 'evil' }]);
    expect(r.error).toMatchObject({ code: 'model/unsafe-archive' });
    expect(existsSync(path.join(r.outer, 'escaped.txt'))).toBe(false);
    const nested = await refused([{ name: 'a/b/../../../escaped.txt', data: 'evil' }]);
    expect(nested.error).toMatchObject({ code: 'model/unsafe-archive' });
    expect(readdirSync(nested.outer)).toEqual(['dest']);
  });

  it('refuses absolute paths (POSIX and Windows drive letters)', async () => {
    const target = path.join(mkdtempSync(path.join(tmpdir(), 'parley-tar-abs-')), 'planted.txt');
    const r = await refused([{ name: target, data: 'evil' }]);
    expect(r.error).toMatchObject({ code: 'model/unsafe-archive', message: expect.stringMatching(/absolute/) });
    expect(existsSync(target)).toBe(false);
    expect((await refused([{ name: 'C:/Windows/evil.dll', data: 'x' }])).error).toMatchObject({ code: 'model/unsafe-archive' });
  });

  it('refuses symlinks that leave the folder, and writes through planted links', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'parley-tar-outside-'));
    const abs = await refused([{ name: 'etc', type: '2', linkName: outside }]);
    expect(abs.error).toMatchObject({ code: 'model/unsafe-archive' });
    const rel = await refused([{ name: 'up', type: '2', linkName: '../..' }, { name: 'up/planted.txt', data: 'evil' }]);
    expect(rel.error).toMatchObject({ code: 'model/unsafe-archive' });
    expect(existsSync(path.join(rel.outer, '..', 'planted.txt'))).toBe(false);
    expect(readdirSync(rel.outer)).toEqual(['dest']);
    // A link that looks harmless where it is, then a file written through a second link into it.
    const chained = await refused([{ name: 'a/b', type: '5' }, { name: 'a/b/link', type: '2', linkName: '..' }, { name: 'a/b/link/../../../x.txt', data: 'evil' }]);
    expect(chained.error).toMatchObject({ code: 'model/unsafe-archive' });
    expect(readdirSync(chained.outer)).toEqual(['dest']);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses a write through links that each look inside but together lead out', async () => {
    // sub/y -> .. is the root; x -> sub/y/.. reads as "sub" but resolves to the root's parent.
    const r = await refused([{ name: 'sub', type: '5' }, { name: 'sub/y', type: '2', linkName: '..' }, { name: 'x', type: '2', linkName: 'sub/y/..' }, { name: 'x/planted.txt', data: 'evil' }]);
    expect(r.error).toMatchObject({ code: 'model/unsafe-archive', message: expect.stringMatching(/through a link/) });
    expect(readdirSync(r.outer)).toEqual(['dest']);
    // The same pair of links with no write through them: still refused (the model would read outside).
    const links = await refused([{ name: 'sub', type: '5' }, { name: 'sub/y', type: '2', linkName: '..' }, { name: 'x', type: '2', linkName: 'sub/y/..' }]);
    expect(links.error).toMatchObject({ code: 'model/unsafe-archive', message: expect.stringMatching(/resolves outside/) });
  });

  it('refuses hard links to files outside and device entries', async () => {
    expect((await refused([{ name: 'passwd', type: '1', linkName: '/etc/passwd' }])).error).toMatchObject({ code: 'model/unsafe-archive' });
    expect((await refused([{ name: 'passwd', type: '1', linkName: '../x' }])).error).toMatchObject({ code: 'model/unsafe-archive' });
    expect((await refused([{ name: 'tty', type: '3' }])).error).toMatchObject({ code: 'model/unsafe-archive', message: expect.stringMatching(/device or pipe/) });
  });

  it('stops at the size and entry limits', async () => {
    const s = sandbox();
    const big = buildTar([{ name: 'a.bin', data: Buffer.alloc(600) }, { name: 'b.bin', data: Buffer.alloc(600) }]);
    await expect(extractTar(chunked(big), s.dest, { maxTotalBytes: 1000 })).rejects.toMatchObject({ code: 'model/unsafe-archive', message: expect.stringMatching(/more than 1000 bytes/) });
    const many = buildTar(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    await expect(extractTar(chunked(many), sandbox().dest, { maxEntries: 4 })).rejects.toMatchObject({ code: 'model/unsafe-archive' });
  });

  it('says a corrupt or truncated archive is not readable', async () => {
    const bytes = buildTar([{ name: 'a.bin', data: Buffer.alloc(5000, 1) }]);
    await expect(extractTar(chunked(bytes.subarray(0, 2000)), sandbox().dest)).rejects.toMatchObject({ code: 'model/unsupported-archive' });
    const garbage = Buffer.alloc(1024, 0x41);
    await expect(extractTar(chunked(garbage), sandbox().dest)).rejects.toMatchObject({ code: 'model/unsupported-archive' });
    const dir = sandbox();
    const notGzip = path.join(dir.outer, 'x.tar.gz');
    writeFileSync(notGzip, bytes);
    await expect(extractArchiveFile(notGzip, 'tar.gz', dir.dest)).rejects.toMatchObject({ code: 'model/unsupported-archive' });
  });
});
