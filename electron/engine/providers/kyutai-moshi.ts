import type * as Msgpack from '@msgpack/msgpack';
import type WebSocket from 'ws';
import type { Clock } from '../clock.js';
import { ParleyError, abortError, describeError } from '../errors.js';
import { connectWebSocket } from './websocket.js';

/**
 * What Kyutai's STT and TTS clients share about moshi-server (the self-hosted server Unmute runs;
 * reference/protocols.md section 7): auth, MessagePack framing, the Ready handshake and its errors.
 */

/** The id moshi-server's shipped configs authorise (Unmute sends it as is). */
export const DEFAULT_AUTH_ID = 'public_token';
export const KEY_VARIABLE = 'KYUTAI_API_KEY';
/** moshi-server's audio, both ways: 24 kHz mono float32, 1920 samples (80 ms) per model step. */
export const KYUTAI_RATE = 24000;
export const KYUTAI_FRAME = 1920;
/** Frames with no Ready (ms): the model may be busy warming up, but not this long. */
const READY_TIMEOUT_MS = 10_000;

export interface KyutaiMessage {
  type: string;
  [field: string]: unknown;
}

type MsgpackModule = typeof Msgpack;
let msgpack: MsgpackModule | undefined;

/** The MessagePack codec, loaded with the first connection (the registry and other commands stay light). */
export async function loadMsgpack(): Promise<void> {
  msgpack ??= await import('@msgpack/msgpack');
}

function codec(): MsgpackModule {
  if (!msgpack) throw new Error('MessagePack is not loaded yet (loadMsgpack() runs with the first connection)');
  return msgpack;
}

export function packMessage(message: KyutaiMessage): Uint8Array {
  return codec().encode(message);
}

/**
 * `{"type":"Audio","pcm":[f32 ...]}` written by hand: every sample as a MessagePack float32 (a
 * generic encoder would turn 0 into an integer), 5 bytes a sample, as Unmute's client sends them.
 */
export function packAudio(pcm: Float32Array): Uint8Array {
  const head = [0x82, 0xa4, ...Buffer.from('type'), 0xa5, ...Buffer.from('Audio'), 0xa3, ...Buffer.from('pcm'), 0xdd];
  const out = new Uint8Array(head.length + 4 + pcm.length * 5);
  out.set(head, 0);
  const view = new DataView(out.buffer);
  view.setUint32(head.length, pcm.length);
  let o = head.length + 4;
  for (let i = 0; i < pcm.length; i++, o += 5) {
    out[o] = 0xca;
    view.setFloat32(o + 1, pcm[i]!);
  }
  return out;
}

/** A server frame as a message; anything else (a text frame, bytes that are not a tagged map) throws. */
export function unpackMessage(data: Buffer, isBinary: boolean): KyutaiMessage {
  if (!isBinary) throw new Error('a text frame (moshi-server sends MessagePack in binary frames)');
  const message = codec().decode(data) as KyutaiMessage;
  if (typeof message !== 'object' || message === null || Array.isArray(message) || typeof message.type !== 'string') throw new Error('not a MessagePack map with a type');
  return message;
}

export function authHeaders(apiKey: string | undefined): Record<string, string> {
  return { 'kyutai-api-key': apiKey || DEFAULT_AUTH_ID };
}

/** All the server's channels (its batch size) are taken: worth retrying later, and the user should know why. */
export function capacityError(provider: string, displayName: string, where: string): ParleyError {
  return new ParleyError('provider/rate-limited', `${displayName} at ${where} is full (no free channels: every session its batch size allows is in use); try again shortly or raise batch_size in the server's config`, { provider });
}

/**
 * Connects and waits for `Ready` (moshi-server sends it once a channel is reserved; `Error` instead
 * means it is at capacity). A refused upgrade (401) names the key variable: the server checks the
 * key against its config's authorized_ids.
 */
export interface KyutaiConnection {
  ws: WebSocket;
  /**
   * Frames that came after Ready, before the caller listened (they can share its packet). Call it
   * right after attaching the caller's own 'message' listener, and handle them first.
   */
  takeBacklog(): [Buffer, boolean][];
}

export async function connectKyutai(url: string, o: { provider: string; displayName: string; apiKey: string | undefined; signal: AbortSignal; clock: Clock }): Promise<KyutaiConnection> {
  const where = url.split('?')[0]!;
  await loadMsgpack();
  let ws: WebSocket;
  try {
    ws = await connectWebSocket(url, { provider: o.provider, displayName: o.displayName, headers: authHeaders(o.apiKey), signal: o.signal, paused: true });
  } catch (e) {
    if (e instanceof ParleyError && e.code === 'provider/invalid-key') {
      const sent = o.apiKey ? `the key in ${KEY_VARIABLE}` : `the default id '${DEFAULT_AUTH_ID}' (no ${KEY_VARIABLE} was given for this endpoint)`;
      throw new ParleyError('provider/invalid-key', `invalid API key for ${o.displayName}: the server at ${where} refused ${sent} (401); set ${KEY_VARIABLE} to one of its authorized_ids`, { provider: o.provider, cause: e });
    }
    throw e;
  }
  ws.on('error', () => undefined); // surfaces as 'close'
  const backlog: [Buffer, boolean][] = [];
  const keep = (data: Buffer, isBinary: boolean) => backlog.push([data, isBinary]);
  const takeBacklog = () => {
    ws.off('message', keep);
    return backlog.splice(0);
  };
  return new Promise<KyutaiConnection>((resolve, reject) => {
    const done = (error?: Error) => {
      o.clock.clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      o.signal.removeEventListener('abort', onAbort);
      if (!error) {
        ws.on('message', keep);
        return resolve({ ws, takeBacklog });
      }
      ws.terminate();
      reject(error);
    };
    const onMessage = (data: Buffer, isBinary: boolean) => {
      let m: KyutaiMessage;
      try {
        m = unpackMessage(data, isBinary);
      } catch (e) {
        return done(new ParleyError('provider/protocol', `${o.displayName} sent a malformed first message (${describeError(e).slice(0, 80)})`, { provider: o.provider }));
      }
      if (m.type === 'Ready') return done();
      if (m.type === 'Error') {
        const text = typeof m.message === 'string' ? m.message.slice(0, 200) : 'unknown error';
        return done(/no free channels/i.test(text) ? capacityError(o.provider, o.displayName, where) : new ParleyError('provider/server-error', `${o.displayName} refused the session: ${text}`, { provider: o.provider }));
      }
      // Unmute tolerates a stray message before Ready (a race in the server); so does this.
    };
    const onClose = (code: number) => done(new ParleyError('provider/disconnected', `${o.displayName} closed the connection before it was ready (${code})`, { provider: o.provider }));
    const onAbort = () => done(abortError());
    const notReady = () => done(new ParleyError('provider/timeout', `${o.displayName} at ${where} did not say Ready within ${READY_TIMEOUT_MS / 1000} s`, { provider: o.provider }));
    const timer = o.clock.setTimeout(notReady, READY_TIMEOUT_MS, { background: true });
    ws.on('message', onMessage);
    ws.once('close', onClose);
    o.signal.addEventListener('abort', onAbort, { once: true });
    ws.resume();
  });
}
