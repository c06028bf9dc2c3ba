import { z } from 'zod';
import { float32ToInt16 } from '../../audio/pcm.js';
import { Resampler } from '../../audio/resampler.js';
import { ParleyError, isAbort } from '../../errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { sherpaHost, type SherpaHost } from '../sherpa/host.js';
import { checkFiles, modelFolder, modelLoadError, ttsSpec } from '../sherpa/model-files.js';
import { SynthesizeResultSchema, TtsItemSchema, type TtsModelSpec } from '../sherpa/protocol.js';
import { SherpaDeviceSchema, sherpaDevice, sherpaProvider, type SherpaContext, type SherpaProviderOptions } from '../sherpa/provider-options.js';
import type { TtsEvent, TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';

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
  /** Where the model runs (see SherpaDeviceSchema). */
  device: SherpaDeviceSchema,
  /** Rate of the audio this provider hands out; the model's own rate is converted (Pocket TTS and Kokoro are 24 kHz). */
  sampleRate: z.number().int().min(8000).max(48000).default(24000),
});
export type SherpaTtsSettings = z.infer<typeof SherpaTtsSettingsSchema>;

/**
 * A local voice with sherpa-onnx's OfflineTts: each pushed chunk (a sentence) is one `synthesize`
 * call in the local inference process (one generateAsync), its audio streamed to the segment as
 * the model makes it. close() cancels the sentence being made (sherpa stops at its next chunk) and
 * drops everything queued.
 */
export class SherpaOnnxTts implements TtsProvider {
  readonly id = 'sherpa-onnx';
  readonly displayName = NAME;
  readonly sampleRate: number;
  readonly host: SherpaHost;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly settings: SherpaTtsSettings,
    private readonly context: SherpaContext = {},
    o: SherpaProviderOptions = {},
  ) {
    this.sampleRate = settings.sampleRate;
    this.host = o.host ?? sherpaHost('tts', context.localSpawner);
    this.env = o.env ?? process.env;
  }

  settingsForRequest(): Pick<SherpaTtsSettings, 'speakerId' | 'speed'> {
    return { speakerId: this.settings.speakerId, speed: this.settings.speed };
  }

  open(options: TtsStreamOptions): TtsStream {
    return new SherpaTtsStream(this, options);
  }

  private deviceTold = false;

  /** The voice is loaded: where it runs is told once (shown beside the running providers). */
  loaded(): void {
    if (this.deviceTold) return;
    this.deviceTold = true;
    this.context.device?.(sherpaDevice('tts', this.settings.device, this.settings.numThreads));
  }

  /** Loads the voice in its process ahead of the first sentence (the session starting), so the first reply does not wait for it. */
  async warmUp(signal?: AbortSignal): Promise<void> {
    const { key, spec } = await this.voice();
    await this.host.request('loadVoice', { key, spec }, signal ? { signal } : {});
    this.loaded();
  }

  /** The voice's files, checked (a missing or broken model: a typed error before any process starts), and its key in the worker. */
  async voice(): Promise<{ key: string; spec: TtsModelSpec }> {
    const s = this.settings;
    const dir = await modelFolder(s.model, s.modelDir, this.env, this.context.modelsDir);
    const spec = await ttsSpec(s.model, dir, { numThreads: s.numThreads, provider: sherpaProvider(s.device), ...(s.voice ? { voice: s.voice } : {}) });
    await checkFiles(s.model, spec);
    return { key: `tts:${dir}:${s.numThreads}:${s.device}:${s.voice ?? ''}`, spec };
  }
}

class SherpaTtsStream implements TtsStream {
  private readonly events = new AsyncQueue<TtsEvent>();
  private readonly pending: { segment: number; text: string }[] = [];
  private nextSegment = 0;
  private ended = false;
  private closed = false;
  private running = false;
  /** Cancels the sentence being synthesized (close). */
  private current: AbortController | undefined;

  constructor(
    private readonly provider: SherpaOnnxTts,
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
    // The worker stops the sentence at its next chunk.
    this.current?.abort();
    this.events.end();
  }

  /** Speaks the queued segments one after another (each a sentence), in push order. */
  private async run(): Promise<void> {
    this.running = true;
    try {
      const voice = await this.provider.voice();
      for (let next = this.pending.shift(); next && !this.closed; next = this.pending.shift()) {
        if (next.text.trim()) await this.speak(voice, next.segment, next.text);
        if (!this.closed) this.events.push({ type: 'segment-done', segment: next.segment });
      }
    } catch (e) {
      this.pending.length = 0;
      this.ended = true;
      if (!this.closed && !isAbort(e)) this.events.fail(providerError(e));
      return;
    } finally {
      this.running = false;
    }
    if (this.ended && !this.closed) this.events.end();
  }

  private async speak(voice: { key: string; spec: TtsModelSpec }, segment: number, text: string): Promise<void> {
    const outRate = this.provider.sampleRate;
    let resampler: Resampler | undefined;
    let modelRate: number | undefined;
    const emit = (samples: Float32Array) => {
      if (samples.length && !this.closed) this.events.push({ type: 'audio', segment, pcm: float32ToInt16(samples), sampleRate: outRate });
    };
    const s = this.provider.settingsForRequest();
    const controller = new AbortController();
    this.current = controller;
    /** The worker said it is loading the voice, and no audio came yet: a crash now is the voice's fault. */
    let loading = false;
    try {
      for await (const e of this.provider.host.stream('synthesize', { key: voice.key, spec: voice.spec, text, sid: s.speakerId, speed: s.speed }, controller.signal)) {
        if (e.type === 'progress') loading = modelRate === undefined;
        else if (e.type === 'event') {
          const item = TtsItemSchema.safeParse(e.data);
          if (!item.success) throw new ParleyError('local/protocol', `${NAME}: the worker sent invalid audio`);
          if (modelRate === undefined) {
            modelRate = item.data.sampleRate;
            this.provider.loaded();
            loading = false;
            if (modelRate !== outRate) resampler = new Resampler({ inputRate: modelRate, outputRate: outRate });
          }
          emit(resampler ? resampler.process(item.data.samples) : item.data.samples);
        } else if (!SynthesizeResultSchema.safeParse(e.value).success) throw new ParleyError('local/protocol', `${NAME}: the worker sent an invalid result`);
      }
      if (resampler) emit(resampler.flush());
    } catch (e) {
      if (loading && e instanceof ParleyError && e.code === 'local/crashed') throw modelLoadError(voice.spec.modelId, e.message);
      throw e;
    } finally {
      if (this.current === controller) this.current = undefined;
    }
  }

  /** Events in order; nothing more once closed (what was queued is dropped: close means now). */
  async *[Symbol.asyncIterator](): AsyncGenerator<TtsEvent> {
    for await (const e of this.events) {
      if (this.closed) return;
      yield e;
    }
  }
}

/** A failure as this provider's typed error: the process's own (local/crashed, local/unavailable) and model errors as they are, the worker's named. */
function providerError(e: unknown): ParleyError {
  if (!(e instanceof ParleyError)) return new ParleyError('onnx/inference-failed', `${NAME} failed: ${String(e)}`, { provider: 'sherpa-onnx', cause: e });
  const own = e.code.startsWith('local/') || e.code.startsWith('model/') || e.code === 'onnx/model-invalid';
  return new ParleyError(e.code, own ? e.message : `${NAME} failed: ${e.message}`, { provider: 'sherpa-onnx', cause: e });
}
