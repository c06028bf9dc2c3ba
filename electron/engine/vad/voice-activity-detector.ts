import { FrameChunker } from '../audio/frame-chunker.js';
import { Resampler } from '../audio/resampler.js';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { Endpointer, type EndpointerEvent, type EndpointerOptions } from './endpointer.js';
import type { SpeechProbabilityModel } from './silero.js';

export type VadEvent = EndpointerEvent & {
  /** Clock time when the event was decided (for latency spans). */
  detectedAt: number;
};

export interface VoiceActivityDetectorOptions extends Omit<EndpointerOptions, 'frameMs'> {
  /** Rate of the audio pushed in; resampled to the model's rate when different. Default: the model's. */
  inputRate?: number;
  /** Keep utterance audio (with pre-roll) on speech-end events. Default true. */
  collectAudio?: boolean;
  clock?: Clock;
  /** Called with every frame's speech probability (barge-in, meters, tests), and the frame itself. */
  onProbability?: (probability: number, frameStartMs: number, frame: Float32Array) => void;
}

/**
 * Streaming VAD: audio in (any rate, any block size), speech-start / speech-end / misfire events
 * out. Owns the resampler and frame chunker; the model scores frames, the Endpointer decides.
 * push() calls must be awaited in order (the model is recurrent).
 */
export class VoiceActivityDetector {
  readonly endpointer: Endpointer;
  private readonly chunker: FrameChunker;
  private readonly resampler: Resampler | undefined;
  private readonly clock: Clock;
  private readonly collectAudio: boolean;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly model: SpeechProbabilityModel,
    private readonly options: VoiceActivityDetectorOptions = {},
  ) {
    const frameMs = (model.frameSamples / model.sampleRate) * 1000;
    this.endpointer = new Endpointer({ ...options, frameMs });
    this.chunker = new FrameChunker(model.frameSamples);
    const inputRate = options.inputRate ?? model.sampleRate;
    this.resampler = inputRate === model.sampleRate ? undefined : new Resampler({ inputRate, outputRate: model.sampleRate });
    this.clock = options.clock ?? systemClock;
    this.collectAudio = options.collectAudio ?? true;
  }

  /** Feeds audio; resolves with the events it caused. */
  push(samples: Float32Array): Promise<VadEvent[]> {
    const frames = this.chunker.push(this.resampler ? this.resampler.process(samples) : samples);
    return this.serialize(() => this.run(frames));
  }

  /** Ends the stream: scores the remainder (zero-padded) and closes any open utterance. */
  end(): Promise<VadEvent[]> {
    const tail = this.resampler ? this.resampler.flush() : new Float32Array(0);
    const frames = this.chunker.push(tail);
    const last = this.chunker.flush();
    if (last) frames.push(last);
    return this.serialize(async () => {
      const events = await this.run(frames);
      events.push(...this.stamp(this.endpointer.finish()));
      return events;
    });
  }

  /** Starts a new stream (forgets model state, buffered audio and any open utterance). */
  reset(): void {
    this.model.reset();
    this.chunker.reset();
    this.resampler?.reset();
    this.endpointer.reset();
  }

  private async run(frames: Float32Array[]): Promise<VadEvent[]> {
    const events: VadEvent[] = [];
    for (const frame of frames) {
      const startMs = this.endpointer.positionMs;
      const p = await this.model.process(frame);
      if (!Number.isFinite(p)) throw new ParleyError('onnx/inference-failed', `VAD model returned ${p}`);
      this.options.onProbability?.(p, startMs, frame);
      events.push(...this.stamp(this.endpointer.process(Math.min(1, Math.max(0, p)), this.collectAudio ? frame : undefined)));
    }
    return events;
  }

  private stamp(events: EndpointerEvent[]): VadEvent[] {
    if (events.length === 0) return [];
    const detectedAt = this.clock.now();
    return events.map((e) => ({ ...e, detectedAt }));
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
