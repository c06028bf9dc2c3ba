import type WebSocket from 'ws';
import type { Clock, ClockTimer } from '../../clock.js';
import { ParleyError, abortError } from '../../errors.js';
import { linkedAbort } from '../../util/abort.js';
import { AsyncQueue } from '../../util/async-queue.js';
import type { TtsEvent, TtsStream, TtsStreamOptions } from '../types.js';
import { decodeCloseReason } from '../websocket.js';

/** What the shared stream needs to know of the provider that opened it. */
export interface WebSocketTtsVendor {
  readonly id: string;
  readonly clock: Clock;
  readonly settings: { readonly stallTimeoutMs: number };
}

/**
 * The part every WebSocket text-to-speech stream (ElevenLabs, Gradium, Kyutai) shares: the abort
 * link to the caller's signal, the event queue, the stall timer, and the two ways a stream ends:
 * finish() (every segment is done, the socket closes normally) and shutdown() (one error, the
 * socket is dropped). The vendor part is the subclass: connecting, what goes on the wire, how the
 * audio is cut into segments, and when audio is owed. Subclasses connect in their own constructor
 * (after their fields are initialised).
 */
export abstract class WebSocketTtsStream implements TtsStream {
  protected readonly events = new AsyncQueue<TtsEvent>();
  protected readonly controller: AbortController;
  private readonly dispose: () => void;
  protected ws: WebSocket | undefined;
  /** The segment the audio now belongs to. */
  protected segment = 0;
  /** end() was called: no more text comes. */
  protected ended = false;
  protected finished = false;
  private stallTimer: ClockTimer | undefined;

  constructor(
    protected readonly vendor: WebSocketTtsVendor,
    /** The name the user knows the service by, in messages. */
    protected readonly displayName: string,
    options: TtsStreamOptions,
  ) {
    ({ controller: this.controller, dispose: this.dispose } = linkedAbort(options.signal));
    this.controller.signal.addEventListener('abort', () => this.shutdown(abortError()), { once: true });
  }

  abstract push(text: string): number;
  abstract end(): void;
  /** How many segments were pushed. */
  protected abstract segmentCount(): number;

  close(): void {
    this.controller.abort();
  }

  [Symbol.asyncIterator](): AsyncIterator<TtsEvent> {
    return this.events[Symbol.asyncIterator]();
  }

  /** Whether audio is owed now, so that silence from the service would be a stall. */
  protected audioOwed(): boolean {
    return true;
  }

  /** The stall timer fired. Subclasses may find the quiet is the end after all. */
  protected onStall(): void {
    this.shutdown(this.stallError());
  }

  /** (Re)starts the stall timer while audio is owed; stops it otherwise. */
  protected armStall(options?: { background?: boolean }): void {
    this.disarmStall();
    if (this.finished || !this.audioOwed()) return;
    this.stallTimer = this.vendor.clock.setTimeout(() => this.onStall(), this.vendor.settings.stallTimeoutMs, options);
  }

  protected disarmStall(): void {
    this.vendor.clock.clearTimeout(this.stallTimer);
  }

  protected stallError(): ParleyError {
    return new ParleyError('provider/timeout', `${this.displayName} stopped sending audio for ${Math.round(this.vendor.settings.stallTimeoutMs / 1000)} s`, { provider: this.vendor.id });
  }

  /** A close the stream did not ask for: a rejected key (policy violation naming it) or a drop. */
  protected closeError(code: number, reason: Buffer): ParleyError {
    const why = decodeCloseReason(reason);
    const name = this.displayName;
    if (code === 1008 && /key|auth/i.test(why)) return new ParleyError('provider/invalid-key', `invalid API key for ${name}: ${why}`, { provider: this.vendor.id });
    return new ParleyError('provider/disconnected', `${name} closed the connection (${code}${why ? `: ${why}` : ''})`, { provider: this.vendor.id });
  }

  protected protocolError(what: string): ParleyError {
    return new ParleyError('provider/protocol', `${this.displayName} sent ${what}`, { provider: this.vendor.id });
  }

  /** Every segment not yet done is done: the reply is spoken. */
  protected closeRemainingSegments(): void {
    for (; this.segment < this.segmentCount(); this.segment++) this.events.push({ type: 'segment-done', segment: this.segment });
  }

  protected finish(): void {
    if (this.finished) return;
    this.closeRemainingSegments();
    this.finished = true;
    this.disarmStall();
    this.events.end();
    this.ws?.close(1000);
    this.dispose();
  }

  protected shutdown(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.disarmStall();
    this.events.fail(error);
    this.ws?.terminate();
    this.dispose();
  }
}
