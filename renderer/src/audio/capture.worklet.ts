// Audio thread: collects the microphone into 20 ms frames of Int16 PCM for the engine.
import type { CaptureFrame } from './worklet-messages';

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly frame = new Float32Array(Math.round(sampleRate / 50));
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    if (!input) return true;
    let at = 0;
    while (at < input.length) {
      const take = Math.min(input.length - at, this.frame.length - this.filled);
      this.frame.set(input.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      if (this.filled === this.frame.length) this.emit();
    }
    return true;
  }

  private emit(): void {
    const pcm = new Int16Array(this.frame.length);
    let sum = 0;
    for (let i = 0; i < this.frame.length; i++) {
      const s = Math.max(-1, Math.min(1, this.frame[i]!));
      sum += s * s;
      pcm[i] = s < 0 ? s * 0x8000 : s * 0x7fff;
    }
    this.filled = 0;
    const message: CaptureFrame = { pcm: pcm.buffer, level: Math.sqrt(sum / this.frame.length) };
    this.port.postMessage(message, [pcm.buffer]);
  }
}

registerProcessor('parley-capture', CaptureProcessor);
