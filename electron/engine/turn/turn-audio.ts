import { ParleyError } from '../errors.js';
import { SMART_TURN_WINDOW_SAMPLES } from './whisper-features.js';

/**
 * The latest audio of the user's turn, bounded: a ring buffer holding at most `capacity` samples
 * (default Smart Turn's 8 s at 16 kHz). Pushing never allocates; reading copies out in order.
 */
export class TurnAudioWindow {
  private readonly ring: Float32Array;
  /** Index the next sample is written to. */
  private head = 0;
  private filled = 0;

  constructor(readonly capacity: number = SMART_TURN_WINDOW_SAMPLES) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`TurnAudioWindow capacity must be a positive integer, got ${capacity}`);
    this.ring = new Float32Array(capacity);
  }

  /** Samples held (at most capacity). */
  get length(): number {
    return this.filled;
  }

  push(samples: Float32Array): void {
    const n = samples.length;
    const cap = this.capacity;
    if (n >= cap) {
      // Only the newest `capacity` samples survive.
      this.ring.set(samples.subarray(n - cap));
      this.head = 0;
      this.filled = cap;
      return;
    }
    const firstPart = Math.min(n, cap - this.head);
    this.ring.set(samples.subarray(0, firstPart), this.head);
    if (firstPart < n) this.ring.set(samples.subarray(firstPart), 0);
    this.head = (this.head + n) % cap;
    this.filled = Math.min(cap, this.filled + n);
  }

  /** The held samples, oldest first, copied into `out` (or a new array of exactly `length`). */
  read(out: Float32Array = new Float32Array(this.filled)): Float32Array {
    if (out.length !== this.filled) throw new ParleyError('audio/invalid-input', `read buffer must hold ${this.filled} samples, got ${out.length}`);
    const start = (this.head - this.filled + this.capacity) % this.capacity;
    const firstPart = Math.min(this.filled, this.capacity - start);
    out.set(this.ring.subarray(start, start + firstPart));
    if (firstPart < this.filled) out.set(this.ring.subarray(0, this.filled - firstPart), firstPart);
    return out;
  }

  /** Start of a new turn. */
  clear(): void {
    this.head = 0;
    this.filled = 0;
  }
}
