import { z } from 'zod';
import { ParleyError, isAbort } from '../../errors.js';
import type { HostEvent } from '../../local/host.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { sherpaHost, type SherpaHost } from '../sherpa/host.js';
import { checkFiles, modelFolder, modelLoadError, sttSpec } from '../sherpa/model-files.js';
import { SttItemSchema, type SttItem, type SttModelSpec } from '../sherpa/protocol.js';
import { SherpaDeviceSchema, sherpaDevice, sherpaProvider, type SherpaContext, type SherpaProviderOptions } from '../sherpa/provider-options.js';
import type { SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';

const NAME = 'Local speech recognition (sherpa-onnx)';
/** Audio sent to the worker and not yet decoded, in seconds, before the stream gives up: a model too slow for this machine must not grow memory without end. */
export const MAX_BACKLOG_S = 30;

export const SherpaSttSettingsSchema = z.object({
  /** Catalog id of a streaming transducer (the small preset's streaming Zipformer by default). */
  model: z.string().min(1).default('zipformer-en-20m-streaming'),
  /** A folder with the model's files, instead of the installed model (for imported or test models). */
  modelDir: z.string().min(1).optional(),
  /** One thread: on a 2-core laptop the other core is the LLM's and the audio path's. */
  numThreads: z.number().int().min(1).max(16).default(1),
  /** Where the model runs (see SherpaDeviceSchema). */
  device: SherpaDeviceSchema,
  /** Silence after words that ends an utterance (sherpa-onnx's endpoint rule 2), in seconds. */
  endpointSilenceS: z.number().min(0.2).max(10).default(0.8),
  /**
   * Optional second pass: an offline Moonshine model (catalog id, e.g. moonshine-tiny-en-int8)
   * transcribes each utterance again when it ends; its text is the final (partials stay streaming).
   * Off by default: it adds its decode time (RTF ~0.03 for tiny) to every final.
   */
  secondPassModel: z.string().min(1).optional(),
  /** A folder with the second-pass model's files, instead of the installed one. */
  secondPassModelDir: z.string().min(1).optional(),
});
export type SherpaSttSettings = z.infer<typeof SherpaSttSettingsSchema>;

/**
 * Speech recognition on this machine with sherpa-onnx's streaming transducer (OnlineRecognizer).
 * Partials as words come, a final at its endpoint rule (a pause after words) or on finalize(). It
 * does not judge turns (no `end-of-turn`): its endpoint is silence, which the turn detector weighs.
 * Inference runs in a local inference process (engine/local); this side only moves audio and events.
 */
export class SherpaOnnxStt implements SttProvider {
  readonly id = 'sherpa-onnx';
  readonly displayName = NAME;
  private readonly host: SherpaHost;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly settings: SherpaSttSettings,
    private readonly context: SherpaContext = {},
    o: SherpaProviderOptions = {},
  ) {
    this.host = o.host ?? sherpaHost('stt', context.localSpawner);
    this.env = o.env ?? process.env;
  }

  /** Loads the model (once per process) and opens a stream; a missing or corrupt model rejects with a typed error. */
  async open(options: SttStreamOptions): Promise<SttStream> {
    const s = this.settings;
    const root = this.context.modelsDir;
    const dir = await modelFolder(s.model, s.modelDir, this.env, root);
    const second = s.secondPassModel ? { modelId: s.secondPassModel, dir: await modelFolder(s.secondPassModel, s.secondPassModelDir, this.env, root) } : undefined;
    const spec = await sttSpec(s.model, dir, { numThreads: s.numThreads, provider: sherpaProvider(s.device), endpoint: { rule1: Math.max(2.4, s.endpointSilenceS), rule2: s.endpointSilenceS, rule3: 20 }, ...(second ? { secondPass: second } : {}) });
    await checkFiles(s.model, spec);
    const stream = new SherpaSttStream(this.host, options);
    await stream.start(`stt:${dir}:${s.numThreads}:${s.device}:${s.endpointSilenceS}:${second?.dir ?? ''}`, spec);
    this.context.device?.(sherpaDevice('stt', s.device, s.numThreads));
    return stream;
  }
}

class SherpaSttStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  /** The stream's `stt` call in the worker: aborting it closes the stream there. */
  private readonly call = new AbortController();
  /** The worker's id of this stream (known once it opened). */
  private stream = 0;
  private closed = false;
  /** close() was called: events still queued are dropped. */
  private dropped = false;
  /** finalize() calls not yet answered by their final (end() waits for them). */
  private finalizing = 0;
  private drained: (() => void) | undefined;
  /** Samples sent and not yet decoded by the worker. */
  private inFlight = 0;

  constructor(
    private readonly host: SherpaHost,
    private readonly options: SttStreamOptions,
  ) {}

  /** Starts the `stt` call and waits until the worker has the model loaded and the stream open. */
  async start(key: string, spec: SttModelSpec): Promise<void> {
    const items = this.host.stream('stt', { key, spec }, this.call.signal)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const r = await items.next();
        if (r.done || r.value.type === 'result') throw new ParleyError('local/protocol', `${NAME}: the worker ended the stream before opening it`);
        if (r.value.type !== 'event') continue;
        const item = SttItemSchema.safeParse(r.value.data);
        if (item.success && item.data.type === 'opened') {
          this.stream = item.data.stream;
          break;
        }
      }
    } catch (e) {
      // Its process ended while loading: sherpa-onnx aborts on a model it cannot read.
      if (e instanceof ParleyError && e.code === 'local/crashed') throw modelLoadError(spec.modelId, e.message);
      throw providerError(e);
    }
    // A local model has no connection to make: ready at once.
    this.events.push({ type: 'status', status: { state: 'ok' } });
    this.options.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (this.options.signal?.aborted) this.close();
    void this.pump(items);
  }

  push(samples: Float32Array): void {
    if (this.closed || samples.length === 0) return;
    if (this.inFlight + samples.length > MAX_BACKLOG_S * this.options.sampleRate) {
      this.fail(new ParleyError('onnx/inference-failed', `${NAME} cannot keep up: more than ${MAX_BACKLOG_S} s of audio is waiting to be decoded (try a smaller model or more threads)`, { provider: 'sherpa-onnx' }));
      return;
    }
    const n = samples.length;
    this.inFlight += n;
    // A copy: the caller may reuse its buffer. A failure is the stt call's to report.
    this.host.request('sttAccept', { stream: this.stream, samples: samples.slice(), sampleRate: this.options.sampleRate }).then(
      () => (this.inFlight -= n),
      () => undefined,
    );
  }

  finalize(): void {
    if (this.closed) return;
    this.finalizing++;
    this.host.request('sttDecodeFinal', { stream: this.stream }).catch(() => undefined);
  }

  async end(): Promise<void> {
    if (this.closed) return;
    this.finalize();
    await new Promise<void>((resolve) => (this.drained = resolve));
    this.finish();
  }

  close(): void {
    if (!this.closed) this.dropped = true;
    this.finish();
  }

  /** Closes the stream in the worker (its call is cancelled) and ends the events after those queued. */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.call.abort();
    this.events.end();
    this.drained?.();
  }

  /** The stt call's partials and finals, until it ends: a crash or a worker fault is one error event. */
  private async pump(items: AsyncIterator<HostEvent>): Promise<void> {
    try {
      for (let r = await items.next(); !r.done && !this.closed; r = await items.next()) {
        if (r.value.type !== 'event') continue;
        const item = SttItemSchema.safeParse(r.value.data);
        if (!item.success) throw new ParleyError('local/protocol', `${NAME}: the worker sent an invalid item`);
        this.onItem(item.data);
      }
    } catch (e) {
      if (!this.closed && !isAbort(e)) this.fail(providerError(e));
    }
  }

  private onItem(item: SttItem): void {
    if (this.closed) return;
    if (item.type === 'partial') this.events.push({ type: 'partial', text: item.text });
    else if (item.type === 'final') {
      const fromFinalize = !item.endpoint;
      if (fromFinalize) this.finalizing = Math.max(0, this.finalizing - 1);
      this.events.push({ type: 'final', text: item.text, endOfSpeech: item.endpoint, fromFinalize });
      if (this.finalizing === 0) this.drained?.();
    }
  }

  /** A fault the stream cannot recover from: one error event, then the stream ends. */
  private fail(error: ParleyError): void {
    this.events.push({ type: 'error', error });
    this.finish();
  }

  /** Events in order; nothing more once closed (what was queued is dropped: close means now). */
  async *[Symbol.asyncIterator](): AsyncGenerator<SttEvent> {
    for await (const e of this.events) {
      if (this.dropped) return;
      yield e;
    }
  }
}

/** A failure as this provider's typed error: the process's own (local/crashed, local/unavailable) as it is, the worker's named. */
function providerError(e: unknown): ParleyError {
  if (!(e instanceof ParleyError)) return new ParleyError('onnx/inference-failed', `${NAME} failed: ${String(e)}`, { provider: 'sherpa-onnx', cause: e });
  const message = e.code.startsWith('local/') || e.code === 'onnx/model-invalid' ? e.message : `${NAME} failed: ${e.message}`;
  return new ParleyError(e.code, message, { provider: 'sherpa-onnx', cause: e });
}
