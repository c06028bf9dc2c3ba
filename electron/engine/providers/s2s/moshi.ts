import type WebSocket from 'ws';
import { z } from 'zod';
import { OggOpusDecoder, OggOpusEncoder } from '../../codec/ogg-opus.js';
import { systemClock, type Clock } from '../../clock.js';
import { ParleyError, describeError } from '../../errors.js';
import { connectWebSocket, decodeCloseReason } from '../websocket.js';
import { AsyncQueue } from '../../util/async-queue.js';
import { decodeMoshiMessage, encodeMoshiAudio } from './moshi-protocol.js';
import type { S2sClient, S2sConnectOptions, S2sEvent } from './types.js';

export const MoshiSettingsSchema = z.object({
  /** The server's chat endpoint (ws://host:port/api/chat; http(s) and a bare host:port work too). */
  baseUrl: z.string().url().default('ws://127.0.0.1:8998/api/chat'),
  /** How long the server may take to get the model ready and send its handshake, in ms. */
  handshakeTimeoutMs: z.number().int().min(1000).max(300_000).default(30_000),
  /** moshi-server (Rust) auth id, sent as the kyutai-api-key header; the Python server needs none. */
  authId: z.string().optional(),
  /**
   * Start the server on this machine with this command (e.g. `python -m moshi.server --port 8998
   * --static none`, or `moshi-server worker --config config.toml`); empty = connect to the URL as it is.
   */
  launchCommand: z.string().max(2000).optional(),
  /** How long a started server may take to load the model and open its port, in ms. */
  startTimeoutMs: z.number().int().min(5000).max(1_800_000).default(300_000),
});
export type MoshiSettings = z.infer<typeof MoshiSettingsSchema>;

const RATE = 24000;
/**
 * Moshi sends one 80 ms frame (a few hundred bytes of Ogg/Opus) per message; anything near this
 * size is not Moshi, and ws would otherwise buffer up to 100 MiB per message.
 */
export const MOSHI_MAX_MESSAGE_BYTES = 1 << 20;
/** At most this much audio is decoded from one message (the session keeps only ~0.6 s of backlog anyway). */
const MAX_SAMPLES_PER_MESSAGE = RATE * 2;
/** Audio received without a single decodable Opus packet: this is not an Ogg/Opus stream. */
const NOT_OPUS_AFTER_BYTES = 16_384;

/** The endpoint as a WebSocket URL ending in /api/chat. */
export function moshiChatUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/api/chat';
  return url.toString();
}

/**
 * A client for Moshi's full-duplex /api/chat: waits for the server's handshake, then streams the
 * microphone as Ogg/Opus (one continuous stream, a page per 20 ms packet) and turns the server's
 * Ogg/Opus audio and text tokens into events. Unknown kinds and malformed frames are reported and
 * skipped; a stream that is not Ogg/Opus, a missing handshake or a dropped socket end the call with
 * a typed error.
 */
export class MoshiClient implements S2sClient {
  readonly id = 'moshi';
  readonly displayName = 'Moshi';
  readonly sampleRate = RATE;
  readonly acceptsTextHistory = false;
  readonly paced = true;
  readonly transcribesUser = false;
  private ws: WebSocket | undefined;
  private readonly queue = new AsyncQueue<S2sEvent>();
  private readonly encoder = new OggOpusEncoder({ sampleRate: RATE });
  private readonly decoder = new OggOpusDecoder(RATE);
  private audioBytes = 0;
  private decodedSamples = 0;
  private unknownKinds = new Set<number>();
  private floodReported = false;
  private corruptReported = 0;
  /** The model's text as one UTF-8 stream: a character split across two messages stays whole. */
  private readonly textDecoder = new TextDecoder('utf-8');
  private closing = false;
  private failed = false;
  /** The handshake came: audio may flow (Moshi's servers start reading only then). */
  private ready = false;

  constructor(
    private readonly settings: MoshiSettings,
    /** What the handshake and close deadlines wait on. */
    private readonly clock: Clock = systemClock,
  ) {}

  async connect(options: S2sConnectOptions = {}): Promise<void> {
    const url = moshiChatUrl(this.settings.baseUrl);
    const ws = await connectWebSocket(url, {
      provider: this.id,
      displayName: 'Moshi',
      headers: this.settings.authId ? { 'kyutai-api-key': this.settings.authId } : undefined,
      signal: options.signal,
      paused: true,
      maxPayload: MOSHI_MAX_MESSAGE_BYTES,
    }).catch((e: unknown) => {
      if (e instanceof ParleyError && e.code === 'provider/unreachable') {
        throw new ParleyError('provider/unreachable', `${e.message}. Is the Moshi server running? Start it (e.g. \`python -m moshi.server\`, or moshi-server on a GPU machine) or set its URL in settings.`, { provider: this.id, cause: e });
      }
      throw e;
    });
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    await new Promise<void>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        ws.terminate();
        reject(new ParleyError('provider/timeout', `Moshi at ${url} did not say it was ready within ${Math.round(this.settings.handshakeTimeoutMs / 1000)} s (is the model still loading, or is this not a Moshi server?)`, { provider: this.id }));
      }, this.settings.handshakeTimeoutMs);
      const onAbort = () => {
        this.clock.clearTimeout(timer);
        ws.terminate();
        reject(new ParleyError('provider/disconnected', 'cancelled', { provider: this.id }));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let ready = false;
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) return this.notice('Moshi sent a text frame; the protocol is binary, so it was ignored');
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (!ready) {
          if (bytes[0] !== 0x00) {
            this.clock.clearTimeout(timer);
            ws.terminate();
            return reject(new ParleyError('provider/protocol', `the server at ${url} does not speak Moshi's protocol (its first message was not a handshake)`, { provider: this.id }));
          }
          // The web client's handshake carries a protocol version; this client speaks version 0.
          if (bytes.length >= 3 && bytes[1] !== 0) {
            this.clock.clearTimeout(timer);
            ws.terminate();
            return reject(new ParleyError('provider/protocol', `the Moshi server at ${url} speaks protocol version ${bytes[1]}; this version of Parley speaks version 0 (update Parley or use a matching server)`, { provider: this.id }));
          }
          ready = true;
          this.ready = true;
          this.clock.clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          this.queue.push({ type: 'ready' });
          return resolve();
        }
        this.onMessage(bytes);
      });
      ws.on('close', (code: number, reason: Buffer) => {
        this.clock.clearTimeout(timer);
        if (!ready) reject(new ParleyError('provider/disconnected', `Moshi closed the connection before it was ready (${code}${reason.length ? `: ${decodeCloseReason(reason)}` : ''})`, { provider: this.id }));
        else if (!this.closing && !this.failed) this.fail(new ParleyError('provider/disconnected', `Moshi closed the connection mid-call (${code}${reason.length ? `: ${decodeCloseReason(reason)}` : ''})`, { provider: this.id }));
        this.queue.end();
      });
      ws.resume();
      ws.on('error', (e: Error & { code?: string }) => {
        if (!ready) return;
        if (this.closing) return;
        if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          return this.fail(new ParleyError('provider/protocol', `Moshi sent a message over ${MOSHI_MAX_MESSAGE_BYTES / (1 << 20)} MiB (a real Moshi frame is a few hundred bytes); the call was ended`, { provider: this.id }));
        }
        this.fail(new ParleyError('provider/disconnected', `Moshi connection failed: ${describeError(e)}`, { provider: this.id }));
      });
    });
  }

  reopen(): MoshiClient {
    return new MoshiClient(this.settings, this.clock);
  }

  pushAudio(samples: Float32Array): void {
    const ws = this.ws;
    // Nothing before the handshake: the Ogg stream (headers first) starts with the first audio after it.
    if (!ws || !this.ready || ws.readyState !== ws.OPEN || this.failed) return;
    const ogg = this.encoder.push(samples);
    if (ogg.length > 0) ws.send(encodeMoshiAudio(ogg));
  }

  events(): AsyncIterable<S2sEvent> {
    return this.queue;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.corruptReported > 1) this.notice(`Moshi's audio arrived damaged ${this.corruptReported} times in this call; each damaged part was skipped`);
    const ws = this.ws;
    if (!ws || ws.readyState === ws.CLOSED) return this.queue.end();
    await new Promise<void>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        this.clock.clearTimeout(timer);
        resolve();
      });
      ws.close(1000);
    });
    this.queue.end();
  }

  private onMessage(bytes: Uint8Array): void {
    let message;
    try {
      message = decodeMoshiMessage(bytes, this.textDecoder);
    } catch (e) {
      return this.queue.push({ type: 'error', error: new ParleyError('provider/protocol', `Moshi sent a malformed message (${describeError(e)}); skipped`, { provider: this.id }), fatal: false });
    }
    switch (message.kind) {
      case 'audio':
        return this.onAudio(message.data);
      case 'text':
      case 'colored-text':
        if (message.text) this.queue.push({ type: 'text', text: message.text });
        return;
      case 'error':
        return this.queue.push({ type: 'error', error: new ParleyError('provider/server-error', `Moshi: ${message.message || 'unspecified error'}`, { provider: this.id }), fatal: false });
      case 'metadata':
        return this.notice(`Moshi: ${JSON.stringify(message.data).slice(0, 200)}`);
      case 'handshake':
      case 'ping':
      case 'control':
        return;
      case 'unknown':
        if (!this.unknownKinds.has(message.code)) {
          this.unknownKinds.add(message.code);
          this.notice(`Moshi sent messages of a kind this version does not know (0x${message.code.toString(16).padStart(2, '0')}); they are ignored`);
        }
        return;
    }
  }

  private onAudio(data: Uint8Array): void {
    this.audioBytes += data.length;
    let pcm: Float32Array;
    try {
      pcm = this.decoder.push(data, MAX_SAMPLES_PER_MESSAGE);
    } catch (e) {
      return this.fail(e instanceof ParleyError ? new ParleyError('provider/protocol', `Moshi's audio is not Ogg/Opus as expected: ${e.message}`, { provider: this.id }) : new ParleyError('provider/protocol', describeError(e), { provider: this.id }));
    }
    this.decodedSamples += pcm.length;
    const corrupt = this.decoder.corruptPages;
    if (corrupt > this.corruptReported) {
      if (this.corruptReported === 0) this.notice("Moshi's audio arrived damaged; the damaged part was skipped");
      this.corruptReported = corrupt;
    }
    if (this.decoder.droppedPackets > 0 && !this.floodReported) {
      this.floodReported = true;
      this.notice(`Moshi sent more than ${MAX_SAMPLES_PER_MESSAGE / RATE} s of audio in one message; the excess was skipped to stay live`);
    }
    if (this.decodedSamples === 0 && this.audioBytes > NOT_OPUS_AFTER_BYTES) {
      return this.fail(new ParleyError('provider/protocol', `Moshi sent ${this.audioBytes} bytes of audio that are not an Ogg/Opus stream`, { provider: this.id }));
    }
    if (pcm.length > 0) this.queue.push({ type: 'audio', samples: pcm });
  }

  private notice(message: string): void {
    this.queue.push({ type: 'notice', message });
  }

  private fail(error: ParleyError): void {
    if (this.failed) return;
    this.failed = true;
    this.queue.push({ type: 'error', error, fatal: true });
    this.ws?.terminate();
  }
}
