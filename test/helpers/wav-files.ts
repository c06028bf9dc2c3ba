import { truncateSync, writeFileSync } from 'node:fs';

/** A hand-built WAV: header fields as given, so malformed files can be made on purpose. */
export function buildWav(o: { format?: number; channels?: number; rate?: number; bits?: number; blockAlign?: number; data?: Uint8Array; dataSize?: number; extra?: Uint8Array; fmtSize?: number }) {
  const channels = o.channels ?? 1;
  const bits = o.bits ?? 16;
  const data = o.data ?? new Uint8Array(8);
  const fmtSize = o.fmtSize ?? 16;
  const extra = o.extra ?? new Uint8Array(0);
  const out = new Uint8Array(12 + 8 + fmtSize + extra.length + 8 + data.length);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => [...s].forEach((c, i) => (out[at + i] = c.charCodeAt(0)));
  put(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, o.format ?? 1, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, o.rate ?? 16000, true);
  v.setUint32(28, (o.rate ?? 16000) * channels * (bits / 8), true);
  v.setUint16(32, o.blockAlign ?? channels * Math.ceil(bits / 8), true);
  v.setUint16(34, bits, true);
  let at = 20 + fmtSize;
  out.set(extra, at);
  at += extra.length;
  put(at, 'data');
  v.setUint32(at + 4, o.dataSize ?? data.length, true);
  out.set(data, at + 8);
  return out;
}

/**
 * A large WAV of silence that costs no disk: the header is written and the file extended with
 * truncate (a sparse file reads back as zeros). 16 kHz float64 stereo by default: 256 KiB a second.
 */
export function writeSilentWav(file: string, dataBytes: number, o: { rate?: number; channels?: number; bits?: 16 | 64 } = {}): void {
  const channels = o.channels ?? 2;
  const bits = o.bits ?? 64;
  const header = buildWav({ format: bits === 64 ? 3 : 1, channels, bits, rate: o.rate ?? 16000, data: new Uint8Array(0), dataSize: dataBytes });
  new DataView(header.buffer).setUint32(4, Math.min(0xffffffff, header.length - 8 + dataBytes), true);
  writeFileSync(file, header);
  truncateSync(file, header.length + dataBytes);
}
