import { OggOpusDecoder as ReferenceDecoder } from 'ogg-opus-decoder';
import { describe, expect, it } from 'vitest';
import { resample } from '../../../../electron/engine/audio/resampler.js';
import { readWavFile } from '../../../../electron/engine/audio/wav.js';
import { OggOpusDecoder, OggOpusEncoder } from '../../../../electron/engine/codec/ogg-opus.js';
import { OggPacketReader } from '../../../../electron/engine/codec/ogg.js';
import { speechFile } from '../../../paths.js';

async function speech24k(): Promise<Float32Array> {
  const wav = await readWavFile(speechFile('librivox-ss01-0880.wav'));
  return resample(wav.channels[0]!, wav.sampleRate, 24000);
}

/**
 * How faithfully b reproduces a: correlation of their loudness envelopes (10 ms RMS windows), the
 * measure that matters for speech (Opus at speech bitrates does not keep the waveform's phase).
 */
function correlation(a: Float32Array, b: Float32Array): number {
  const env = (x: Float32Array) => {
    const out: number[] = [];
    for (let i = 0; i + 240 <= x.length; i += 240) {
      let s = 0;
      for (let j = i; j < i + 240; j++) s += x[j]! * x[j]!;
      out.push(Math.sqrt(s / 240));
    }
    return out;
  };
  const ea = env(a);
  const eb = env(b);
  const n = Math.min(ea.length, eb.length);
  const mean = (e: number[]) => e.slice(0, n).reduce((p, q) => p + q, 0) / n;
  const ma = mean(ea);
  const mb = mean(eb);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (ea[i]! - ma) * (eb[i]! - mb);
    aa += (ea[i]! - ma) ** 2;
    bb += (eb[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function encodeInChunks(pcm: Float32Array, chunk: number): Uint8Array[] {
  const enc = new OggOpusEncoder();
  const out: Uint8Array[] = [];
  for (let i = 0; i < pcm.length; i += chunk) out.push(enc.push(pcm.subarray(i, i + chunk)));
  out.push(enc.end());
  return out.filter((b) => b.length > 0);
}

describe('Ogg/Opus codec (24 kHz mono, as Moshi speaks it)', () => {
  it('encodes speech that our decoder and an independent one (ogg-opus-decoder) both decode faithfully', async () => {
    const pcm = await speech24k();
    const chunks = encodeInChunks(pcm, 1920); // Moshi's 80 ms frames
    const stream = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      stream.set(c, at);
      at += c.length;
    }
    // Headers: OpusHead alone on the BOS page, then OpusTags; every packet a 20 ms frame.
    const packets = new OggPacketReader().push(stream);
    expect(new TextDecoder().decode(packets[0]!.data.subarray(0, 8))).toBe('OpusHead');
    expect(packets[0]!.bos).toBe(true);
    expect(new TextDecoder().decode(packets[1]!.data.subarray(0, 8))).toBe('OpusTags');
    expect(packets.at(-1)!.eos).toBe(true);
    // Granule (48 kHz) of the last page = pre-skip + every input sample (RFC 7845 end trimming).
    const preSkip = new DataView(packets[0]!.data.buffer, packets[0]!.data.byteOffset).getUint16(10, true);
    expect(preSkip).toBe(312);
    expect(packets.at(-1)!.granule).toBe(BigInt(preSkip + pcm.length * 2));

    const ours = new OggOpusDecoder();
    const decoded = ours.push(stream);
    expect(Math.abs(decoded.length - pcm.length)).toBeLessThan(480);
    expect(correlation(pcm, decoded)).toBeGreaterThan(0.97);

    const reference = new ReferenceDecoder();
    await reference.ready;
    const ref = await reference.decodeFile(stream);
    reference.free();
    expect(ref.sampleRate).toBe(48000);
    expect(ref.errors).toEqual([]);
    // The reference honours our pre-skip and end trimming: exactly the input's length at 48 kHz (as
    // opusinfo/opusdec from opus-tools also report for these streams).
    expect(ref.samplesDecoded).toBe(pcm.length * 2);
    expect(correlation(pcm, resample(ref.channelData[0]!, 48000, 24000))).toBeGreaterThan(0.97);
  });

  it('decodes a stream however it is chunked, and survives damaged pages mid-stream', async () => {
    const pcm = (await speech24k()).subarray(0, 24000);
    const chunks = encodeInChunks(pcm, 480);
    const whole = new OggOpusDecoder().push(new Uint8Array(chunks.flatMap((c) => [...c])));
    const split = new OggOpusDecoder();
    const parts: Float32Array[] = [];
    const bytes = new Uint8Array(chunks.flatMap((c) => [...c]));
    for (let i = 0; i < bytes.length; i += 7) parts.push(split.push(bytes.subarray(i, i + 7)));
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(whole.length);

    const damaged = new OggOpusDecoder();
    let total = 0;
    chunks.forEach((c, i) => {
      const page = c.slice();
      if (i === 10) page[page.length - 3]! ^= 0x5a; // corrupt one page's payload: its CRC fails
      total += damaged.push(page).length;
    });
    expect(damaged.corruptPages).toBe(1);
    expect(total).toBe(whole.length - 480);
  });

  it('decodes at most maxSamples from one push and counts the packets it skipped undecoded', async () => {
    const pcm = (await speech24k()).subarray(0, 24000 * 3);
    const bytes = new Uint8Array(encodeInChunks(pcm, 480).flatMap((c) => [...c]));
    const decoder = new OggOpusDecoder();
    const out = decoder.push(bytes, 24000);
    expect(out.length).toBeGreaterThanOrEqual(24000);
    expect(out.length).toBeLessThan(24000 + 960); // stops within one packet of the cap
    expect(decoder.droppedPackets).toBeGreaterThan(90); // ~2 s of 20 ms packets
  });

  it('refuses a stream that is not Opus with a typed protocol error', () => {
    const notOpus = new OggPacketReader();
    expect(notOpus.push(new Uint8Array(100))).toEqual([]);
    const decoder = new OggOpusDecoder();
    // A valid Ogg page whose first packet is not an OpusHead (e.g. Vorbis).
    const enc = new OggOpusEncoder();
    const opusStream = enc.push(new Float32Array(960));
    const vorbis = opusStream.slice();
    vorbis.set(new TextEncoder().encode('\x01vorbis\x00'), 28);
    expect(() => decoder.push(vorbis)).toThrow(expect.objectContaining({ code: 'provider/protocol' }));
  });
});
