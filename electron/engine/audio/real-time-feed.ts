import { sleepOn, type Clock } from '../clock.js';

const RATE = 16000;
const BLOCK = RATE / 50; // 20 ms, as a microphone delivers

/**
 * Plays a 16 kHz recording into `push` as a microphone would (20 ms blocks at real-time pace on `clock`),
 * then keeps sending silence, as a quiet room does, until `stop(tailMs)` says the listener is done
 * (tailMs: time since the recording ended). The recording may be a stream of blocks (e.g. a WAV
 * read from disk a chunk at a time), pulled only as fast as it is played. `cancelled()` stops it at
 * any time, recording or not (the listener is gone: audio into a dead call would only pretend to
 * be heard).
 */
export async function feedInRealTime(
  push: (block: Float32Array) => Promise<void>,
  audio: Float32Array | AsyncIterable<Float32Array>,
  clock: Clock,
  stop: (tailMs: number) => boolean,
  cancelled: () => boolean = () => false,
): Promise<void> {
  const silence = new Float32Array(BLOCK);
  const started = clock.now();
  let sent = 0;
  const send = async (block: Float32Array) => {
    await push(block);
    sent += block.length;
    const wait = started + (sent / RATE) * 1000 - clock.now();
    if (wait > 0) await sleepOn(clock, wait);
  };
  for await (const block of audio instanceof Float32Array ? blocksOf(audio) : audio) {
    if (cancelled()) return;
    await send(block);
  }
  const endsAt = started + (sent / RATE) * 1000;
  while (!cancelled() && !stop(clock.now() - endsAt)) await send(silence);
}

function* blocksOf(audio: Float32Array): Generator<Float32Array> {
  for (let i = 0; i < audio.length; i += BLOCK) yield audio.subarray(i, i + BLOCK);
}
