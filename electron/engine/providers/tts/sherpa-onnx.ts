import { z } from 'zod';
import { float32ToInt16 } from '../../audio/pcm.js';
import { Resampler } from '../../audio/resampler.js';
import { ParleyError } from '../../errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { SherpaClient, sharedClient, type SherpaMessage } from '../sherpa/client.js';
import { defaultSherpaHost, type SherpaHostFactory } from '../sherpa/host.js';
import { checkFiles, modelFolder, ttsSpec } from '../sherpa/model-files.js';
import type { ProviderContext, TtsEvent, TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';

const NAME = 'Local voice (sherpa-onnx)';

export const SherpaTtsSettingsSchema = z.object({
  /** Catalog id of a sherpa-onnx voice (Kyutai Pocket TTS by default: see models/catalog.ts for why). */
  model: z.string().min(1).default('pocket-tts-int8-2026-01-26'),
  /** A folder with the model's files, instead of the installed model (for imported or test models). */
  modelDir: z.string().min(1).optional(),
  /** Pocket TTS: the reference recording to speak like (a .wav in the model's folder, by name). */
  voice: z.string().min(1).optional(),
  /** Speaker of a multi-speaker model (Kokoro, VITS). */
  speakerId: z.number().int().min(0).default(0),
  speed: z.number().min(0.5).max(2).default(1),
  numThreads: z.number().int().min(1).max(16).default(2),
  /** Rate of the audio this provider hands out; the model's own rate is converted (Pocket TTS and Kokoro are 24 kHz). */
  sampleRate: z.number().int().min(8000).max(48000).default(24000),
});
export type SherpaTtsSettings = z.infer<typeof SherpaTtsSettingsSchema>;

/**
 * A local voice with sherpa-onnx's OfflineTts: each pushed chunk (a sentence) is one generateAsync
 * in the worker process, its audio streamed to the segment as the model makes it. close() cancels
 * the sentence being made (sherpa stops at its next chunk) and drops everything queued.
 */
export class SherpaOnnxTts implements TtsProvider {
  readonly id = 'sherpa-onnx';
  readonly displayName = NAME;
  readonly sampleRate: number;
  private readonly client: SherpaClient;

  constructor(
    private readonly settings: SherpaTtsSettings,
    _context?: ProviderContext,
    /** Where inference runs; by default the worker process this kind shares in this process. */
    host?: SherpaHostFactory,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.sampleRate = settings.sampleRate;
    this.client = host ? new SherpaClient(host) : sharedClient('tts', defaultSherpaHost);
  }

  settingsForRequest(): Pick<SherpaTtsSettings, 'speakerId' | 'speed'> {
    return { speakerId: this.settings.speakerId, speed: this.settings.speed };
  }

  open(options: TtsStreamOptions): TtsStream {
    return new SherpaTtsStream(this, this.client, options);
  }

  /** The model's key in the worker, loaded once (a missing or corrupt model: a typed error). */
  async loaded(): Promise<{ key: string; sampleRate: number }> {
    const s = this.settings;
    const dir = await modelFolder(s.model, s.modelDir, this.env);
    const spec = await ttsSpec(s.model, dir, { numThreads: s.numThreads, ...(s.voice ? { voice: s.voice } : {}) });
    await checkFiles(s.model, spec);
    const key = `tts:${dir}:${s.numThreads}:${s.voice ?? ''}`;
    const { sampleRate } = await this.client.load(key, spec);
    return { key, sampleRate };
  }
}

class SherpaTtsStream implements TtsStream {
  private readonly events = new AsyncQueue<TtsEvent>();
  private readonly pending: { segment: number; text: string }[] = [];
  private nextSegment = 0;
  private ended = false;
  private closed = false;
  private running = false;
  /** The job being synthesized (cancelled on close). */
  private job: number | undefined;
  private stopSpeaking: (() => void) | undefined;

  constructor(
    private readonly provider: SherpaOnnxTts,
    private readonly client: SherpaClient,
    options: TtsStreamOptions,
  ) {
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (options.signal?.aborted) this.close();
  }

  push(text: string): number {
    const segment = this.nextSegment++;
    if (this.closed || this.ended) return segment;
    this.pending.push({ segment, text });
    if (!this.running) void this.run();
    return segment;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.running) this.events.end();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.length = 0;
    // The worker stops the sentence at its next chunk; its route is released when it says so.
    if (this.job !== undefined) this.client.send({ type: 'cancel', job: this.job });
    this.stopSpeaking?.();
    this.events.end();
  }

  /** Speaks the queued segments one after another (each a sentence), in push order. */
  private async run(): Promise<void> {
    this.running = true;
    try {
      const { key, sampleRate } = await this.provider.loaded();
      for (let next = this.pending.shift(); next && !this.closed; next = this.pending.shift()) {
        if (next.text.trim()) await this.speak(key, sampleRate, next.segment, next.text);
        if (!this.closed) this.events.push({ type: 'segment-done', segment: next.segment });
      }
    } catch (e) {
      this.pending.length = 0;
      this.ended = true;
      if (!this.closed) this.events.fail(e instanceof ParleyError ? e : new ParleyError('onnx/inference-failed', `${NAME} failed: ${String(e)}`, { provider: 'sherpa-onnx' }));
      return;
    } finally {
      this.running = false;
    }
    if (this.ended && !this.closed) this.events.end();
  }

  private speak(key: string, modelRate: number, segment: number, text: string): Promise<void> {
    const outRate = this.provider.sampleRate;
    const resampler = modelRate === outRate ? undefined : new Resampler({ inputRate: modelRate, outputRate: outRate });
    const emit = (samples: Float32Array) => {
      if (samples.length && !this.closed) this.events.push({ type: 'audio', segment, pcm: float32ToInt16(samples), sampleRate: outRate });
    };
    return new Promise<void>((resolve, reject) => {
      const job = this.client.open((m: SherpaMessage) => {
        switch (m.type) {
          case 'audio':
            emit(resampler ? resampler.process(m.samples) : m.samples);
            return;
          case 'synthesized':
            this.client.release(job);
            if (resampler) emit(resampler.flush());
            this.job = undefined;
            resolve();
            return;
          case 'error':
            this.client.release(job);
            reject(new ParleyError(m.code, `${NAME} failed: ${m.message}`, { provider: 'sherpa-onnx' }));
            return;
          case 'exit':
            this.client.release(job);
            reject(new ParleyError('onnx/inference-failed', `${NAME} stopped: ${m.reason}`, { provider: 'sherpa-onnx' }));
            return;
          default:
            return;
        }
      });
      this.job = job;
      this.stopSpeaking = resolve;
      const s = this.provider.settingsForRequest();
      this.client.send({ type: 'tts-synthesize', job, key, text, sid: s.speakerId, speed: s.speed });
    });
  }

  /** Events in order; nothing more once closed (what was queued is dropped: close means now). */
  async *[Symbol.asyncIterator](): AsyncGenerator<TtsEvent> {
    for await (const e of this.events) {
      if (this.closed) return;
      yield e;
    }
  }
}
