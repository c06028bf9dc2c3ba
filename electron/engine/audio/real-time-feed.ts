import type { Clock } from '../clock.js';

const RATE = 16000;
const BLOCK = RATE / 50; // 20 ms, as a microphone delivers

/**
 * Plays a 16 kHz recording into `push` as a microphone would (20 ms blocks at real-time pace),
 * then keeps sending silence, as a quiet room does, until `stop(tailMs)` says the listener is done
 * (tailMs: time since the recording ended). `cancelled()` stops it at any time, recording or not
 * (the listener is gone: audio into a dead call would only pretend to be heard).
 */
export async function feedInRealTime(push: (block: Float32Array) => Promise<void>, audio: Float32Array, clock: Clock, stop: (tailMs: number) => boolean, cancelled: () => boolean = () => false): Promise<void> {
  const silence = new Float32Array(BLOCK);
  const started = clock.now();
  const endsAt = started + (audio.length / RATE) * 1000;
  for (let i = 0; ; i += BLOCK) {
    const inInput = i < audio.length;
    if (cancelled()) return;
    if (!inInput && stop(clock.now() - endsAt)) return;
    await push(inInput ? audio.subarray(i, i + BLOCK) : silence);
    const wait = started + ((i + BLOCK) / RATE) * 1000 - clock.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
