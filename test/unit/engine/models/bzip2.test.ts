import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bunzip2 } from '../../../../electron/engine/models/bzip2.js';
import { extractArchiveFile } from '../../../../electron/engine/models/tar.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The system bzip2 (the reference encoder), or undefined where it is not installed. */
function bzip2(data: Buffer, level = 9): Buffer | undefined {
  try {
    return execFileSync('bzip2', [`-${level}`, '-c'], { input: data, maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

async function decode(bytes: Buffer, chunk = 4096): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const b of bunzip2(Readable.from(parts))) out.push(b);
  return Buffer.concat(out);
}

/** Text-like data: long runs (the RLE steps), repeats (the BWT) and every byte value. */
function mixed(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    const r = x >>> 24;
    b[i] = i % 5000 < 600 ? 0x41 : r < 40 ? r : 'the quick brown fox '.charCodeAt(i % 20);
  }
  return b;
}

describe('bzip2 decompression', () => {
  it('decodes what the system bzip2 encodes: multi-block, runs, random, empty and one byte', async (ctx) => {
    const cases = [mixed(2_300_000), randomBytes(250_000), Buffer.alloc(0), Buffer.from('x'), Buffer.alloc(1_000_000, 7)];
    for (const [i, data] of cases.entries()) {
      const packed = bzip2(data, i === 0 ? 1 : 9); // level 1: 100 kB blocks, so many blocks
      if (!packed) return ctx.skip();
      expect(sha(await decode(packed, i === 1 ? 777 : 65536))).toBe(sha(data));
    }
  });

  it('reads concatenated streams (pbzip2) and refuses a corrupt block by its checksum', async (ctx) => {
    const a = bzip2(Buffer.from('first part\n'));
    const b = bzip2(Buffer.from('second part\n'));
    if (!a || !b) return ctx.skip();
    expect((await decode(Buffer.concat([a, b]))).toString()).toBe('first part\nsecond part\n');
    const data = mixed(300_000);
    const packed = bzip2(data)!;
    const broken = Buffer.from(packed);
    broken[Math.floor(packed.length / 2)]! ^= 0x10;
    await expect(decode(broken)).rejects.toMatchObject({ code: 'model/unsupported-archive', message: expect.stringMatching(/^the \.bz2 data is corrupt/) });
    await expect(decode(packed.subarray(0, packed.length - 100))).rejects.toMatchObject({ code: 'model/unsupported-archive' });
    await expect(decode(Buffer.from('not bzip2 at all'))).rejects.toMatchObject({ code: 'model/unsupported-archive', message: expect.stringMatching(/not bzip2 data/) });
  });

  it('any damaged stream ends in a typed error or checked data: never a hang, a crash or a stray exception', async (ctx) => {
    const data = mixed(120_000);
    const packed = bzip2(data);
    if (!packed) return ctx.skip();
    let x = 12345;
    const rand = () => (x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let round = 0; round < 150; round++) {
      const broken = Buffer.from(packed);
      // Damage a few bytes after the header (bit flips, random bytes), or cut it short.
      for (let k = 0; k < 1 + (round % 4); k++) broken[4 + Math.floor(rand() * (broken.length - 4))] = Math.floor(rand() * 256);
      const input = round % 5 === 0 ? broken.subarray(0, Math.floor(rand() * broken.length)) : broken;
      const result = await decode(input, 1000).then(
        (out) => ({ ok: true as const, out }),
        (e: unknown) => ({ ok: false as const, e }),
      );
      if (result.ok) expect(sha(result.out)).toBe(sha(data)); // only when the damage missed (e.g. unused padding bits)
      else expect(result.e).toMatchObject({ code: 'model/unsupported-archive' });
    }
  });

  it('unpacks a .tar.bz2 made by the system tar (the layout of sherpa-onnx model archives)', async (ctx) => {
    const src = mkdtempSync(path.join(tmpdir(), 'parley-bz2-'));
    mkdirSync(path.join(src, 'sherpa-onnx-model'));
    const weights = mixed(400_000);
    writeFileSync(path.join(src, 'sherpa-onnx-model', 'encoder.int8.onnx'), weights);
    writeFileSync(path.join(src, 'sherpa-onnx-model', 'tokens.txt'), '<blk> 0\n');
    const archive = path.join(src, 'model.tar.bz2');
    try {
      execFileSync('tar', ['-cjf', archive, '-C', src, 'sherpa-onnx-model']);
    } catch {
      return ctx.skip();
    }
    const dest = mkdtempSync(path.join(tmpdir(), 'parley-bz2-dest-'));
    await extractArchiveFile(archive, 'tar.bz2', dest);
    expect(sha(readFileSync(path.join(dest, 'sherpa-onnx-model', 'encoder.int8.onnx')))).toBe(sha(weights));
    expect(readFileSync(path.join(dest, 'sherpa-onnx-model', 'tokens.txt'), 'utf8')).toBe('<blk> 0\n');
  });
});
