import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, type WavEncoding } from '../../../../electron/engine/audio/wav.js';
import { monoBlocks, openWavStream, type WavFileHandle } from '../../../../electron/engine/audio/wav-stream.js';
import { resample } from '../../../../electron/engine/audio/resampler.js';
import { downmixToMono } from '../../../../electron/engine/audio/pcm.js';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { sine } from '../../../helpers/signals.js';
import { buildWav, writeSilentWav } from '../../../helpers/wav-files.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'parley-wav-stream-'));

function fileWith(bytes: Uint8Array, name = 'a.wav'): string {
  const file = path.join(tmp(), name);
  writeFileSync(file, bytes);
  return file;
}

async function readAll(file: string, chunkBytes?: number): Promise<{ channels: Float32Array[]; chunkFrames: number[] }> {
  const stream = await openWavStream(file, chunkBytes ? { chunkBytes } : {});
  const parts: Float32Array[][] = [];
  for await (const chunk of stream.chunks()) parts.push(chunk);
  const channels = Array.from({ length: stream.channelCount }, (_, c) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[c]!.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p[c]!, at);
      at += p[c]!.length;
    }
    return out;
  });
  return { channels, chunkFrames: parts.map((p) => p[0]!.length) };
}

async function streamError(file: string): Promise<ParleyError> {
  try {
    await readAll(file);
  } catch (e) {
    if (e instanceof ParleyError) return e;
    throw e;
  }
  throw new Error(`${file} was read without an error`);
}

function decodeError(bytes: Uint8Array): ParleyError {
  try {
    decodeWav(bytes);
  } catch (e) {
    if (e instanceof ParleyError) return e;
    throw e;
  }
  throw new Error('decoded without an error');
}

describe('openWavStream', () => {
  const encodings: WavEncoding[] = ['pcm8', 'pcm16', 'pcm24', 'pcm32', 'float32', 'float64'];
  it.each(encodings)('streams %s stereo sample for sample as the whole-file decoder reads it, in bounded chunks', async (encoding) => {
    const bytes = encodeWav({ sampleRate: 44100, channels: [sine(440, 44100, 0.05, 0.8), sine(1000, 44100, 0.05, -0.3)] }, encoding);
    const whole = decodeWav(bytes);
    const chunkBytes = 1000;
    const streamed = await readAll(fileWith(bytes), chunkBytes);
    expect(streamed.channels).toEqual(whole.channels);
    const frameBytes = 2 * { pcm8: 1, pcm16: 2, pcm24: 3, pcm32: 4, float32: 4, float64: 8 }[encoding];
    expect(streamed.chunkFrames.length).toBeGreaterThan(1);
    for (const n of streamed.chunkFrames) expect(n * frameBytes).toBeLessThanOrEqual(chunkBytes);
  });

  it('reports the format before reading any samples', async () => {
    const stream = await openWavStream(fileWith(encodeWav({ sampleRate: 22050, channels: [new Float32Array(100), new Float32Array(100), new Float32Array(100)] }, 'pcm24')));
    expect(stream).toMatchObject({ sampleRate: 22050, channelCount: 3, encoding: 'pcm24', frames: 100 });
    await stream.close();
  });

  it('gives the same typed errors as the whole-file decoder for every kind of bad file', async () => {
    const notWave = buildWav({});
    notWave.set([65, 86, 73, 32], 8);
    const noFmt = buildWav({});
    noFmt.set([106, 117, 110, 107], 12);
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      new TextEncoder().encode('this is definitely not a wav file at all'),
      notWave,
      buildWav({}).subarray(0, 8),
      buildWav({}).subarray(0, 30),
      buildWav({ data: new Uint8Array(100) }).subarray(0, 80),
      buildWav({ format: 2, bits: 4, blockAlign: 256 }),
      buildWav({ bits: 12, blockAlign: 2 }),
      buildWav({ data: new Uint8Array(0) }),
      buildWav({ blockAlign: 3 }),
      buildWav({ channels: 0, blockAlign: 0 }),
      buildWav({}).subarray(0, 36),
      noFmt,
    ];
    for (const bytes of bad) {
      const file = fileWith(bytes);
      const want = decodeError(bytes);
      const got = await streamError(file);
      expect({ code: got.code, message: got.message }).toEqual({ code: want.code, message: `${file}: ${want.message}` });
    }
  });

  it('reads a WAV whose data size was never filled in up to the end of the file', async () => {
    const { channels } = await readAll(fileWith(buildWav({ data: Uint8Array.from([0, 0x40, 0, 0x40, 0, 0xc0]), dataSize: 0xffffffff })));
    expect(Array.from(channels[0]!)).toEqual([0.5, 0.5, -0.5]);
  });

  it('names a missing file and a folder', async () => {
    const dir = tmp();
    await expect(openWavStream(path.join(dir, 'missing.wav'))).rejects.toMatchObject({ code: 'file/not-found' });
    await expect(openWavStream(dir)).rejects.toMatchObject({ code: 'file/unreadable', message: expect.stringMatching(/is a directory/) });
  });

  it('says when a file shrinks while it is being read', async () => {
    const bytes = encodeWav({ sampleRate: 16000, channels: [new Float32Array(4000)] });
    const file = fileWith(bytes);
    // A handle that reports the full size but whose reads stop half-way (the file was cut meanwhile).
    const shrinking = async (p: string): Promise<WavFileHandle> => {
      const h = await open(p, 'r');
      return {
        stat: () => h.stat(),
        read: (buffer, offset, length, position) => (position >= 44 + 4000 ? Promise.resolve({ bytesRead: 0 }) : h.read(buffer, offset, Math.min(length, 44 + 4000 - position), position)),
        close: () => h.close(),
      };
    };
    const stream = await openWavStream(file, { chunkBytes: 512, open: shrinking });
    await expect(
      (async () => {
        for await (const chunk of stream.chunks()) void chunk;
      })(),
    ).rejects.toMatchObject({ code: 'wav/truncated', message: expect.stringMatching(/changed while it was read|ended early/) });
  });

  it('reads a large file lazily, one bounded chunk at a time', async () => {
    // 64 MiB of float64 stereo silence (sparse: no disk cost).
    const file = path.join(tmp(), 'big.wav');
    const dataBytes = 64 * 1024 * 1024;
    writeSilentWav(file, dataBytes);
    const reads: number[] = [];
    let handleOpen = false;
    const counting = async (p: string): Promise<WavFileHandle> => {
      const h = await open(p, 'r');
      handleOpen = true;
      return {
        stat: () => h.stat(),
        read: (buffer, offset, length, position) => {
          reads.push(length);
          return h.read(buffer, offset, length, position);
        },
        close: async () => {
          handleOpen = false;
          await h.close();
        },
      };
    };
    const chunkBytes = 256 * 1024;
    const stream = await openWavStream(file, { chunkBytes, open: counting });
    expect(stream.frames).toBe(dataBytes / 16);
    let chunks = 0;
    let frames = 0;
    const headerReads = reads.length;
    for await (const chunk of stream.chunks()) {
      chunks++;
      frames += chunk[0]!.length;
      // Pulled, not pushed: when the consumer holds chunk k, exactly k chunk reads have happened.
      expect(reads.length - headerReads).toBe(chunks);
    }
    expect(frames).toBe(dataBytes / 16);
    expect(chunks).toBe(dataBytes / chunkBytes);
    expect(Math.max(...reads)).toBeLessThanOrEqual(chunkBytes);
    expect(handleOpen).toBe(false);
  });

  it('closes the file when the consumer stops early', async () => {
    const file = path.join(tmp(), 'big.wav');
    writeSilentWav(file, 4 * 1024 * 1024);
    let closed = false;
    const stream = await openWavStream(file, {
      chunkBytes: 4096,
      open: async (p) => {
        const h = await open(p, 'r');
        return { stat: () => h.stat(), read: (...a) => h.read(...a), close: () => ((closed = true), h.close()) };
      },
    });
    for await (const chunk of stream.chunks()) {
      void chunk;
      break;
    }
    expect(closed).toBe(true);
  });
});

describe('monoBlocks', () => {
  it('downmixes and resamples chunk by chunk exactly as the whole-signal path does', async () => {
    const left = sine(440, 44100, 0.5, 0.8);
    const right = sine(1000, 44100, 0.5, -0.3);
    const file = fileWith(encodeWav({ sampleRate: 44100, channels: [left, right] }, 'float32'));
    const stream = await openWavStream(file, { chunkBytes: 3000 });
    const blocks: Float32Array[] = [];
    for await (const b of monoBlocks(stream.chunks(), 44100, 16000, 320)) blocks.push(b);
    const whole = resample(downmixToMono([left, right]), 44100, 16000);
    expect(blocks.slice(0, -1).every((b) => b.length === 320)).toBe(true);
    const joined = new Float32Array(blocks.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of blocks) {
      joined.set(b, at);
      at += b.length;
    }
    expect(joined.length).toBe(whole.length);
    for (let i = 0; i < whole.length; i++) expect(Math.abs(joined[i]! - whole[i]!)).toBeLessThan(1e-6);
  });
});
