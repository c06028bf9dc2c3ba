/**
 * The last seconds of the user's (ungated) microphone, as a ring: the comparison replays its
 * last utterance through both architectures.
 */
export class MicHistory {
  private readonly ring: Float32Array;
  private written = 0;

  constructor(sampleRate: number, seconds: number) {
    this.ring = new Float32Array(Math.round(sampleRate * seconds));
  }

  write(audio: Float32Array): void {
    const size = this.ring.length;
    for (let i = 0; i < audio.length; i++) this.ring[(this.written + i) % size] = audio[i]!;
    this.written += audio.length;
  }

  /** The remembered audio, oldest first. */
  recording(): Float32Array {
    const size = this.ring.length;
    const n = Math.min(this.written, size);
    const out = new Float32Array(n);
    const start = this.written - n;
    for (let i = 0; i < n; i++) out[i] = this.ring[(start + i) % size]!;
    return out;
  }
}
