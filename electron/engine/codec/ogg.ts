// Ogg framing (RFC 3533) for one logical stream: pages of up to 255 segments, packets laced in
// 255-byte segments (a packet that does not fit goes on in the next page, flagged "continued"),
// each page with its granule position and a CRC-32 (polynomial 0x04c11db7, no reflection).

const CAPTURE = [0x4f, 0x67, 0x67, 0x53]; // "OggS"
const HEADER_BYTES = 27;
const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

export interface OggPacket {
  data: Uint8Array;
  /** Granule position of the page on which the packet ends (-1 when that page ends no packet). */
  granule: bigint;
  /** The first packet of the stream (on the BOS page). */
  bos: boolean;
  /** The last packet of the stream (on the EOS page). */
  eos: boolean;
}

/**
 * Writes packets as Ogg pages. Each `pagePackets()` call emits the given packets on as few pages as
 * the 255-segment limit allows (continuing a packet across pages when needed), the last page
 * carrying `granule`. Emitting pages per call keeps latency at one packet when streaming.
 */
export class OggPageWriter {
  private sequence = 0;
  private started = false;

  constructor(private readonly serial: number = (Math.random() * 0xffffffff) >>> 0) {}

  /** The packets as one or more complete pages; `granule` goes on the page where the last packet ends. */
  pagePackets(packets: Uint8Array[], granule: bigint, options: { eos?: boolean } = {}): Uint8Array {
    // Lacing values for all packets, remembering where each packet ends.
    const segments: { size: number; packetEnd: boolean }[] = [];
    for (const p of packets) {
      let left = p.length;
      while (left >= 255) {
        segments.push({ size: 255, packetEnd: false });
        left -= 255;
      }
      segments.push({ size: left, packetEnd: true }); // a 0..254 segment ends the packet
    }
    const body = concatBytes(packets);
    const pages: Uint8Array[] = [];
    let offset = 0;
    let continued = false;
    for (let s = 0; s < segments.length; s += 255) {
      const pageSegments = segments.slice(s, s + 255);
      const last = s + 255 >= segments.length;
      const size = pageSegments.reduce((n, x) => n + x.size, 0);
      const endsPacket = pageSegments.some((x) => x.packetEnd);
      let flags = 0;
      if (continued) flags |= FLAG_CONTINUED;
      if (!this.started) flags |= FLAG_BOS;
      if (last && options.eos) flags |= FLAG_EOS;
      pages.push(this.page(flags, last ? granule : endsPacket ? granule : -1n, pageSegments.map((x) => x.size), body.subarray(offset, offset + size)));
      this.started = true;
      offset += size;
      continued = !pageSegments[pageSegments.length - 1]!.packetEnd;
    }
    return concatBytes(pages);
  }

  private page(flags: number, granule: bigint, lacing: number[], body: Uint8Array): Uint8Array {
    const page = new Uint8Array(HEADER_BYTES + lacing.length + body.length);
    const view = new DataView(page.buffer);
    page.set(CAPTURE, 0);
    page[4] = 0; // version
    page[5] = flags;
    view.setBigInt64(6, granule, true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, this.sequence++, true);
    page[26] = lacing.length;
    page.set(lacing, HEADER_BYTES);
    page.set(body, HEADER_BYTES + lacing.length);
    view.setUint32(22, oggCrc(page), true);
    return page;
  }
}

/** The largest possible Ogg page: a 27-byte header, 255 lacing values and 255 full segments. */
export const MAX_OGG_PAGE_BYTES = HEADER_BYTES + 255 + 255 * 255;

export interface OggPacketReaderOptions {
  /**
   * A packet growing past this many bytes (continued over many pages) is dropped and counted as
   * corrupt: the stream is hostile or broken, and memory must stay bounded. Default 1 MiB.
   */
  maxPacketBytes?: number;
}

/**
 * Reads an Ogg stream pushed in arbitrary chunks and yields whole packets (joining packets that
 * continue across pages). Pages with a bad CRC or broken structure are counted and skipped: the
 * reader resynchronises on the next capture pattern, as a real-time stream must.
 *
 * Work is linear in the bytes pushed: pages are parsed in place, and only an incomplete page at the
 * end of a chunk (at most one page, 65 KiB) is carried over to the next push.
 */
export class OggPacketReader {
  /** An incomplete page (or a possible capture pattern) left over from the last push. */
  private rest: Uint8Array = new Uint8Array(0);
  private partial: Uint8Array[] = [];
  private partialBytes = 0;
  /** The packet in progress outgrew maxPacketBytes: drop the rest of it. */
  private discarding = false;
  private readonly maxPacketBytes: number;
  /** Places where the stream had to be skipped (garbage or a damaged page, until the next good page; a lost continuation; an oversized packet). */
  corrupt = 0;
  /** Skipping bytes since the last good page (one damaged stretch counts once). */
  private resyncing = false;
  private serial: number | undefined;

  constructor(options: OggPacketReaderOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? 1 << 20;
  }

  push(chunk: Uint8Array): OggPacket[] {
    const buf = this.rest.length ? concatBytes([this.rest, chunk]) : chunk;
    const packets: OggPacket[] = [];
    let pos = 0;
    for (;;) {
      const start = findCapture(buf, pos);
      if (start < 0) {
        // Keep a possible partial capture pattern at the end.
        const keepFrom = Math.max(pos, buf.length - 3);
        if (keepFrom > pos) this.skipping();
        pos = keepFrom;
        break;
      }
      if (start > pos) {
        this.skipping();
        pos = start;
      }
      if (buf.length - pos < HEADER_BYTES) break;
      const nseg = buf[pos + 26]!;
      const headerLen = HEADER_BYTES + nseg;
      if (buf.length - pos < headerLen) break;
      const lacing = buf.subarray(pos + HEADER_BYTES, pos + headerLen);
      let bodyLen = 0;
      for (let i = 0; i < lacing.length; i++) bodyLen += lacing[i]!;
      if (buf.length - pos < headerLen + bodyLen) break;
      const page = buf.subarray(pos, pos + headerLen + bodyLen);
      const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
      if (page[4] !== 0 || pageCrc(page) !== view.getUint32(22, true)) {
        // Not a page after all (or damaged): drop it and anything continued from it; look for the
        // next capture pattern after this one ("OggS" cannot overlap itself).
        this.skipping();
        this.dropPartial();
        pos += CAPTURE.length;
        continue;
      }
      pos += page.length;
      this.resyncing = false;
      const flags = page[5]!;
      const granule = view.getBigInt64(6, true);
      this.serial ??= view.getUint32(14, true);
      const continued = (flags & FLAG_CONTINUED) !== 0;
      if (!continued && (this.partial.length > 0 || this.discarding)) {
        if (this.partial.length > 0) this.corrupt++; // the continuation never came
        this.dropPartial();
      }
      if (continued && this.partial.length === 0 && !this.discarding) {
        // Continues a packet we never saw the start of: skip its first packet's tail.
        let i = 0;
        let skip = 0;
        while (i < lacing.length && lacing[i] === 255) skip += lacing[i++]!;
        if (i < lacing.length) skip += lacing[i++]!;
        this.corrupt++;
        if (i === lacing.length && lacing.at(-1) === 255) this.discarding = true; // the tail goes on
        this.readSegments(page, headerLen + skip, lacing.subarray(i), flags, granule, packets);
        continue;
      }
      this.readSegments(page, headerLen, lacing, flags, granule, packets);
    }
    // Carry over only what is left (less than one page); packets in progress were copied.
    this.rest = pos < buf.length ? buf.slice(pos) : new Uint8Array(0);
    return packets;
  }

  private skipping(): void {
    if (!this.resyncing) this.corrupt++;
    this.resyncing = true;
  }

  private dropPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.discarding = false;
  }

  private readSegments(page: Uint8Array, at: number, lacing: Uint8Array, flags: number, granule: bigint, out: OggPacket[]): void {
    let offset = at;
    let packetStart = offset;
    for (let i = 0; i < lacing.length; i++) {
      offset += lacing[i]!;
      if (lacing[i]! < 255) {
        const piece = page.subarray(packetStart, offset);
        packetStart = offset;
        if (this.discarding || this.partialBytes + piece.length > this.maxPacketBytes) {
          if (!this.discarding) this.corrupt++;
          this.dropPartial();
          continue;
        }
        // Copied: the page lives in the caller's chunk.
        const data = this.partial.length ? concatBytes([...this.partial, piece]) : piece.slice();
        this.dropPartial();
        let lastOnPage = true;
        for (let j = i + 1; j < lacing.length; j++) if (lacing[j]! < 255) lastOnPage = false;
        out.push({ data, granule: lastOnPage ? granule : -1n, bos: (flags & FLAG_BOS) !== 0, eos: (flags & FLAG_EOS) !== 0 && lastOnPage });
      }
    }
    // A page ending on a 255 segment: the packet goes on in the next page.
    if (packetStart < offset && !this.discarding) {
      const piece = page.subarray(packetStart, offset);
      if (this.partialBytes + piece.length > this.maxPacketBytes) {
        this.corrupt++;
        this.dropPartial();
        this.discarding = true;
      } else {
        this.partial.push(piece.slice());
        this.partialBytes += piece.length;
      }
    }
  }
}

/** The page's CRC, computed as if its CRC field (bytes 22-25) were zero, without copying the page. */
function pageCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) {
    const b = i >= 22 && i < 26 ? 0 : page[i]!;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  }
  return crc;
}

function findCapture(b: Uint8Array, from: number): number {
  for (let i = from; i + 3 < b.length; i++) if (b[i] === 0x4f && b[i + 1] === 0x67 && b[i + 2] === 0x67 && b[i + 3] === 0x53) return i;
  return -1;
}

/** Joins byte arrays (returns the only part itself when there is one). */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
