import { ParleyError } from '../errors.js';

/**
 * Cuts a stream of arbitrarily sized sample blocks into fixed-size frames (e.g. 512 samples for
 * Silero at 16 kHz), carrying the remainder between pushes. Each returned frame is a fresh array
 * that the caller may keep.
 */
export class FrameChunker {
  private readonly pending: Float32Array;
  private fill = 0;
  private emitted = 0;

  constructor(readonly frameSize: number) {
    if (!Number.isInteger(frameSize) || frameSize < 1) {
      throw new ParleyError('audio/invalid-input', `frame size must be a positive integer, got ${frameSize}`);
    }
    this.pending = new Float32Array(frameSize);
  }

  /** Samples held back, waiting for a full frame. */
  get pendingSamples(): number {
    return this.fill;
  }

  /** Frames emitted so far (including a padded flush). */
  get framesEmitted(): number {
    return this.emitted;
  }

  push(samples: Float32Array): Float32Array[] {
    const frames: Float32Array[] = [];
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(this.frameSize - this.fill, samples.length - i);
      this.pending.set(samples.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
      if (this.fill === this.frameSize) {
        frames.push(this.pending.slice());
        this.fill = 0;
        this.emitted++;
      }
    }
    return frames;
  }

  /** The remainder zero-padded to a full frame, or null when nothing is pending. */
  flush(): Float32Array | null {
    if (this.fill === 0) return null;
    const frame = new Float32Array(this.frameSize);
    frame.set(this.pending.subarray(0, this.fill));
    this.fill = 0;
    this.emitted++;
    return frame;
  }

  reset(): void {
    this.fill = 0;
    this.emitted = 0;
  }
}
