import { z } from 'zod';
import { ParleyError } from '../../errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { SherpaClient, sharedClient, type SherpaMessage } from '../sherpa/client.js';
import { defaultSherpaHost, type SherpaHostFactory } from '../sherpa/host.js';
import { checkFiles, modelFolder, sttSpec } from '../sherpa/model-files.js';
import type { ProviderContext, SttEvent, SttProvider, SttStream, SttStreamOptions } from '../types.js';

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
 * Inference runs in a worker process; this side only moves audio and events.
 */
export class SherpaOnnxStt implements SttProvider {
  readonly id = 'sherpa-onnx';
  readonly displayName = NAME;
  private readonly client: SherpaClient;

  constructor(
    private readonly settings: SherpaSttSettings,
    _context?: ProviderContext,
    /** Where inference runs; by default the worker process this kind shares in this process. */
    host?: SherpaHostFactory,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.client = host ? new SherpaClient(host) : sharedClient('stt', defaultSherpaHost);
  }

  /** Loads the model (once) and opens a stream; a missing or corrupt model rejects with a typed error. */
  async open(options: SttStreamOptions): Promise<SttStream> {
    const s = this.settings;
    const dir = await modelFolder(s.model, s.modelDir, this.env);
    const second = s.secondPassModel ? { modelId: s.secondPassModel, dir: await modelFolder(s.secondPassModel, s.secondPassModelDir, this.env) } : undefined;
    const spec = await sttSpec(s.model, dir, { numThreads: s.numThreads, endpoint: { rule1: Math.max(2.4, s.endpointSilenceS), rule2: s.endpointSilenceS, rule3: 20 }, ...(second ? { secondPass: second } : {}) });
    await checkFiles(s.model, spec);
    const key = `stt:${dir}:${s.numThreads}:${s.endpointSilenceS}:${second?.dir ?? ''}`;
    await this.client.load(key, spec);
    return new SherpaSttStream(this.client, key, options);
  }
}

class SherpaSttStream implements SttStream {
  private readonly events = new AsyncQueue<SttEvent>();
  private readonly id: number;
  private closed = false;
  /** close() was called: events still queued are dropped. */
  private dropped = false;
  /** finalize() calls not yet answered by their final (end() waits for them). */
  private finalizing = 0;
  private drained: (() => void) | undefined;
  /** Samples sent and not yet decoded by the worker. */
  private inFlight = 0;

  constructor(
    private readonly client: SherpaClient,
    key: string,
    private readonly options: SttStreamOptions,
  ) {
    this.id = client.open((m) => this.onMessage(m));
    client.send({ type: 'stt-open', stream: this.id, key });
    // A local model has no connection to make: ready at once.
    this.events.push({ type: 'status', status: { state: 'ok' } });
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    if (options.signal?.aborted) this.close();
  }

  push(samples: Float32Array): void {
    if (this.closed || samples.length === 0) return;
    if (this.inFlight + samples.length > MAX_BACKLOG_S * this.options.sampleRate) {
      this.fail(new ParleyError('onnx/inference-failed', `${NAME} cannot keep up: more than ${MAX_BACKLOG_S} s of audio is waiting to be decoded (try a smaller model or more threads)`, { provider: 'sherpa-onnx' }));
      return;
    }
    this.inFlight += samples.length;
    // A copy: the caller may reuse its buffer, and the in-process host does not clone.
    this.client.send({ type: 'stt-accept', stream: this.id, samples: samples.slice(), sampleRate: this.options.sampleRate });
  }

  finalize(): void {
    if (this.closed) return;
    this.finalizing++;
    this.client.send({ type: 'stt-decode-final', stream: this.id });
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

  /** Frees the stream in the worker and ends the events after those queued. */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.send({ type: 'stt-close', stream: this.id });
    this.client.release(this.id);
    this.events.end();
    this.drained?.();
  }

  private onMessage(m: SherpaMessage): void {
    if (this.closed) return;
    switch (m.type) {
      case 'partial':
        this.events.push({ type: 'partial', text: m.text });
        return;
      case 'accepted':
        this.inFlight -= m.samples;
        return;
      case 'final': {
        const fromFinalize = !m.endpoint;
        if (fromFinalize) this.finalizing = Math.max(0, this.finalizing - 1);
        this.events.push({ type: 'final', text: m.text, endOfSpeech: m.endpoint, fromFinalize });
        if (this.finalizing === 0) this.drained?.();
        return;
      }
      case 'error':
        this.fail(new ParleyError(m.code, `${NAME} failed: ${m.message}`, { provider: 'sherpa-onnx' }));
        return;
      case 'exit':
        this.fail(new ParleyError('onnx/inference-failed', `${NAME} stopped: ${m.reason}`, { provider: 'sherpa-onnx' }));
        return;
      default:
        return;
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
