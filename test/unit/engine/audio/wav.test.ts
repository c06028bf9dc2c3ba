import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, readWavFile, writeWavFile, type WavEncoding } from '../../../../electron/engine/audio/wav.js';
import { ParleyError } from '../../../../electron/engine/errors.js';
import type { ErrorCode } from '../../../../electron/shared/errors.js';
import { sine } from '../../../helpers/signals.js';
import { buildWav } from '../../../helpers/wav-files.js';

/** Quantisation step of each encoding: a round trip must land within half of it. */
const STEP: Record<WavEncoding, number> = { pcm8: 1 / 128, pcm16: 1 / 32768, pcm24: 1 / 8388608, pcm32: 1 / 2147483648, float32: 0, float64: 0 };

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ParleyError) return e.code;
    throw e;
  }
  return undefined;
}

describe('WAV', () => {
  const encodings: WavEncoding[] = ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32', 'float64'];
  it.each(encodings)('round-trips %s stereo at 44.1 kHz within half a quantisation step', (encoding) => {
    const left = sine(440, 44100, 0.05, 0.8);
    const right = sine(1000, 44100, 0.05, -0.3);
    const decoded = decodeWav(encodeWav({ sampleRate: 44100, channels: [left, right] }, encoding));
    expect(decoded.sampleRate).toBe(44100);
    expect(decoded.encoding).toBe(encoding);
    expect(decoded.channels).toHaveLength(2);
    const tol = Math.max(STEP[encoding], 1e-7);
    for (const [got, want] of [
      [decoded.channels[0]!, left],
      [decoded.channels[1]!, right],
    ] as const) {
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(tol);
    }
  });

  it('reads any rate and channel count', () => {
    for (const [rate, channels] of [
      [8000, 1],
      [22050, 3],
      [96000, 6],
    ] as const) {
      const audio = { sampleRate: rate, channels: Array.from({ length: channels }, (_, c) => Float32Array.from([0, 0.25 * c, -0.5])) };
      const back = decodeWav(encodeWav(audio, 'float32'));
      expect(back.sampleRate).toBe(rate);
      expect(back.channels.map((c) => Array.from(c))).toEqual(audio.channels.map((c) => Array.from(c)));
    }
  });

  it('reads WAVE_FORMAT_EXTENSIBLE files and skips unknown, odd-sized chunks', () => {
    // fmt of 40 bytes: cbSize 22, valid bits, channel mask, SubFormat GUID starting with 0x0001 (PCM).
    const ext = new Uint8Array(24);
    const dv = new DataView(ext.buffer);
    dv.setUint16(0, 22, true);
    dv.setUint16(2, 16, true);
    dv.setUint32(4, 4, true);
    dv.setUint16(8, 1, true);
    const wav = buildWav({ format: 0xfffe, fmtSize: 40, data: Uint8Array.from([0x00, 0x40, 0x00, 0xc0]) });
    wav.set(ext, 36); // cbSize.. lives right after the 16 basic fmt bytes
    // A 3-byte LIST chunk (padded to 4) between fmt and data.
    const list = Uint8Array.from([...'LIST'].map((c) => c.charCodeAt(0)).concat([3, 0, 0, 0, 1, 2, 3, 0]));
    const withList = new Uint8Array(wav.length + list.length);
    withList.set(wav.subarray(0, 60));
    withList.set(list, 60);
    withList.set(wav.subarray(60), 60 + list.length);
    const decoded = decodeWav(withList);
    expect(Array.from(decoded.channels[0]!)).toEqual([0.5, -0.5]);
  });

  it('reads a streamed WAV whose data size was never filled in', () => {
    const wav = buildWav({ data: Uint8Array.from([0, 0x40, 0, 0x40]), dataSize: 0xffffffff });
    expect(decodeWav(wav).channels[0]!.length).toBe(2);
  });

  it('names the problem in every kind of bad input', () => {
    const text = new TextEncoder().encode('this is definitely not a wav file at all');
    expect(codeOf(() => decodeWav(new Uint8Array(0)))).toBe('wav/empty');
    expect(codeOf(() => decodeWav(text))).toBe('wav/not-riff');
    const notWave = buildWav({});
    notWave.set([65, 86, 73, 32], 8); // 'AVI '
    expect(codeOf(() => decodeWav(notWave))).toBe('wav/not-wave');
    expect(codeOf(() => decodeWav(buildWav({}).subarray(0, 8)))).toBe('wav/truncated');
    expect(codeOf(() => decodeWav(buildWav({}).subarray(0, 30)))).toBe('wav/truncated');
    expect(codeOf(() => decodeWav(buildWav({ data: new Uint8Array(100) }).subarray(0, 80)))).toBe('wav/truncated');
    expect(codeOf(() => decodeWav(buildWav({ format: 2, bits: 4, blockAlign: 256 })))).toBe('wav/unsupported-encoding');
    expect(codeOf(() => decodeWav(buildWav({ bits: 12, blockAlign: 2 })))).toBe('wav/unsupported-encoding');
    expect(codeOf(() => decodeWav(buildWav({ format: 3, bits: 16 })))).toBe('wav/unsupported-encoding');
    expect(codeOf(() => decodeWav(buildWav({ data: new Uint8Array(0) })))).toBe('wav/empty');
    expect(codeOf(() => decodeWav(buildWav({ blockAlign: 3 })))).toBe('wav/invalid-format');
    expect(codeOf(() => decodeWav(buildWav({ channels: 0, blockAlign: 0 })))).toBe('wav/invalid-format');
    const rf64 = buildWav({});
    rf64.set([82, 70, 54, 52], 0);
    expect(codeOf(() => decodeWav(rf64))).toBe('wav/unsupported-encoding');
    // Only a fmt chunk, no data; only a data chunk, no fmt.
    expect(codeOf(() => decodeWav(buildWav({}).subarray(0, 36)))).toBe('wav/missing-data');
    const noFmt = buildWav({});
    noFmt.set([106, 117, 110, 107], 12); // rename 'fmt ' to 'junk'
    expect(codeOf(() => decodeWav(noFmt))).toBe('wav/missing-fmt');
  });

  it.each([
    ['MP3 (ID3 tag)', [0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0x21, 0, 0], /MP3/],
    ['MP3 (bare frame)', [0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0], /MP3/],
    ['FLAC', [...'fLaC'].map((c) => c.charCodeAt(0)).concat([0, 0, 0, 0x22, 0, 0, 0, 0]), /FLAC/],
    ['Ogg', [...'OggS'].map((c) => c.charCodeAt(0)).concat([0, 2, 0, 0, 0, 0, 0, 0]), /Ogg/],
  ])('says a %s file is not a WAV and how to convert it', (_what, head, format) => {
    const bytes = new Uint8Array(64);
    bytes.set(head);
    let message = '';
    try {
      decodeWav(bytes);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(format);
    expect(message).toMatch(/not a WAV/);
    expect(message).toContain('ffmpeg -i');
    expect(message).toMatch(/-ar 16000 -ac 1/);
  });

  it('explains unsupported encodings in words', () => {
    expect(() => decodeWav(buildWav({ format: 7, bits: 8, blockAlign: 1 }))).toThrow(/mu-law encoding.*supported: PCM/);
  });

  it('reads and writes files, with typed errors for missing paths', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-wav-'));
    const file = path.join(dir, 'a.wav');
    await writeWavFile(file, { sampleRate: 24000, channels: [Float32Array.from([0.5, -0.25])] }, 'pcm24');
    const back = await readWavFile(file);
    expect(back.encoding).toBe('pcm24');
    expect(Array.from(back.channels[0]!)).toEqual([0.5, -0.25]);
    await expect(readWavFile(path.join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'file/not-found' });
    await expect(readWavFile(dir)).rejects.toMatchObject({ code: 'file/unreadable' });
    await expect(writeWavFile(path.join(dir, 'no', 'such', 'dir.wav'), back)).rejects.toMatchObject({ code: 'file/write-failed' });
  });

  it('refuses to write audio it cannot represent', () => {
    expect(codeOf(() => encodeWav({ sampleRate: 16000, channels: [] }))).toBe('audio/invalid-input');
    expect(codeOf(() => encodeWav({ sampleRate: 0, channels: [new Float32Array(1)] }))).toBe('audio/invalid-rate');
    expect(codeOf(() => encodeWav({ sampleRate: 16000, channels: [new Float32Array(1), new Float32Array(2)] }))).toBe('audio/invalid-input');
  });
});
