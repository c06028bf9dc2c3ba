import { readFile, writeFile } from 'node:fs/promises';
import { ParleyError, describeError } from '../errors.js';
import type { PcmAudio } from './pcm.js';

/** Sample encodings Parley reads and writes. */
export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

export interface WavAudio extends PcmAudio {
  encoding: WavEncoding;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  6: 'A-law',
  7: 'mu-law',
  0x11: 'IMA ADPCM',
  0x31: 'GSM 6.10',
  0x55: 'MP3',
};

const BYTES: Record<WavEncoding, number> = { pcm8: 1, pcm16: 2, pcm24: 3, pcm32: 4, float32: 4, float64: 8 };

/** Where a WAV's samples are and how they are encoded. */
export interface WavLayout {
  encoding: WavEncoding;
  channelCount: number;
  sampleRate: number;
  /** Bytes per frame (one sample of every channel). */
  blockAlign: number;
  /** Byte offset of the first sample. */
  dataOffset: number;
  frames: number;
}

/** A read the layout parser needs: `length` bytes at `at` (fewer come back at the end of the file). */
export interface ByteRequest {
  at: number;
  length: number;
}

/**
 * Walks the RIFF chunks of a file of `total` bytes, asking for only the bytes it needs (chunk
 * headers and the fmt body), so the same rules serve bytes in memory and a file streamed from disk.
 * Throws ParleyError('wav/...') on bad input.
 */
export function* parseWavLayout(total: number): Generator<ByteRequest, WavLayout, Uint8Array> {
  if (total < 12) {
    throw new ParleyError(total === 0 ? 'wav/empty' : 'wav/truncated', `not a WAV file: only ${total} bytes`);
  }
  const head = yield { at: 0, length: 12 };
  const riff = ascii(head, 0, 4);
  if (riff === 'RIFX' || riff === 'RF64') {
    throw new ParleyError('wav/unsupported-encoding', `${riff} WAV containers are not supported (use a standard little-endian RIFF WAV)`);
  }
  if (riff !== 'RIFF') {
    const other = otherAudioFormat(head);
    if (other) throw new ParleyError('wav/not-riff', `this is ${other.name} file, not a WAV: ${convertHint(other.ext)}`);
    throw new ParleyError('wav/not-riff', 'not a WAV file: missing RIFF header');
  }
  if (ascii(head, 8, 4) !== 'WAVE') throw new ParleyError('wav/not-wave', 'not a WAV file: RIFF type is not WAVE');

  let fmt: { encoding: WavEncoding; channels: number; sampleRate: number; blockAlign: number } | undefined;
  let data: { offset: number; length: number } | undefined;
  let pos = 12;
  while (pos + 8 <= total) {
    const header = yield { at: pos, length: 8 };
    const id = ascii(header, 0, 4);
    const size = new DataView(header.buffer, header.byteOffset, 8).getUint32(4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (body + Math.min(size, 16) > total || size < 16) {
        throw new ParleyError('wav/truncated', `truncated WAV: fmt chunk has ${Math.min(size, total - body)} of 16 bytes`);
      }
      const fmtBytes = yield { at: body, length: Math.min(size, 40) };
      fmt = parseFmt(new DataView(fmtBytes.buffer, fmtBytes.byteOffset, fmtBytes.byteLength), 0, size);
    } else if (id === 'data') {
      const available = total - body;
      // 0 and 0xFFFFFFFF are placeholders written by recorders that stream and never patch the header.
      if ((size === 0xffffffff || size === 0) && available > 0) {
        data = { offset: body, length: available };
      } else if (size > available) {
        throw new ParleyError('wav/truncated', `truncated WAV: data chunk declares ${size} bytes but only ${available} are present`);
      } else {
        data = { offset: body, length: size };
      }
      if (fmt) break;
    }
    pos = body + size + (size & 1); // chunks are word aligned
  }
  if (!fmt) throw new ParleyError('wav/missing-fmt', 'invalid WAV: no fmt chunk before end of file');
  if (!data) throw new ParleyError('wav/missing-data', 'invalid WAV: no data chunk');
  const frames = Math.floor(data.length / fmt.blockAlign);
  if (frames === 0) throw new ParleyError('wav/empty', 'WAV file has no audio (zero-length data)');
  return { encoding: fmt.encoding, channelCount: fmt.channels, sampleRate: fmt.sampleRate, blockAlign: fmt.blockAlign, dataOffset: data.offset, frames };
}

/** How to turn a compressed recording into a WAV Parley reads (16 kHz mono is what it uses inside). */
function convertHint(ext: string): string {
  return `convert it first, e.g. \`ffmpeg -i in.${ext} -ar 16000 -ac 1 out.wav\` or \`sox in.${ext} -r 16000 -c 1 out.wav\``;
}

/** Names common compressed audio containers by their magic bytes (people pass them for WAVs). */
function otherAudioFormat(head: Uint8Array): { name: string; ext: string } | undefined {
  const tag = ascii(head, 0, 4);
  if (tag.startsWith('ID3') || (head[0] === 0xff && (head[1]! & 0xe0) === 0xe0 && (head[1]! & 0x06) !== 0)) return { name: 'an MP3', ext: 'mp3' };
  if (tag === 'fLaC') return { name: 'a FLAC', ext: 'flac' };
  if (tag === 'OggS') return { name: 'an Ogg (Vorbis or Opus)', ext: 'ogg' };
  if (ascii(head, 4, 4) === 'ftyp') return { name: 'an MP4/M4A (AAC)', ext: 'm4a' };
  if (tag === 'FORM' && /^AIF[FC]$/.test(ascii(head, 8, 4))) return { name: 'an AIFF', ext: 'aiff' };
  if (tag === '\x1aE\xdf\xa3') return { name: 'a WebM/Matroska', ext: 'webm' };
  return undefined;
}

/** Decodes a RIFF/WAVE file into planar float channels. Throws ParleyError('wav/...') on bad input. */
export function decodeWav(bytes: Uint8Array): WavAudio {
  const parser = parseWavLayout(bytes.length);
  let step = parser.next();
  while (!step.done) step = parser.next(bytes.subarray(step.value.at, step.value.at + step.value.length));
  const layout = step.value;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    sampleRate: layout.sampleRate,
    encoding: layout.encoding,
    channels: decodeSamples(view, layout.dataOffset, layout.frames, layout.channelCount, layout.encoding),
  };
}

function parseFmt(view: DataView, at: number, size: number) {
  let format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (format === FORMAT_EXTENSIBLE) {
    if (size < 40 || at + 40 > view.byteLength) {
      throw new ParleyError('wav/truncated', 'truncated WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes');
    }
    format = view.getUint16(at + 24, true); // first two bytes of the SubFormat GUID
  }
  let encoding: WavEncoding | undefined;
  if (format === FORMAT_PCM) {
    encoding = ({ 8: 'pcm8', 16: 'pcm16', 24: 'pcm24', 32: 'pcm32' } as const)[bits];
  } else if (format === FORMAT_FLOAT) {
    encoding = ({ 32: 'float32', 64: 'float64' } as const)[bits];
  }
  if (!encoding) {
    const name = FORMAT_NAMES[format] ?? (format === FORMAT_PCM || format === FORMAT_FLOAT ? undefined : `format tag 0x${format.toString(16)}`);
    const what = name ? `${name} encoding` : `${bits}-bit ${format === FORMAT_FLOAT ? 'float' : 'integer PCM'}`;
    throw new ParleyError(
      'wav/unsupported-encoding',
      `unsupported WAV encoding: ${what} (supported: PCM 8/16/24/32-bit integer, 32/64-bit float)`,
    );
  }
  if (channels < 1) throw new ParleyError('wav/invalid-format', 'invalid WAV: 0 channels');
  if (sampleRate < 1) throw new ParleyError('wav/invalid-format', 'invalid WAV: sample rate 0');
  if (blockAlign !== channels * BYTES[encoding]) {
    throw new ParleyError(
      'wav/invalid-format',
      `invalid WAV: block align ${blockAlign} does not match ${channels} channel(s) of ${bits}-bit samples`,
    );
  }
  return { encoding, channels, sampleRate, blockAlign };
}

/** Decodes `frames` interleaved frames starting at `offset` into planar float channels. */
export function decodeSamples(view: DataView, offset: number, frames: number, channelCount: number, encoding: WavEncoding): Float32Array[] {
  const out = Array.from({ length: channelCount }, () => new Float32Array(frames));
  const step = BYTES[encoding];
  let p = offset;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channelCount; c++) {
      let v: number;
      switch (encoding) {
        case 'pcm8':
          v = (view.getUint8(p) - 128) / 128;
          break;
        case 'pcm16':
          v = view.getInt16(p, true) / 32768;
          break;
        case 'pcm24':
          v = (((view.getUint8(p + 2) << 24) | (view.getUint8(p + 1) << 16) | (view.getUint8(p) << 8)) >> 8) / 8388608;
          break;
        case 'pcm32':
          v = view.getInt32(p, true) / 2147483648;
          break;
        case 'float32':
          v = view.getFloat32(p, true);
          break;
        case 'float64':
          v = view.getFloat64(p, true);
          break;
      }
      out[c]![f] = v;
      p += step;
    }
  }
  return out;
}

/** Encodes planar float channels as a WAV file (default 16-bit PCM). Values outside [-1, 1] are clipped for integer encodings. */
export function encodeWav(audio: PcmAudio, encoding: WavEncoding = 'pcm16'): Uint8Array {
  const channelCount = audio.channels.length;
  if (channelCount < 1 || channelCount > 0xffff) throw new ParleyError('audio/invalid-input', `cannot write a WAV with ${channelCount} channels`);
  if (!Number.isInteger(audio.sampleRate) || audio.sampleRate < 1) {
    throw new ParleyError('audio/invalid-rate', `cannot write a WAV at ${audio.sampleRate} Hz`);
  }
  const frames = audio.channels[0]!.length;
  if (audio.channels.some((c) => c.length !== frames)) throw new ParleyError('audio/invalid-input', 'channels differ in length');
  const step = BYTES[encoding];
  const blockAlign = channelCount * step;
  const dataBytes = frames * blockAlign;
  const out = new Uint8Array(44 + dataBytes + (dataBytes & 1));
  const view = new DataView(out.buffer);
  const isFloat = encoding === 'float32' || encoding === 'float64';
  writeAscii(out, 0, 'RIFF');
  view.setUint32(4, out.length - 8, true);
  writeAscii(out, 8, 'WAVE');
  writeAscii(out, 12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, isFloat ? FORMAT_FLOAT : FORMAT_PCM, true);
  view.setUint16(22, channelCount, true);
  view.setUint32(24, audio.sampleRate, true);
  view.setUint32(28, audio.sampleRate * blockAlign, true);
  view.setUint16(32, blockAlign, true);
  view.setUint16(34, step * 8, true);
  writeAscii(out, 36, 'data');
  view.setUint32(40, dataBytes, true);
  let p = 44;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channelCount; c++) {
      const s = audio.channels[c]![f]!;
      const x = Math.max(-1, Math.min(1, s));
      switch (encoding) {
        case 'pcm8':
          view.setUint8(p, quantize(x, 128) + 128);
          break;
        case 'pcm16':
          view.setInt16(p, quantize(x, 32768), true);
          break;
        case 'pcm24': {
          const v = quantize(x, 8388608);
          view.setUint8(p, v & 0xff);
          view.setUint8(p + 1, (v >> 8) & 0xff);
          view.setUint8(p + 2, (v >> 16) & 0xff);
          break;
        }
        case 'pcm32':
          view.setInt32(p, quantize(x, 2147483648), true);
          break;
        case 'float32':
          view.setFloat32(p, s, true);
          break;
        case 'float64':
          view.setFloat64(p, s, true);
          break;
      }
      p += step;
    }
  }
  return out;
}

export async function readWavFile(path: string): Promise<WavAudio> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ParleyError('file/not-found', `file not found: ${path}`, { cause: e });
    if (code === 'EISDIR') throw new ParleyError('file/unreadable', `${path} is a directory, not a WAV file`, { cause: e });
    throw new ParleyError('file/unreadable', `cannot read ${path}: ${describeError(e)}`, { cause: e });
  }
  try {
    return decodeWav(bytes);
  } catch (e) {
    if (e instanceof ParleyError) throw new ParleyError(e.code, `${path}: ${e.message}`, { cause: e });
    throw e;
  }
}

export async function writeWavFile(path: string, audio: PcmAudio, encoding: WavEncoding = 'pcm16'): Promise<void> {
  const bytes = encodeWav(audio, encoding);
  try {
    await writeFile(path, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'disk full' : describeError(e);
    throw new ParleyError('file/write-failed', `cannot write ${path}: ${why}`, { cause: e });
  }
}

/** Same scale as decoding (full scale = 2^(bits-1)), so round trips stay within half a step; +1.0 clips to the top code. */
function quantize(x: number, fullScale: number): number {
  return Math.min(fullScale - 1, Math.round(x * fullScale));
}

function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}

function writeAscii(bytes: Uint8Array, at: number, s: string): void {
  for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i);
}
