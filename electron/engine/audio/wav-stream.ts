import { open as openFile } from 'node:fs/promises';
import { ParleyError, describeError } from '../errors.js';
import { FrameChunker } from './frame-chunker.js';
import { downmixToMono } from './pcm.js';
import { Resampler } from './resampler.js';
import { decodeSamples, parseWavLayout, type WavEncoding } from './wav.js';

/** The part of a node:fs FileHandle the reader uses; injectable so tests can watch or fault the reads. */
export interface WavFileHandle {
  stat(): Promise<{ size: number; isFile(): boolean; isDirectory(): boolean }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
}

export interface WavStreamOptions {
  /** Upper bound on the bytes read (and decoded) at a time. Default 256 KiB. */
  chunkBytes?: number;
  open?: (path: string) => Promise<WavFileHandle>;
}

/** A WAV file read from disk a bounded chunk at a time: the format up front, the samples on demand. */
export interface WavStream {
  sampleRate: number;
  channelCount: number;
  encoding: WavEncoding;
  frames: number;
  /**
   * Planar float chunks, in order, each at most `chunkBytes` of the file. Reads happen only as the
   * consumer pulls, so memory stays bounded whatever the file's size. Closes the file when done
   * (also when the consumer stops early).
   */
  chunks(): AsyncGenerator<Float32Array[]>;
  close(): Promise<void>;
}

const DEFAULT_CHUNK_BYTES = 256 * 1024;

/** Opens a WAV for streaming, with the same validations and typed errors as readWavFile. */
export async function openWavStream(path: string, options: WavStreamOptions = {}): Promise<WavStream> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  let handle: WavFileHandle;
  try {
    handle = await (options.open ?? ((p) => openFile(p, 'r')))(path);
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new ParleyError('file/unreadable', `${path} is a directory, not a WAV file`);
    if (!stat.isFile()) throw new ParleyError('file/unreadable', `${path} is not a regular file`);
    const total = stat.size;
    const parser = parseWavLayout(total);
    let step = parser.next();
    while (!step.done) step = parser.next(await readAt(handle, step.value.at, step.value.length));
    const layout = step.value;
    const framesPerChunk = Math.max(1, Math.floor(chunkBytes / layout.blockAlign));
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    async function* chunks(): AsyncGenerator<Float32Array[]> {
      const buffer = new Uint8Array(framesPerChunk * layout.blockAlign);
      const view = new DataView(buffer.buffer);
      try {
        for (let done = 0; done < layout.frames; ) {
          const frames = Math.min(framesPerChunk, layout.frames - done);
          const length = frames * layout.blockAlign;
          const got = await readFully(handle, buffer, length, layout.dataOffset + done * layout.blockAlign);
          if (got < length) {
            throw new ParleyError('wav/truncated', `truncated WAV: the file ended early or changed while it was read (${done + Math.floor(got / layout.blockAlign)} of ${layout.frames} frames)`);
          }
          done += frames;
          yield decodeSamples(view, 0, frames, layout.channelCount, layout.encoding);
        }
      } catch (e) {
        throw withPath(path, e);
      } finally {
        await close();
      }
    }
    return { sampleRate: layout.sampleRate, channelCount: layout.channelCount, encoding: layout.encoding, frames: layout.frames, chunks, close };
  } catch (e) {
    await handle.close().catch(() => undefined);
    throw withPath(path, e);
  }
}

/**
 * A stream of planar chunks as mono blocks of `blockSize` samples at `outputRate` (the last block
 * may be shorter): downmixed and resampled chunk by chunk, the same samples as converting the
 * whole signal at once.
 */
export function monoBlocks(chunks: AsyncIterable<Float32Array[]>, inputRate: number, outputRate: number, blockSize: number): AsyncGenerator<Float32Array> {
  // Built now, not on the first pull, so an unsupported rate is reported before any work starts.
  const resampler = new Resampler({ inputRate, outputRate });
  const chunker = new FrameChunker(blockSize);
  return (async function* () {
    for await (const chunk of chunks) yield* chunker.push(resampler.process(downmixToMono(chunk)));
    yield* chunker.push(resampler.flush());
    const rest = chunker.pendingSamples;
    const last = chunker.flush();
    if (last) yield last.subarray(0, rest);
  })();
}

async function readAt(handle: WavFileHandle, at: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  const got = await readFully(handle, buffer, length, at);
  return buffer.subarray(0, got);
}

/** Reads until `length` bytes or the end of the file; returns how many were read. */
async function readFully(handle: WavFileHandle, buffer: Uint8Array, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, got, length - got, position + got));
    } catch (e) {
      throw new ParleyError('file/unreadable', `cannot read the file: ${describeError(e)}`, { cause: e });
    }
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

function openError(path: string, e: unknown): ParleyError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ParleyError('file/not-found', `file not found: ${path}`, { cause: e });
  if (code === 'EISDIR') return new ParleyError('file/unreadable', `${path} is a directory, not a WAV file`, { cause: e });
  return new ParleyError('file/unreadable', `cannot read ${path}: ${describeError(e)}`, { cause: e });
}

/** Format errors name the file, as readWavFile's do. */
function withPath(path: string, e: unknown): unknown {
  if (e instanceof ParleyError && e.code.startsWith('wav/')) return new ParleyError(e.code, `${path}: ${e.message}`, { cause: e });
  if (e instanceof ParleyError && e.code === 'file/unreadable' && !e.message.includes(path)) return new ParleyError(e.code, `${path}: ${e.message}`, { cause: e });
  return e;
}
