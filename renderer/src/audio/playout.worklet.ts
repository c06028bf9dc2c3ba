// Audio thread: plays the assistant's voice block by block and reports what actually sounded, so
// the engine can cut the transcript at what was heard and show text in step with audio.
import type { PlayoutCommand, PlayoutReport } from './worklet-messages';

const REPORT_EVERY = Math.round(sampleRate / 25); // every 40 ms of playback
/**
 * Jitter buffer: after the queue ran dry, playback starts again once this much audio is queued or
 * the oldest queued block has waited this long. A reply's chunks then play without stutter when the
 * network delivers them unevenly, at a cost of at most this much added latency (none when the
 * first chunk is already this long, as TTS chunks usually are).
 */
const JITTER_SAMPLES = Math.round(sampleRate * 0.03);

class PlayoutProcessor extends AudioWorkletProcessor {
  private queue: { block: number; samples: Float32Array; offset: number }[] = [];
  private epoch = 0;
  private played = 0;
  private sinceReport = 0;
  private paused = false;
  private active = false;
  private energy = 0;
  private energyCount = 0;
  /** Samples of output rendered (silence included) while waiting to start: the jitter wait so far. */
  private waited = 0;

  constructor() {
    super();
    this.port.onmessage = (e: MessageEvent<PlayoutCommand>) => this.command(e.data);
  }

  private command(c: PlayoutCommand): void {
    if (c.type === 'control') {
      if (c.op === 'flush') {
        this.queue = [];
        this.epoch = c.epoch;
        this.played = 0;
        this.sinceReport = 0;
        this.paused = false;
        this.active = false;
        this.waited = 0;
      } else if (c.epoch === this.epoch) this.paused = c.op === 'pause';
      return;
    }
    if (c.epoch === this.epoch) this.queue.push({ block: c.block, samples: c.samples, offset: 0 });
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (!out) return true;
    out.fill(0);
    if (this.paused || this.queue.length === 0) return true;
    if (!this.active) {
      // Idle until enough is queued (or the wait is over): see JITTER_SAMPLES.
      const queued = this.queue.reduce((n, b) => n + b.samples.length - b.offset, 0);
      if (queued < JITTER_SAMPLES && this.waited < JITTER_SAMPLES) {
        this.waited += out.length;
        return true;
      }
      this.waited = 0;
    }
    let at = 0;
    while (at < out.length && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.offset === 0) this.send({ type: 'block-started', epoch: this.epoch, block: head.block });
      const take = Math.min(out.length - at, head.samples.length - head.offset);
      out.set(head.samples.subarray(head.offset, head.offset + take), at);
      head.offset += take;
      at += take;
      if (head.offset === head.samples.length) this.queue.shift();
    }
    this.active = true;
    for (let i = 0; i < at; i++) this.energy += out[i]! * out[i]!;
    this.energyCount += at;
    this.played += at;
    this.sinceReport += at;
    const drained = this.queue.length === 0;
    if (drained || this.sinceReport >= REPORT_EVERY) this.report(drained);
    // Other channels (a stereo destination) carry the same voice.
    for (let ch = 1; ch < (outputs[0]?.length ?? 0); ch++) outputs[0]![ch]!.set(out);
    return true;
  }

  private report(drained: boolean): void {
    if (!this.active) return;
    const level = this.energyCount > 0 ? Math.sqrt(this.energy / this.energyCount) : 0;
    this.send({ type: 'played', epoch: this.epoch, samples: this.played, drained, level });
    this.sinceReport = 0;
    this.energy = 0;
    this.energyCount = 0;
    if (drained) this.active = false;
  }

  private send(report: PlayoutReport): void {
    this.port.postMessage(report);
  }
}

registerProcessor('parley-playout', PlayoutProcessor);
