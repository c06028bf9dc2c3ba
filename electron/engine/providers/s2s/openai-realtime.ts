import type WebSocket from 'ws';
import { z } from 'zod';
import { float32ToInt16, int16ToFloat32 } from '../../audio/pcm.js';
import { systemClock, type Clock } from '../../clock.js';
import { ParleyError, describeError } from '../../errors.js';
import { connectWebSocket, decodeCloseReason } from '../websocket.js';
import type { ToolRegistry } from '../../tools/registry.js';
import { AsyncQueue } from '../../util/async-queue.js';
import type { S2sClient, S2sConnectOptions, S2sEvent } from './types.js';

export const OpenAiRealtimeSettingsSchema = z.object({
  /** The Realtime WebSocket endpoint (the model is added as ?model=). */
  baseUrl: z.string().url().default('wss://api.openai.com/v1/realtime'),
  model: z.string().min(1).default('gpt-realtime'),
  voice: z.string().min(1).default('marin'),
  /** Who decides the user finished: silence (server_vad) or meaning (semantic_vad). */
  turnDetection: z.enum(['server_vad', 'semantic_vad']).default('semantic_vad'),
  /** server_vad only: silence that ends the user's turn, in ms. */
  silenceDurationMs: z.number().int().min(100).max(3000).default(500),
  /** Model that transcribes the user's speech (shown in the transcript). */
  transcriptionModel: z.string().min(1).default('gpt-4o-mini-transcribe'),
  /** Connect + session setup deadline, in ms. */
  handshakeTimeoutMs: z.number().int().min(1000).max(120_000).default(15_000),
});
export type OpenAiRealtimeSettings = z.infer<typeof OpenAiRealtimeSettingsSchema>;

const RATE = 24000;

interface ServerEvent {
  type: string;
  [k: string]: unknown;
}

/**
 * OpenAI Realtime over WebSocket: session.update (GA shape: instructions, 24 kHz PCM both ways,
 * server or semantic VAD, input transcription, voice, tools), microphone as
 * input_audio_buffer.append, and the server's events turned into S2sEvents. Listens for both the
 * current (response.output_audio.*) and the older (response.audio.*) event names. Interruption
 * truncates the assistant item at what was heard; function calls run on the same tool registry as
 * the cascade.
 */
export class OpenAiRealtimeClient implements S2sClient {
  readonly id = 'openai-realtime';
  readonly displayName = 'OpenAI Realtime';
  readonly sampleRate = RATE;
  readonly acceptsTextHistory = true;
  readonly paced = false;
  readonly transcribesUser = true;
  private ws: WebSocket | undefined;
  private readonly queue = new AsyncQueue<S2sEvent>();
  private closing = false;
  /** The assistant item whose audio is playing (for truncation). */
  private audioItem: string | undefined;
  /** Tool calls of the response in progress, running. */
  private toolRuns: Promise<void>[] = [];
  private nextEventId = 1;

  constructor(
    private readonly settings: OpenAiRealtimeSettings,
    private readonly apiKey: string,
    private readonly tools?: ToolRegistry,
    private readonly now: () => Date = () => new Date(),
    /** What the session-setup deadline waits on. */
    private readonly clock: Clock = systemClock,
  ) {}

  reopen(): OpenAiRealtimeClient {
    return new OpenAiRealtimeClient(this.settings, this.apiKey, this.tools, this.now, this.clock);
  }

  async connect(options: S2sConnectOptions = {}): Promise<void> {
    const url = new URL(this.settings.baseUrl);
    url.searchParams.set('model', this.settings.model);
    const ws = await connectWebSocket(url.toString(), {
      provider: this.id,
      displayName: this.displayName,
      headers: { Authorization: `Bearer ${this.apiKey}` },
      signal: options.signal,
      paused: true,
      timeoutMs: this.settings.handshakeTimeoutMs,
    });
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      let phase: 'created' | 'updated' | 'ready' = 'created';
      const timer = this.clock.setTimeout(() => {
        ws.terminate();
        reject(new ParleyError('provider/timeout', `${this.displayName} did not set up the session within ${Math.round(this.settings.handshakeTimeoutMs / 1000)} s`, { provider: this.id }));
      }, this.settings.handshakeTimeoutMs);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        let event: ServerEvent;
        try {
          event = JSON.parse(data.toString('utf8')) as ServerEvent;
          if (isBinary || typeof event?.type !== 'string') throw new Error('not an event');
        } catch {
          this.queue.push({ type: 'error', error: new ParleyError('provider/protocol', `${this.displayName} sent a malformed event; skipped`, { provider: this.id }), fatal: false });
          return;
        }
        if (phase === 'created' && event.type === 'session.created') {
          phase = 'updated';
          this.send(this.sessionUpdate(options.instructions));
          for (const m of options.history ?? []) this.send(historyItem(m));
          return;
        }
        if (phase === 'updated' && event.type === 'session.updated') {
          phase = 'ready';
          this.clock.clearTimeout(timer);
          this.queue.push({ type: 'ready' });
          return resolve();
        }
        if (phase !== 'ready' && event.type === 'error') {
          this.clock.clearTimeout(timer);
          ws.terminate();
          return reject(errorOf(event, this.id, this.displayName));
        }
        this.onEvent(event);
      });
      ws.on('close', (code: number, reason: Buffer) => {
        this.clock.clearTimeout(timer);
        const text = decodeCloseReason(reason);
        const why = `${code}${reason.length ? `: ${text}` : ''}`;
        // The service refuses a bad key after the upgrade: close 3000 "invalid_request_error.invalid_api_key".
        const refused = code === 3000 && /invalid_api_key|authentication/i.test(text) ? new ParleyError('provider/invalid-key', `invalid API key for ${this.displayName} (the service closed the connection: ${text})`, { provider: this.id }) : undefined;
        if (phase !== 'ready') reject(refused ?? new ParleyError('provider/disconnected', `${this.displayName} closed the connection during setup (${why})`, { provider: this.id }));
        else if (!this.closing) this.queue.push({ type: 'error', error: refused ?? new ParleyError('provider/disconnected', `${this.displayName} closed the connection mid-call (${why})`, { provider: this.id }), fatal: true });
        this.queue.end();
      });
      ws.resume();
      ws.on('error', (e: Error) => {
        if (phase === 'ready' && !this.closing) this.queue.push({ type: 'error', error: new ParleyError('provider/disconnected', `${this.displayName} connection failed: ${describeError(e)}`, { provider: this.id }), fatal: true });
      });
    });
  }

  pushAudio(samples: Float32Array): void {
    const pcm = float32ToInt16(samples);
    this.send({ type: 'input_audio_buffer.append', audio: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64') });
  }

  /**
   * The user spoke over the answer: cut the item at what was heard. The server's VAD (server or
   * semantic, with interrupt_response) has already cancelled the response itself; a
   * `response.cancel` on top would be refused with `response_cancel_not_active`.
   */
  interrupt(playedMs: number): void {
    if (this.audioItem) this.send({ type: 'conversation.item.truncate', item_id: this.audioItem, content_index: 0, audio_end_ms: Math.max(0, Math.round(playedMs)) });
    this.audioItem = undefined;
  }

  events(): AsyncIterable<S2sEvent> {
    return this.queue;
  }

  async close(): Promise<void> {
    this.closing = true;
    const ws = this.ws;
    if (ws && ws.readyState === ws.OPEN) ws.close(1000);
    this.queue.end();
  }

  private sessionUpdate(instructions: string | undefined): object {
    const s = this.settings;
    const turnDetection = s.turnDetection === 'server_vad' ? { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: s.silenceDurationMs } : { type: 'semantic_vad' };
    return {
      type: 'session.update',
      session: {
        type: 'realtime',
        ...(instructions ? { instructions } : {}),
        output_modalities: ['audio'],
        audio: {
          input: { format: { type: 'audio/pcm', rate: RATE }, turn_detection: turnDetection, transcription: { model: s.transcriptionModel } },
          output: { format: { type: 'audio/pcm', rate: RATE }, voice: s.voice },
        },
        ...(this.tools && this.tools.size > 0 ? { tools: this.tools.specs().map((t) => ({ type: 'function', name: t.name, description: t.description, parameters: t.parameters })), tool_choice: 'auto' } : {}),
      },
    };
  }

  private onEvent(e: ServerEvent): void {
    switch (e.type) {
      case 'response.output_audio.delta':
      case 'response.audio.delta': {
        this.audioItem = typeof e.item_id === 'string' ? e.item_id : this.audioItem;
        const bytes = Buffer.from(String(e.delta ?? ''), 'base64');
        if (bytes.length % 2 !== 0) {
          this.queue.push({ type: 'error', error: new ParleyError('provider/protocol', `${this.displayName} sent an audio delta of odd length; skipped`, { provider: this.id }), fatal: false });
          return;
        }
        const pcm = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
        if (pcm.length > 0) this.queue.push({ type: 'audio', samples: int16ToFloat32(pcm) });
        return;
      }
      case 'response.output_audio_transcript.delta':
      case 'response.audio_transcript.delta':
      case 'response.output_text.delta':
      case 'response.text.delta':
        if (typeof e.delta === 'string' && e.delta) this.queue.push({ type: 'text', text: e.delta });
        return;
      case 'conversation.item.input_audio_transcription.delta':
        if (typeof e.delta === 'string') this.queue.push({ type: 'user-transcript', text: e.delta, final: false });
        return;
      case 'conversation.item.input_audio_transcription.completed':
        this.queue.push({ type: 'user-transcript', text: String(e.transcript ?? ''), final: true });
        return;
      case 'input_audio_buffer.speech_started':
        this.queue.push({ type: 'user-speech', phase: 'started' });
        return;
      case 'input_audio_buffer.speech_stopped':
        this.queue.push({ type: 'user-speech', phase: 'stopped' });
        return;
      case 'response.function_call_arguments.done':
        this.toolRuns.push(this.runTool(String(e.call_id ?? ''), String(e.name ?? ''), String(e.arguments ?? '{}')));
        return;
      case 'response.done': {
        const response = (e.response ?? {}) as { status?: string; status_details?: { error?: { message?: string } } };
        if (response.status === 'failed') {
          this.queue.push({ type: 'error', error: new ParleyError('provider/server-error', `${this.displayName}: the response failed${response.status_details?.error?.message ? `: ${response.status_details.error.message}` : ''}`, { provider: this.id }), fatal: false });
        }
        const calledTool = Array.isArray((e.response as { output?: { type?: string }[] } | undefined)?.output) && ((e.response as { output: { type?: string }[] }).output.some((o) => o.type === 'function_call'));
        const runs = this.toolRuns.splice(0);
        if (!calledTool) this.queue.push({ type: 'response-done', interrupted: response.status === 'cancelled' });
        // Only one response may be active: once this one is done and every call has its output, ask
        // for one answer to all of them (a cancelled response is followed by the user's new turn).
        else if (response.status === 'completed') void Promise.allSettled(runs).then(() => this.send({ type: 'response.create' }));
        return;
      }
      case 'error': {
        const error = errorOf(e, this.id, this.displayName);
        this.queue.push({ type: 'error', error, fatal: error.code === 'provider/invalid-key' });
        return;
      }
      default:
        return; // session.updated, rate_limits.updated, item lifecycle, ...: nothing to do
    }
  }

  /** The model called a tool: run it on the shared registry and return the output (see response.done). */
  private async runTool(callId: string, name: string, args: string): Promise<void> {
    let parsed: unknown = args;
    try {
      parsed = JSON.parse(args);
    } catch {
      // the registry reports invalid arguments itself
    }
    const result = this.tools ? await this.tools.call({ id: callId, name, arguments: parsed }, { now: this.now }) : { ok: false, content: `no tool named ${name}` };
    this.queue.push({ type: 'notice', message: `tool ${name} ${result.ok ? 'answered' : 'failed'}: ${result.content.slice(0, 120)}` });
    this.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output: result.content } });
  }

  private send(event: object): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify({ event_id: `parley_${this.nextEventId++}`, ...event }));
  }
}

function historyItem(m: { role: 'user' | 'assistant'; text: string }): object {
  return { type: 'conversation.item.create', item: { type: 'message', role: m.role, content: [{ type: m.role === 'user' ? 'input_text' : 'output_text', text: m.text }] } };
}

function errorOf(e: ServerEvent, provider: string, displayName: string): ParleyError {
  const err = (e.error ?? {}) as { type?: string; code?: string; message?: string };
  const message = `${displayName}: ${err.message ?? 'error'}`;
  if (err.code === 'invalid_api_key' || err.type === 'authentication_error') return new ParleyError('provider/invalid-key', message, { provider });
  if (err.code === 'rate_limit_exceeded') return new ParleyError('provider/rate-limited', message, { provider });
  if (err.type === 'server_error') return new ParleyError('provider/server-error', message, { provider });
  return new ParleyError('provider/bad-request', message, { provider });
}
