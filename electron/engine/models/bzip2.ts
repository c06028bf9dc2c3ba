import { ParleyError } from '../errors.js';

/**
 * A bzip2 decompressor (the format of sherpa-onnx's model archives), block by block so memory
 * stays bounded (one block is at most 900 kB uncompressed). Checks every block's CRC and the
 * stream's; concatenated streams (pbzip2) are read one after another.
 */

const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const END_MAGIC_HI = 0x177245;
const END_MAGIC_LO = 0x385090;
/** Compressed input kept ahead of the decoder: more than any one block can take. */
const LOOKAHEAD = 1_200_000;

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function corrupt(why: string): ParleyError {
  return new ParleyError('model/unsupported-archive', `the .bz2 data is corrupt (${why})`);
}

class BitReader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0; // in bits
  ended = false;
  constructor(private readonly it: AsyncIterator<Buffer | Uint8Array | string>) {}

  /** Ensures `bytes` more bytes are buffered (or the input has ended). */
  async fill(bytes: number): Promise<void> {
    const start = this.pos >>> 3;
    if (this.buf.length - start >= bytes || this.ended) return;
    const parts: Buffer[] = [this.buf.subarray(start)];
    let have = parts[0]!.length;
    while (have < bytes) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      parts.push(b);
      have += b.length;
    }
    this.buf = Buffer.concat(parts);
    this.pos &= 7;
  }

  bits(n: number): number {
    let v = 0;
    while (n > 0) {
      const byte = this.pos >>> 3;
      if (byte >= this.buf.length) throw corrupt('it ends in the middle of a block');
      const avail = 8 - (this.pos & 7);
      const take = avail < n ? avail : n;
      v = (v << take) | ((this.buf[byte]! >>> (avail - take)) & ((1 << take) - 1));
      this.pos += take;
      n -= take;
    }
    return v >>> 0;
  }

  bit(): number {
    return this.bits(1);
  }

  atEnd(): boolean {
    return this.ended && this.pos >>> 3 >= this.buf.length;
  }

  alignToByte(): void {
    this.pos = (this.pos + 7) & ~7;
  }
}

/** Decompresses a bzip2 stream; yields the uncompressed data a block at a time. */
export async function* bunzip2(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const r = new BitReader(it);
  try {
    let streams = 0;
    for (;;) {
      await r.fill(4);
      if (streams > 0 && r.atEnd()) return;
      if (r.bits(8) !== 0x42 || r.bits(8) !== 0x5a || r.bits(8) !== 0x68) throw corrupt(streams === 0 ? 'not bzip2 data' : 'garbage after the end');
      const level = r.bits(8) - 0x30;
      if (level < 1 || level > 9) throw corrupt('bad block size');
      const maxBlock = level * 100_000;
      let combined = 0;
      for (;;) {
        await r.fill(LOOKAHEAD);
        const hi = r.bits(24);
        const lo = r.bits(24);
        if (hi === END_MAGIC_HI && lo === END_MAGIC_LO) {
          const want = r.bits(32);
          if (want !== combined) throw corrupt('the stream checksum is wrong');
          r.alignToByte();
          break;
        }
        if (hi !== BLOCK_MAGIC_HI || lo !== BLOCK_MAGIC_LO) throw corrupt('bad block header');
        const wantCrc = r.bits(32);
        const out = decodeBlock(r, maxBlock);
        let crc = 0xffffffff;
        for (let i = 0; i < out.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ out[i]!) & 0xff]!) >>> 0;
        crc = ~crc >>> 0;
        if (crc !== wantCrc) throw corrupt('a block checksum is wrong');
        combined = (((combined << 1) | (combined >>> 31)) ^ crc) >>> 0;
        yield out;
      }
      streams++;
    }
  } finally {
    await it.return?.();
  }
}

function decodeBlock(r: BitReader, maxBlock: number): Buffer {
  if (r.bit()) throw corrupt('randomised blocks are not supported');
  const origPtr = r.bits(24);
  // Which byte values occur.
  const used = r.bits(16);
  const seqToUnseq: number[] = [];
  for (let i = 0; i < 16; i++) {
    if (used & (0x8000 >>> i)) {
      const bits = r.bits(16);
      for (let j = 0; j < 16; j++) if (bits & (0x8000 >>> j)) seqToUnseq.push(i * 16 + j);
    }
  }
  if (seqToUnseq.length === 0) throw corrupt('no symbols');
  const alphaSize = seqToUnseq.length + 2;
  const nGroups = r.bits(3);
  if (nGroups < 2 || nGroups > 6) throw corrupt('bad table count');
  const nSelectors = r.bits(15);
  if (nSelectors < 1) throw corrupt('no selectors');
  const mtfGroups = Array.from({ length: nGroups }, (_, i) => i);
  const selectors = new Uint8Array(nSelectors);
  for (let i = 0; i < nSelectors; i++) {
    let j = 0;
    while (r.bit()) if (++j >= nGroups) throw corrupt('bad selector');
    const v = mtfGroups[j]!;
    mtfGroups.splice(j, 1);
    mtfGroups.unshift(v);
    selectors[i] = v;
  }
  // Huffman tables (canonical codes from the lengths).
  const tables: { limit: Int32Array; base: Int32Array; perm: Int32Array; minLen: number; maxLen: number }[] = [];
  for (let t = 0; t < nGroups; t++) {
    const lengths = new Uint8Array(alphaSize);
    let len = r.bits(5);
    for (let s = 0; s < alphaSize; s++) {
      for (;;) {
        if (len < 1 || len > 20) throw corrupt('bad code length');
        if (!r.bit()) break;
        len += r.bit() ? -1 : 1;
      }
      lengths[s] = len;
    }
    let minLen = 32;
    let maxLen = 0;
    for (const l of lengths) {
      if (l < minLen) minLen = l;
      if (l > maxLen) maxLen = l;
    }
    const perm = new Int32Array(alphaSize);
    let p = 0;
    for (let l = minLen; l <= maxLen; l++) for (let s = 0; s < alphaSize; s++) if (lengths[s] === l) perm[p++] = s;
    const count = new Int32Array(maxLen + 2);
    for (const l of lengths) count[l]!++;
    const limit = new Int32Array(maxLen + 2);
    const base = new Int32Array(maxLen + 2);
    let code = 0;
    let index = 0;
    for (let l = minLen; l <= maxLen; l++) {
      base[l] = index - code; // perm index = code + base
      code += count[l]!;
      index += count[l]!;
      limit[l] = code - 1;
      code <<= 1;
    }
    tables.push({ limit, base, perm, minLen, maxLen });
  }

  // Symbols: MTF indices with RUNA/RUNB run lengths of the front byte; EOB ends the block.
  const tt = new Uint32Array(maxBlock);
  const counts = new Int32Array(256);
  const mtf = seqToUnseq.slice();
  const eob = alphaSize - 1;
  let n = 0;
  let group = -1;
  let left = 0;
  let run = 0;
  let runWeight = 1;
  for (;;) {
    if (left === 0) {
      if (++group >= nSelectors) throw corrupt('ran out of selectors');
      left = 50;
    }
    left--;
    const tb = tables[selectors[group]!]!;
    let len = tb.minLen;
    let code = r.bits(len);
    while (len <= tb.maxLen && code > tb.limit[len]!) {
      len++;
      code = (code << 1) | r.bit();
    }
    if (len > tb.maxLen) throw corrupt('bad Huffman code');
    const sym = tb.perm[code + tb.base[len]!];
    if (sym === undefined) throw corrupt('bad Huffman code');
    if (sym <= 1) {
      run += (sym + 1) * runWeight;
      runWeight <<= 1;
      if (run > maxBlock) throw corrupt('run too long');
      continue;
    }
    if (run > 0) {
      const b = mtf[0]!;
      if (n + run > maxBlock) throw corrupt('block too long');
      counts[b]! += run;
      tt.fill(b, n, n + run);
      n += run;
      run = 0;
      runWeight = 1;
    }
    if (sym === eob) break;
    const idx = sym - 1;
    if (idx >= mtf.length) throw corrupt('bad symbol');
    const b = mtf[idx]!;
    mtf.splice(idx, 1);
    mtf.unshift(b);
    if (n >= maxBlock) throw corrupt('block too long');
    counts[b]!++;
    tt[n++] = b;
  }
  if (origPtr >= n) throw corrupt('bad origin pointer');

  // Inverse BWT: link each position to the next in the original order.
  const starts = new Int32Array(256);
  for (let i = 0, sum = 0; i < 256; i++) {
    starts[i] = sum;
    sum += counts[i]!;
  }
  for (let i = 0; i < n; i++) {
    const b = tt[i]! & 0xff;
    tt[starts[b]!++]! |= i << 8;
  }
  // Undo the initial run-length step (4 equal bytes, then a count of more).
  let chunk = Buffer.allocUnsafe(Math.min(maxBlock * 2, 4 * 1024 * 1024));
  const pieces: Buffer[] = [];
  let o = 0;
  const push = (b: number) => {
    if (o === chunk.length) {
      pieces.push(chunk);
      chunk = Buffer.allocUnsafe(chunk.length);
      o = 0;
    }
    chunk[o++] = b;
  };
  let pos = tt[origPtr]! >>> 8;
  let last = -1;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const entry = tt[pos]!;
    const b = entry & 0xff;
    pos = entry >>> 8;
    if (same === 4) {
      for (let k = 0; k < b; k++) push(last);
      same = 0;
      last = -1;
      continue;
    }
    if (b === last) same++;
    else {
      last = b;
      same = 1;
    }
    push(b);
  }
  pieces.push(chunk.subarray(0, o));
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
