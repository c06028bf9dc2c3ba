// Ogg/Opus streams (RFC 7845) for speech-to-speech models: the one module that imports the Opus
// library (@evan/opus: prebuilt N-API binaries for Linux/macOS/Windows, WASM fallback, no
// compilation at install).
import { createRequire } from 'node:module';
import type * as OpusModule from '@evan/opus';
import { ParleyError } from '../errors.js';
import { concatFloat32 } from '../audio/pcm.js';
import { OggPacketReader, OggPageWriter, concatBytes } from './ogg.js';

const require = createRequire(import.meta.url);
let opusModule: typeof OpusModule | undefined;
/** The Opus library, loaded when the first encoder or decoder is made (only speech-to-speech needs it). */
function opus(): typeof OpusModule {
  opusModule ??= require('@evan/opus') as typeof OpusModule;
  return opusModule;
}

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** Opus frame sizes (ms) an encoder may use. */
export type OpusFrameMs = 10 | 20 | 40 | 60;

export interface OggOpusEncoderOptions {
  /** Input PCM rate. Default 24000 (Moshi's). */
  sampleRate?: OpusRate;
  /** Duration of one Opus packet (ms). Default 20. */
  frameMs?: OpusFrameMs;
  /** Packets per Ogg page: 1 sends every packet at once (lowest latency). Default 1. */
  packetsPerPage?: number;
  /** Target bitrate (bit/s). Default 32000 (clear speech at 24 kHz). */
  bitrate?: number;
}

/**
 * Microphone PCM in (any chunk size), Ogg/Opus bytes out: the header pages (OpusHead, OpusTags)
 * first, then pages of Opus packets with granule positions in 48 kHz samples as RFC 7845 wants.
 */
export class OggOpusEncoder {
  readonly sampleRate: OpusRate;
  private readonly encoder: OpusModule.Encoder;
  private readonly writer = new OggPageWriter();
  private readonly frame: Int16Array;
  private filled = 0;
  private pending: Uint8Array[] = [];
  private readonly packetsPerPage: number;
  /**
   * Granule = 48 kHz samples the packets so far decode to. The decoder's output runs `preSkip`
   * behind the input (the encoder's lookahead), so the stream's length is the final granule
   * minus the pre-skip.
   */
  private granule = 0n;
  /** Input samples (at sampleRate) taken so far. */
  private input = 0;
  private headersSent = false;
  private readonly preSkip48: number;
  private readonly lookahead: number;

  constructor(options: OggOpusEncoderOptions = {}) {
    this.sampleRate = options.sampleRate ?? 24000;
    this.encoder = new (opus().Encoder)({ channels: 1, sample_rate: this.sampleRate, application: 'voip' });
    this.encoder.bitrate = options.bitrate ?? 32000;
    this.frame = new Int16Array((this.sampleRate * (options.frameMs ?? 20)) / 1000);
    this.packetsPerPage = Math.max(1, options.packetsPerPage ?? 1);
    this.lookahead = (this.encoder as unknown as { lookahead: number }).lookahead; // typed 'lookhead' in the package's d.ts
    this.preSkip48 = Math.round((this.lookahead * 48000) / this.sampleRate);
  }

  /** Encodes what fills whole frames; returns the Ogg bytes ready to send (maybe none yet). */
  push(samples: Float32Array): Uint8Array {
    const out: Uint8Array[] = [];
    if (!this.headersSent) out.push(this.headers());
    this.input += samples.length;
    this.encodeFrames(samples, out);
    return concatBytes(out);
  }

  /** Flushes the encoder's lookahead and the last partial frame, and closes the stream (EOS page). */
  end(): Uint8Array {
    const out: Uint8Array[] = [];
    if (!this.headersSent) out.push(this.headers());
    // The tail of the input is still inside the encoder: push silence until it is out.
    const tail = new Float32Array(this.lookahead + (this.frame.length - ((this.filled + this.lookahead) % this.frame.length || this.frame.length)));
    this.encodeFrames(tail, out, true);
    // End trimming (RFC 7845 section 4.4): the last granule marks where the real audio ends.
    const end = BigInt(this.preSkip48 + Math.round((this.input * 48000) / this.sampleRate));
    out.push(this.writer.pagePackets(this.pending, end < this.granule ? end : this.granule, { eos: true }));
    this.pending = [];
    return concatBytes(out);
  }

  private encodeFrames(samples: Float32Array, out: Uint8Array[], holdLastPage = false): void {
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(samples.length - at, this.frame.length - this.filled);
      for (let i = 0; i < take; i++) {
        const s = Math.max(-1, Math.min(1, samples[at + i]!));
        this.frame[this.filled + i] = s < 0 ? s * 0x8000 : s * 0x7fff;
      }
      this.filled += take;
      at += take;
      if (this.filled === this.frame.length) {
        this.pending.push(this.encoder.encode(this.frame).slice());
        this.granule += BigInt((this.frame.length * 48000) / this.sampleRate);
        this.filled = 0;
        const last = holdLastPage && at >= samples.length;
        if (this.pending.length >= this.packetsPerPage && !last) out.push(this.flushPage());
      }
    }
  }

  private flushPage(): Uint8Array {
    const page = this.writer.pagePackets(this.pending, this.granule);
    this.pending = [];
    return page;
  }

  private headers(): Uint8Array {
    this.headersSent = true;
    const head = new Uint8Array(19);
    const view = new DataView(head.buffer);
    head.set(new TextEncoder().encode('OpusHead'), 0);
    head[8] = 1; // version
    head[9] = 1; // channels
    view.setUint16(10, this.preSkip48, true);
    view.setUint32(12, this.sampleRate, true); // original input rate (informational)
    view.setInt16(16, 0, true); // output gain
    head[18] = 0; // mapping family 0: mono/stereo
    const vendor = new TextEncoder().encode('parley');
    const tags = new Uint8Array(8 + 4 + vendor.length + 4);
    const tv = new DataView(tags.buffer);
    tags.set(new TextEncoder().encode('OpusTags'), 0);
    tv.setUint32(8, vendor.length, true);
    tags.set(vendor, 12);
    tv.setUint32(12 + vendor.length, 0, true); // no user comments
    // RFC 7845: OpusHead alone on the first page, OpusTags on its own page(s), both granule 0.
    return concatBytes([this.writer.pagePackets([head], 0n), this.writer.pagePackets([tags], 0n)]);
  }
}

export interface OggOpusDecodeResult {
  /** Decoded PCM at the decoder's rate (pre-skip removed). */
  samples: Float32Array;
  /** Packets that could not be decoded (skipped). */
  badPackets: number;
}

/**
 * Ogg/Opus bytes in (any chunking: pages may be split or joined), PCM out. Validates the
 * OpusHead, removes the pre-skip, and survives damaged pages and packets (they are counted and
 * skipped, so a live stream keeps playing).
 */
export class OggOpusDecoder {
  readonly sampleRate: OpusRate;
  // An Opus packet is at most 120 ms of 1275-byte frames (RFC 6716: 48 x 1275 = 61,200 bytes).
  private readonly reader = new OggPacketReader({ maxPacketBytes: 65_536 });
  private readonly decoder: OpusModule.Decoder;
  private headerSeen = false;
  private tagsSeen = false;
  private skip = 0;
  badPackets = 0;
  /** Packets skipped undecoded because one push already produced `maxSamples`. */
  droppedPackets = 0;

  constructor(sampleRate: OpusRate = 24000) {
    this.sampleRate = sampleRate;
    this.decoder = new (opus().Decoder)({ channels: 1, sample_rate: sampleRate });
  }

  /** Pages or bytes that could not be read as Ogg (garbage, bad CRC, lost continuation). */
  get corruptPages(): number {
    return this.reader.corrupt;
  }

  /**
   * Decodes what `bytes` complete. At most `maxSamples` come out of one push: a live stream never
   * needs more at once, and a flood (minutes of audio in one message) must not become gigabytes of
   * PCM; the rest is skipped undecoded and counted in droppedPackets.
   */
  push(bytes: Uint8Array, maxSamples = Infinity): Float32Array {
    const out: Float32Array[] = [];
    let produced = 0;
    for (const packet of this.reader.push(bytes)) {
      if (!this.headerSeen) {
        this.readHead(packet.data);
        continue;
      }
      if (!this.tagsSeen && startsWith(packet.data, 'OpusTags')) {
        this.tagsSeen = true;
        continue;
      }
      if (produced >= maxSamples) {
        this.droppedPackets++;
        continue;
      }
      let pcm: Uint8Array;
      try {
        pcm = this.decoder.decode(packet.data);
      } catch {
        this.badPackets++;
        continue;
      }
      const ints = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
      let floats = new Float32Array(ints.length);
      for (let i = 0; i < ints.length; i++) floats[i] = ints[i]! / 0x8000;
      if (this.skip > 0) {
        const drop = Math.min(this.skip, floats.length);
        floats = floats.subarray(drop);
        this.skip -= drop;
      }
      if (floats.length > 0) out.push(floats);
      produced += floats.length;
    }
    return concatFloat32(out);
  }

  private readHead(data: Uint8Array): void {
    if (!startsWith(data, 'OpusHead') || data.length < 19) {
      throw new ParleyError('provider/protocol', 'the audio stream does not start with an Opus header (OpusHead)');
    }
    if ((data[8]! & 0xf0) !== 0) throw new ParleyError('provider/protocol', `unsupported Ogg/Opus version ${data[8]}`);
    const channels = data[9]!;
    if (channels !== 1 && channels !== 2) throw new ParleyError('provider/protocol', `unsupported Opus channel count ${channels}`);
    if (channels === 2) throw new ParleyError('provider/protocol', 'stereo Opus streams are not supported (expected mono)');
    const preSkip48 = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint16(10, true);
    this.skip = Math.round((preSkip48 * this.sampleRate) / 48000);
    this.headerSeen = true;
  }
}

function startsWith(data: Uint8Array, magic: string): boolean {
  if (data.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (data[i] !== magic.charCodeAt(i)) return false;
  return true;
}
