import { ParleyError } from '../errors.js';

/** Planar float audio: one Float32Array per channel, samples in [-1, 1]. */
export interface PcmAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/** A block of mono float samples at a known position in its stream. */
export interface PcmFrame {
  samples: Float32Array;
  sampleRate: number;
  /** Index of samples[0] in the stream, in samples at `sampleRate`. */
  startSample: number;
}

/** Rates the engine accepts from devices and files. */
export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 192000;

export function assertSampleRate(rate: number, what = 'sample rate'): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new ParleyError(
      'audio/invalid-rate',
      `${what} ${rate} Hz is not supported (expected an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz)`,
    );
  }
}

export function frameDurationMs(frame: PcmFrame): number {
  return (frame.samples.length / frame.sampleRate) * 1000;
}

export function int16ToFloat32(input: Int16Array): Float32Array {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! / 32768;
  return out;
}

/** Rounds to nearest on the same scale as int16ToFloat32 (so round trips are exact), clipping at full scale. */
export function float32ToInt16(input: Float32Array): Int16Array {
  const out = new Int16Array(input.length);
  for (let i = 0; i < input.length; i++) {
    out[i] = Math.max(-32768, Math.min(32767, Math.round(input[i]! * 32768)));
  }
  return out;
}

/** Averages channels into one. A single channel is returned as is (no copy). */
export function downmixToMono(channels: readonly Float32Array[]): Float32Array {
  const first = channels[0];
  if (!first) throw new ParleyError('audio/invalid-input', 'cannot downmix audio with no channels');
  if (channels.length === 1) return first;
  const n = first.length;
  for (const c of channels) {
    if (c.length !== n) throw new ParleyError('audio/invalid-input', 'channels differ in length');
  }
  const out = new Float32Array(n);
  const scale = 1 / channels.length;
  for (const c of channels) for (let i = 0; i < n; i++) out[i]! += c[i]!;
  for (let i = 0; i < n; i++) out[i]! *= scale;
  return out;
}

/** Interleaved samples (L R L R ...) to planar channels. */
export function deinterleave(samples: Float32Array, channelCount: number): Float32Array[] {
  if (!Number.isInteger(channelCount) || channelCount < 1) {
    throw new ParleyError('audio/invalid-input', `invalid channel count ${channelCount}`);
  }
  if (samples.length % channelCount !== 0) {
    throw new ParleyError('audio/invalid-input', `${samples.length} samples do not divide into ${channelCount} channels`);
  }
  const frames = samples.length / channelCount;
  const out = Array.from({ length: channelCount }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channelCount; c++) out[c]![f] = samples[f * channelCount + c]!;
  }
  return out;
}

export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Root mean square level of a block (0 for an empty block). */
export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let acc = 0;
  for (let i = 0; i < samples.length; i++) acc += samples[i]! * samples[i]!;
  return Math.sqrt(acc / samples.length);
}
