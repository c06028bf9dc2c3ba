import type OpenAI from 'openai';
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import { abortError } from '../../errors.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { linkedAbort } from '../../util/abort.js';
import { stallError, withStallTimeout } from '../../util/stall.js';
import { fromSdkError } from '../http-errors.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import { openAiClient } from '../sdk-client.js';
import type { TtsEvent, TtsProvider, TtsStream, TtsStreamOptions } from '../types.js';
import { Pcm16Decoder } from './pcm-chunks.js';

export const OpenAiSpeechSettingsSchema = z.object({
  baseUrl: z.string().url().default('https://api.openai.com/v1'),
  model: z.string().min(1).default('gpt-4o-mini-tts'),
  voice: z.string().min(1).default('alloy'),
  speed: z.number().min(0.25).max(4).default(1),
  /** Style instructions (not supported by tts-1 models). */
  instructions: z.string().optional(),
  /** Requests started ahead of the one playing, so the next sentence is ready when needed. */
  prefetch: z.number().int().min(0).max(4).default(1),
  stallTimeoutMs: z.number().int().positive().default(10_000),
});
export type OpenAiSpeechSettings = z.infer<typeof OpenAiSpeechSettingsSchema>;

/** OpenAI /audio/speech, raw 24 kHz 16-bit PCM streamed as it is generated, one request per chunk. */
export class OpenAiSpeechTts implements TtsProvider {
  readonly id = 'openai';
  readonly sampleRate = 24000;
  private readonly client: () => Promise<OpenAI>;

  constructor(
    readonly settings: OpenAiSpeechSettings,
    apiKey: string | undefined,
    private readonly retry?: Partial<RetryPolicy>,
    /** What the stall timeout and the retry backoffs wait on (the system clock by default). */
    readonly clock?: Clock,
  ) {
    this.client = openAiClient(settings, apiKey);
  }

  open(options: TtsStreamOptions): TtsStream {
    return new OpenAiSpeechStream(this, this.client, options, this.retry);
  }
}

class OpenAiSpeechStream implements TtsStream {
  private readonly events = new AsyncQueue<TtsEvent>();
  private readonly texts: string[] = [];
  private readonly requests: Promise<Response>[] = [];
  private ended = false;
  /** The segment being read; the next `prefetch` ones are requested early. */
  private current = -1;
  /** Set when we abort our own request because it stalled (not a cancellation). */
  private stalled = false;
  private wake: (() => void) | undefined;
  private readonly controller: AbortController;
  private readonly dispose: () => void;

  constructor(
    private readonly provider: OpenAiSpeechTts,
    private readonly client: () => Promise<OpenAI>,
    options: TtsStreamOptions,
    private readonly retry?: Partial<RetryPolicy>,
  ) {
    ({ controller: this.controller, dispose: this.dispose } = linkedAbort(options.signal));
    this.controller.signal.addEventListener('abort', () => this.stalled || this.events.fail(abortError()), { once: true });
    void this.run();
  }

  push(text: string): number {
    const index = this.texts.push(text) - 1;
    if (this.current >= 0 && index <= this.current + this.provider.settings.prefetch) void this.request(index);
    this.wake?.();
    return index;
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  close(): void {
    this.controller.abort();
    this.dispose();
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  private request(i: number): Promise<Response> {
    const { settings } = this.provider;
    this.requests[i] ??= withRetry(
      () =>
        this.client()
          .then(
            (client) =>
              client.audio.speech.create(
                {
                  model: settings.model,
                  voice: settings.voice,
                  input: this.texts[i]!,
                  response_format: 'pcm',
                  speed: settings.speed,
                  ...(settings.instructions ? { instructions: settings.instructions } : {}),
                },
                { signal: this.controller.signal },
              ) as Promise<Response>,
          )
          .catch((e: unknown) => {
            throw fromSdkError(this.provider.id, 'OpenAI speech', settings.baseUrl, e);
          }),
      { signal: this.controller.signal, policy: this.retry, clock: this.provider.clock },
    );
    // A failure surfaces when the segment is read; do not let a prefetch reject unobserved.
    this.requests[i].catch(() => undefined);
    return this.requests[i];
  }

  private async run(): Promise<void> {
    const { settings } = this.provider;
    try {
      for (let i = 0; ; i++) {
        while (i >= this.texts.length && !this.ended) await new Promise<void>((r) => (this.wake = r));
        if (i >= this.texts.length) break;
        this.current = i;
        const response = await this.request(i);
        for (let k = i + 1; k <= i + settings.prefetch && k < this.texts.length; k++) void this.request(k);
        const decoder = new Pcm16Decoder();
        const body = response.body as unknown as AsyncIterable<Uint8Array>;
        const chunks = withStallTimeout(
          body,
          settings.stallTimeoutMs,
          stallError(this.provider.id, 'OpenAI speech', settings.stallTimeoutMs),
          () => {
            this.stalled = true;
            this.controller.abort();
          },
          this.provider.clock,
        );
        for await (const bytes of chunks) {
          const pcm = decoder.decode(bytes);
          if (pcm.length) this.events.push({ type: 'audio', segment: i, pcm, sampleRate: this.provider.sampleRate });
        }
        this.events.push({ type: 'segment-done', segment: i });
      }
      this.events.end();
    } catch (e) {
      const cancelled = this.controller.signal.aborted && !this.stalled;
      this.events.fail(cancelled ? abortError() : fromSdkError(this.provider.id, 'OpenAI speech', settings.baseUrl, e));
    } finally {
      this.dispose();
    }
  }
}
