import { describe, expect, it } from 'vitest';
import { OggPacketReader, OggPageWriter, concatBytes, oggCrc } from '../../../../electron/engine/codec/ogg.js';

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('Ogg framing', () => {
  it('CRC-32 as Ogg defines it (poly 0x04c11db7, init 0, unreflected): the standard check value', () => {
    expect(oggCrc(new TextEncoder().encode('123456789')).toString(16)).toBe('89a1897f');
  });

  it('round-trips packets of every awkward size, one page per call, with granule, BOS and EOS', () => {
    const writer = new OggPageWriter(1234);
    const sizes = [0, 1, 254, 255, 256, 510, 65025, 70000];
    const packets = sizes.map((n, i) => bytes(n, i));
    const stream = [writer.pagePackets([packets[0]!, packets[1]!], 0n), writer.pagePackets(packets.slice(2, 6), 960n), writer.pagePackets(packets.slice(6), 1920n, { eos: true })];
    const reader = new OggPacketReader();
    const got = stream.flatMap((s) => reader.push(s));
    expect(got.map((p) => p.data.length)).toEqual(sizes);
    got.forEach((p, i) => expect(p.data).toEqual(packets[i]));
    expect(reader.corrupt).toBe(0);
    // The granule sits on the last packet ending on each page; the 70000-byte packet spans pages.
    expect([got[0]!.granule, got[1]!.granule, got[5]!.granule, got[7]!.granule]).toEqual([-1n, 0n, 960n, 1920n]);
    expect(got[0]!.bos).toBe(true);
    expect(got.at(-1)!.eos).toBe(true);
    expect(got.slice(0, -1).some((p) => p.eos)).toBe(false);
  });

  it('reads a stream pushed one byte at a time', () => {
    const writer = new OggPageWriter();
    const packets = [bytes(300, 1), bytes(40, 2), bytes(600, 3)];
    const stream = writer.pagePackets(packets, 100n);
    const reader = new OggPacketReader();
    const got = [];
    for (let i = 0; i < stream.length; i++) got.push(...reader.push(stream.subarray(i, i + 1)));
    expect(got.map((p) => p.data)).toEqual(packets);
  });

  it('skips garbage, damaged pages and orphaned continuations, and goes on with the next good page', () => {
    const writer = new OggPageWriter();
    const a = writer.pagePackets([bytes(100, 1)], 1n);
    const b = writer.pagePackets([bytes(100, 2)], 2n);
    const c = writer.pagePackets([bytes(100, 3)], 3n);
    const damaged = b.slice();
    damaged[40]! ^= 0xff; // body byte: the CRC no longer matches
    const reader = new OggPacketReader();
    const got = [...reader.push(new TextEncoder().encode('garbage OggS no page here')), ...reader.push(a), ...reader.push(damaged), ...reader.push(c)];
    expect(got.map((p) => p.granule)).toEqual([1n, 3n]);
    expect(reader.corrupt).toBeGreaterThanOrEqual(2);

    // A page continuing a packet whose start was lost: that tail is dropped, later packets survive.
    const big = new OggPageWriter().pagePackets([bytes(70000, 9), bytes(10, 8)], 5n);
    const secondPageAt = 27 + 255 + 255 * 255;
    const r2 = new OggPacketReader();
    const tail = r2.push(big.subarray(secondPageAt));
    expect(tail.map((p) => p.data)).toEqual([bytes(10, 8)]);
    expect(r2.corrupt).toBe(1);
  });

  it('reads megabytes pushed at once in one pass: valid pages, and bogus pages with capture patterns', () => {
    // Before pages were parsed in place, each page copied the rest of the buffer: 4 MB took about a minute.
    const writer = new OggPageWriter();
    const packets = Array.from({ length: 10_000 }, (_, i) => bytes(400, i));
    const stream = concatBytes(packets.map((p, i) => writer.pagePackets([p], BigInt(i))));
    expect(stream.length).toBeGreaterThan(4_000_000);
    const reader = new OggPacketReader();
    const got = reader.push(stream);
    expect(got.length).toBe(10_000);
    expect(got[9_999]!.data).toEqual(packets[9_999]);

    const bogusPage = new Uint8Array(64);
    bogusPage.set([0x4f, 0x67, 0x67, 0x53]);
    bogusPage[26] = 10; // ten lacing values of 0: a plausible header whose CRC is wrong
    const bogus = concatBytes(Array.from({ length: 2 << 14 }, () => bogusPage)); // 2 MiB
    const after = writer.pagePackets([bytes(50, 7)], 1n);
    const r2 = new OggPacketReader();
    expect(r2.push(concatBytes([bogus, after])).map((p) => p.data)).toEqual([bytes(50, 7)]);
    expect(r2.corrupt).toBe(1); // one damaged stretch
  }, 20_000);

  it('drops a packet that grows past the size limit across pages, keeps memory bounded, and reads on', () => {
    const writer = new OggPageWriter();
    const huge = writer.pagePackets([bytes(200_000, 1)], 1n); // continued over four pages
    const next = writer.pagePackets([bytes(30, 2)], 2n);
    const reader = new OggPacketReader({ maxPacketBytes: 100_000 });
    const got = [...reader.push(huge), ...reader.push(next)];
    expect(got.map((p) => p.data)).toEqual([bytes(30, 2)]);
    expect(reader.corrupt).toBe(1);
  });
});
