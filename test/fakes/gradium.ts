import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { OpenSockets, keyCheckRoute, listenWebSocket, tonePcm } from './http.js';

/**
 * Gradium's speech API (reference/protocols.md section 6, Gradium's published WebSocket docs and
 * its Python SDK, the Pipecat and LiveKit plugins): `wss://<host>/api/speech/asr` and
 * `/api/speech/tts`, key in the `x-api-key` header. The upgrade succeeds for any key; a bad key
 * then gets `{"type":"error","code":1008}` and close 1008, as does a first message other than
 * `setup`, a bad format or undecodable audio. Internal faults are code 1011.
 */

/** Refuse the upgrade with an HTTP status (and Retry-After, in seconds). */
type StatusFault = { kind: 'status'; status: number; retryAfterS?: number };

export type GradiumSttFault =
  | StatusFault
  /**
   * After N ms of audio: drop the connection; send garbage; stop answering (no step, text or
   * flushed) while still reading audio and answering pings; send a message of a type this client
   * does not know; fail with an internal error (error 1011, then close 1011).
   */
  | { kind: 'drop' | 'malformed' | 'stall' | 'unknown-type' | 'internal'; afterAudioMs: number }
  /** Take the setup and never answer it (no `ready`, no error, the socket left open): a stuck service. */
  | { kind: 'silent-setup' }
  | undefined;

export interface FakeGradiumOptions {
  apiKey?: string;
  /**
   * What the user "says", one entry per utterance, handed out in order. `...` marks a hesitation:
   * each part is said in its own burst of speech, and the model's semantic VAD hears that the
   * sentence is not over during the pause between them (its inactivity rises slowly).
   */
  utterances?: string[];
  /** RMS above which a 20 ms window counts as speech. */
  speechRms?: number;
  /** Speech per word (ms) before the next scripted word is due; the rest come when the burst ends. */
  msPerWord?: number;
  /** Silence that ends a burst of speech (ms). */
  burstGapMs?: number;
  /** `ready` names the model delay `delay_in_tokens` (as the LiveKit plugin reads it) instead of `delay_in_frames`. */
  delayFieldName?: 'delay_in_frames' | 'delay_in_tokens';
  sttFaults?: GradiumSttFault[];
  /** Refuse every upgrade (any path) with this status, e.g. a 503 that never ends. */
  refuseAll?: { status: number; retryAfterS?: number };
  ttsFaults?: (GradiumTtsFault | undefined)[];
  /** TTS: ms of audio per character of text (a word of n characters lasts n * msPerChar + 60 ms). */
  msPerChar?: number;
  /** TTS: send each word's timestamped `text` after its audio instead of before it. */
  textAfterAudio?: boolean;
  /** No message from the client this long (real ms): error 1008 and close (undocumented; off by default). */
  idleTimeoutMs?: number;
}

/** TTS faults after N audio messages: drop the socket, stall, send audio that is not base64, fail with 1011. */
export type GradiumTtsFault = StatusFault | { kind: 'drop' | 'stall' | 'malformed' | 'internal'; after: number };

/** json_config.delay_in_frames values the service accepts (Gradium's transcription settings). */
const DELAYS = [7, 8, 10, 12, 14, 16, 20, 24, 32, 36, 48];
const DEFAULT_DELAY = 10;
const HORIZONS_S = [0.5, 1, 2];
const PCM_RATES: Record<string, number> = { pcm: 24000, pcm_8000: 8000, pcm_16000: 16000, pcm_22050: 22050, pcm_24000: 24000, pcm_44100: 44100, pcm_48000: 48000 };
const TTS_PCM_RATES: Record<string, number> = { ...PCM_RATES, pcm: 48000 };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Words after which a sentence cannot be over (the fake's "semantics"). */
const UNFINISHED = /^(?:and|or|but|to|a|an|the|of|for|with|um|uh|er|my|is|at|in)$/i;

export async function startFakeGradium(options: FakeGradiumOptions = {}) {
  const key = options.apiKey ?? 'test-gradium-key';
  const utterances = [...(options.utterances ?? ['hello there'])];
  const sttFaults = [...(options.sttFaults ?? [])];
  const ttsFaults = [...(options.ttsFaults ?? [])];
  const stats = {
    /** Every upgrade request (refused or not). */
    attempts: 0,
    sttConnections: 0,
    ttsConnections: 0,
    openSockets: 0,
    setups: [] as Record<string, unknown>[],
    audioBytes: 0,
    audioMessages: 0,
    /** Audio message sizes in samples (the client should send frame_size chunks). */
    audioChunkSamples: [] as number[],
    flushes: [] as unknown[],
    endOfStream: 0,
    /** Words sent as `text` (STT). */
    words: [] as string[],
    /** Errors the fake sent, as `code message`. */
    errors: [] as string[],
    /** TTS: text messages received, and what was generated per flush. */
    texts: [] as string[],
    generated: [] as { text: string; samples: number }[],
    closedIdle: 0,
  };
  const sockets = new OpenSockets();

  const server = await listenWebSocket(
    (req: http.IncomingMessage, socket: Duplex, head: Buffer, wss) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const refuse = (status: number, message: string, retryAfterS?: number) => {
        const retry = retryAfterS !== undefined ? `retry-after: ${retryAfterS}\r\n` : '';
        socket.write(`HTTP/1.1 ${status} Error\r\n${retry}content-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\nconnection: close\r\n\r\n${message}`);
        socket.destroy();
      };
      const stt = url.pathname === '/api/speech/asr';
      if (!stt && url.pathname !== '/api/speech/tts') return refuse(404, 'Not Found');
      stats.attempts++;
      if (options.refuseAll) return refuse(options.refuseAll.status, `fake ${options.refuseAll.status}`, options.refuseAll.retryAfterS);
      const fault = stt ? sttFaults.shift() : ttsFaults.shift();
      if (fault?.kind === 'status') return refuse(fault.status, `fake ${fault.status}`, fault.retryAfterS);
      if (stt) stats.sttConnections++;
      else stats.ttsConnections++;
      wss.handleUpgrade(req, socket, head, (ws) => {
        stats.openSockets++;
        sockets.add(ws);
        ws.on('close', () => stats.openSockets--);
        // The key is checked once the socket is open: the error comes as a message, then the close.
        if (req.headers['x-api-key'] !== key) return fail(ws, 1008, 'API key is revoked or expired');
        if (stt) sttSession(ws, fault as Exclude<GradiumSttFault, StatusFault>);
        else ttsSession(ws, fault as Exclude<GradiumTtsFault, StatusFault> | undefined);
      });
    },
    keyCheckRoute('/api/usages/credits', key, { remaining: 1000, allocated: 1000 }),
  );

  function fail(ws: WebSocket, code: 1008 | 1011, message: string): void {
    if (ws.readyState !== ws.OPEN) return;
    stats.errors.push(`${code} ${message}`);
    ws.send(JSON.stringify({ type: 'error', message, code }));
    ws.close(code, message.slice(0, 100));
  }

  /** Parses a client frame; anything but a JSON object with a type is a policy violation. */
  function parse(ws: WebSocket, data: Buffer, isBinary: boolean): ({ type: string } & Record<string, unknown>) | undefined {
    try {
      if (isBinary) throw new Error('binary');
      const m = JSON.parse(data.toString('utf8')) as { type?: unknown };
      if (typeof m !== 'object' || m === null || typeof m.type !== 'string') throw new Error('no type');
      return m as { type: string } & Record<string, unknown>;
    } catch {
      fail(ws, 1008, 'invalid message: expected a JSON object with a type');
      return undefined;
    }
  }

  /** Every open socket's idle timeout, to fire it now (instead of waiting for the timer). */
  const idleClosers = new Set<() => void>();
  function idleTimer(ws: WebSocket): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const closeIdle = () => {
      stats.closedIdle++;
      fail(ws, 1008, 'timeout: no message received');
    };
    const arm = () => {
      clearTimeout(timer);
      if (options.idleTimeoutMs !== undefined) timer = setTimeout(closeIdle, options.idleTimeoutMs);
    };
    idleClosers.add(closeIdle);
    ws.on('close', () => {
      clearTimeout(timer);
      idleClosers.delete(closeIdle);
    });
    arm();
    return arm;
  }

  // ---------- STT ----------

  function sttSession(ws: WebSocket, fault: Exclude<GradiumSttFault, StatusFault>) {
    const heard = idleTimer(ws);
    let rate = 0;
    let frameSize = 0;
    let delay = DEFAULT_DELAY;
    let pending = Buffer.alloc(0);
    let frames = 0; // frames processed on this connection
    let stalled = false;
    // The utterance being said: its parts (bursts), the words of the current part not yet said.
    let parts: string[][] = [];
    let partWords: string[] = [];
    let inBurst = false;
    let voicedInBurst = 0;
    let silentFrames = 1000; // long silence before anyone speaks
    let lastWordEndFrame = 0;
    /** Words said, waiting out the model's delay (frames on this connection). */
    const queue: { text: string; start: number; due: number }[] = [];
    const windowOf = () => Math.round(rate * 0.02);
    const seconds = (f: number) => Math.round(f * 0.08 * 1000) / 1000;
    const send = (m: object) => {
      if (ws.readyState === ws.OPEN && !stalled) ws.send(JSON.stringify(m));
    };
    ws.on('close', () => {
      // Words never delivered are said again by whoever transcribes the replayed audio.
      const current = [...queue.map((w) => w.text), ...partWords];
      const undelivered = [current, ...parts].filter((p) => p.length > 0);
      if (undelivered.length > 0) utterances.unshift(undelivered.map((p) => p.join(' ')).join(' ... '));
    });

    let wordsSaidInBurst = 0;
    let lastSaid = '';
    /** Says the words of the current burst due by now (one per msPerWord of speech), or all of them. */
    const say = (all: boolean) => {
      const due = all ? Infinity : Math.floor((voicedInBurst * 80) / (options.msPerWord ?? 300)) + 1;
      while (partWords.length > 0 && wordsSaidInBurst < due) {
        lastSaid = partWords.shift()!;
        wordsSaidInBurst++;
        queue.push({ text: lastSaid, start: frames, due: frames + delay });
      }
    };

    const deliver = (now: boolean) => {
      while (queue.length > 0 && (now || queue[0]!.due <= frames)) {
        const w = queue.shift()!;
        stats.words.push(w.text);
        send({ type: 'text', text: w.text, start_s: seconds(w.start), stream_id: 0 });
        // A word ends where the next one (or the burst) starts.
        const stop = queue[0]?.start ?? (inBurst ? frames : lastWordEndFrame);
        send({ type: 'end_text', stop_s: seconds(Math.max(stop, w.start + 1)), stream_id: 0 });
      }
    };

    const inactivity = (): number[] => {
      if (inBurst) return HORIZONS_S.map((h, i) => 0.02 + 0.01 * i + 0.02 * h);
      const s = silentFrames * 0.08;
      // A sentence still going (more to say after a hesitation, or a word that cannot end one)
      // makes the model expect the speaker back: inactivity rises four times slower.
      const unfinished = parts.length > 0 || UNFINISHED.test(lastSaid);
      const k = unfinished ? 1 : 0.25;
      return HORIZONS_S.map((h) => Math.round((s / (s + k * h)) * 1000) / 1000);
    };

    const processFrame = (frame: Buffer) => {
      // Stalled: audio is read, but the model runs no more (nothing is said, nothing is lost).
      if (stalled) return;
      const window = windowOf();
      let voiced = false;
      for (let w = 0; w + window <= frame.length / 2; w += window) {
        let acc = 0;
        for (let i = 0; i < window; i++) acc += (frame.readInt16LE((w + i) * 2) / 32768) ** 2;
        if (Math.sqrt(acc / window) > (options.speechRms ?? 0.02)) voiced = true;
      }
      if (voiced) {
        if (!inBurst) {
          inBurst = true;
          voicedInBurst = 0;
          wordsSaidInBurst = 0;
          if (parts.length === 0 && partWords.length === 0) {
            parts = (utterances.shift() ?? '').split('...').map((p) => p.trim().split(/\s+/).filter(Boolean));
          }
          partWords = parts.shift() ?? [];
        }
        voicedInBurst++;
        silentFrames = 0;
        say(false);
      } else {
        silentFrames++;
        if (inBurst && silentFrames * 80 >= (options.burstGapMs ?? 240)) {
          inBurst = false;
          lastWordEndFrame = frames - silentFrames + 1;
          say(true);
        }
      }
      frames++;
      deliver(false);
      send({ type: 'step', vad: inactivity().map((p, i) => ({ horizon_s: HORIZONS_S[i], inactivity_prob: p })), step_idx: frames - 1, step_duration_s: 0.08, total_duration_s: seconds(frames) });
    };

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      heard();
      const m = parse(ws, data, isBinary);
      if (!m) return;
      if (rate === 0) {
        if (m.type !== 'setup') return fail(ws, 1008, 'first message must be setup');
        stats.setups.push(m);
        if (fault?.kind === 'silent-setup') return;
        const format = typeof m.input_format === 'string' ? m.input_format : 'wav';
        rate = PCM_RATES[format] ?? 0;
        if (!rate) return fail(ws, 1008, `unsupported input_format '${format}' (this fake decodes pcm only)`);
        let config: { delay_in_frames?: unknown };
        try {
          config = (typeof m.json_config === 'string' ? JSON.parse(m.json_config) : (m.json_config ?? {})) as { delay_in_frames?: unknown };
        } catch {
          return fail(ws, 1008, 'invalid json_config');
        }
        if (config.delay_in_frames !== undefined) {
          if (!DELAYS.includes(config.delay_in_frames as number)) return fail(ws, 1008, `invalid delay_in_frames ${String(config.delay_in_frames)}`);
          delay = config.delay_in_frames as number;
        }
        frameSize = Math.round(rate * 0.08);
        const delayField = options.delayFieldName ?? 'delay_in_frames';
        return send({ type: 'ready', request_id: randomUUID(), model_name: m.model_name ?? 'default', sample_rate: rate, frame_size: frameSize, [delayField]: delay, text_stream_names: [] });
      }
      switch (m.type) {
        case 'audio': {
          if (typeof m.audio !== 'string' || !BASE64.test(m.audio)) return fail(ws, 1008, 'invalid audio: not base64');
          const bytes = Buffer.from(m.audio, 'base64');
          if (bytes.length % 2 !== 0) return fail(ws, 1008, 'invalid audio: pcm must be 16-bit samples');
          stats.audioBytes += bytes.length;
          stats.audioMessages++;
          stats.audioChunkSamples.push(bytes.length / 2);
          pending = Buffer.concat([pending, bytes]);
          while (pending.length >= frameSize * 2) {
            processFrame(pending.subarray(0, frameSize * 2));
            pending = pending.subarray(frameSize * 2);
            if (fault && 'afterAudioMs' in fault && frames * 80 >= fault.afterAudioMs) {
              const f = fault;
              fault = undefined;
              if (f.kind === 'drop') return void ws.terminate();
              if (f.kind === 'malformed') ws.send('{"type":"text", "text": garbage');
              if (f.kind === 'stall') stalled = true;
              if (f.kind === 'unknown-type') ws.send(JSON.stringify({ type: 'speaker_change', speaker: 1 }));
              if (f.kind === 'internal') return fail(ws, 1011, 'internal server error');
            }
          }
          return;
        }
        case 'flush':
          if (typeof m.flush_id !== 'number' && typeof m.flush_id !== 'string') return fail(ws, 1008, 'flush needs a flush_id');
          stats.flushes.push(m.flush_id);
          // Everything said before the flush comes out now, then the acknowledgement.
          if (inBurst) say(false);
          deliver(true);
          return send({ type: 'flushed', flush_id: m.flush_id });
        case 'end_of_stream':
          stats.endOfStream++;
          if (inBurst) {
            inBurst = false;
            lastWordEndFrame = frames;
            say(true);
          }
          deliver(true);
          send({ type: 'end_of_stream' });
          return ws.close(1000);
        case 'setup':
          return fail(ws, 1008, 'setup was already received');
        default:
          return fail(ws, 1008, `unknown message type '${m.type.slice(0, 40)}'`);
      }
    });
  }

  // ---------- TTS ----------

  function ttsSession(ws: WebSocket, fault: Exclude<GradiumTtsFault, StatusFault> | undefined) {
    const heard = idleTimer(ws);
    let rate = 0;
    let buffer = '';
    let audioSent = 0;
    let timeS = 0;
    let chain = Promise.resolve();
    let stalled = false;
    const send = (m: object) => {
      if (ws.readyState === ws.OPEN && !stalled) ws.send(JSON.stringify(m));
    };
    const tick = () => new Promise<void>((r) => setImmediate(r));
    const generate = (text: string) => {
      const words = text.split(/\s+/).filter(Boolean);
      if (words.length === 0) return;
      chain = chain.then(async () => {
        let samples = 0;
        for (const word of words) {
          if (ws.readyState !== ws.OPEN) return;
          const ms = word.length * (options.msPerChar ?? 5) + 60;
          const pcm = tonePcm(ms, rate);
          samples += pcm.length / 2;
          const stamp = { type: 'text', text: word, start_s: round(timeS), stop_s: round(timeS + ms / 1000) };
          timeS += pcm.length / 2 / rate;
          if (!options.textAfterAudio) send(stamp);
          const chunk = Math.round(rate * 0.08) * 2;
          for (let at = 0; at < pcm.length; at += chunk) {
            if (fault && audioSent === fault.after) {
              const f = fault;
              fault = undefined;
              if (f.kind === 'drop') return void ws.terminate();
              if (f.kind === 'stall') stalled = true;
              if (f.kind === 'internal') return fail(ws, 1011, 'internal server error');
              if (f.kind === 'malformed') {
                ws.send(JSON.stringify({ type: 'audio', audio: '%%% not base64 %%%' }));
                audioSent++;
                continue;
              }
            }
            send({ type: 'audio', audio: pcm.subarray(at, at + chunk).toString('base64') });
            audioSent++;
            await tick();
          }
          if (options.textAfterAudio) send(stamp);
        }
        stats.generated.push({ text: words.join(' '), samples });
      });
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      heard();
      const m = parse(ws, data, isBinary);
      if (!m) return;
      if (rate === 0) {
        if (m.type !== 'setup') return fail(ws, 1008, 'first message must be setup');
        stats.setups.push(m);
        if (typeof m.voice_id !== 'string' && typeof m.voice !== 'string') return fail(ws, 1008, 'setup needs a voice_id');
        const format = typeof m.output_format === 'string' ? m.output_format : 'wav';
        rate = TTS_PCM_RATES[format] ?? 0;
        if (!rate) return fail(ws, 1008, `unsupported output_format '${format}' (this fake speaks pcm only)`);
        return send({ type: 'ready', request_id: randomUUID(), model_name: m.model_name ?? 'default', sample_rate: rate, frame_size: Math.round(rate * 0.08) });
      }
      if (m.type === 'text') {
        if (typeof m.text !== 'string') return fail(ws, 1008, 'text message without text');
        stats.texts.push(m.text);
        // Consecutive text messages are joined with one space; a <flush> tag speaks what came before it now.
        buffer += (buffer ? ' ' : '') + m.text;
        const flushAt = buffer.lastIndexOf('<flush>');
        if (flushAt >= 0) {
          generate(buffer.slice(0, flushAt).replace(/<flush>/g, ' '));
          buffer = buffer.slice(flushAt + '<flush>'.length);
        }
        return;
      }
      if (m.type === 'end_of_stream') {
        stats.endOfStream++;
        generate(buffer.replace(/<flush>/g, ' '));
        buffer = '';
        chain = chain.then(() => {
          send({ type: 'end_of_stream' });
          if (ws.readyState === ws.OPEN && !stalled) ws.close(1000);
        });
        return;
      }
      if (m.type === 'setup') return fail(ws, 1008, 'setup was already received');
      return fail(ws, 1008, `unknown message type '${m.type.slice(0, 40)}'`);
    });
  }

  return {
    url: server.url,
    key,
    stats,
    close: server.close,
    /** The idle timeout fires now on every open socket; resolves once they closed. */
    async timeOutIdle(): Promise<void> {
      const open = sockets.list();
      for (const close of [...idleClosers]) close();
      await Promise.all(open.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise((r) => ws.once('close', r)))));
    },
    /** Drops every open connection now (as a network blip would), returning how many. */
    dropConnections: () => sockets.dropAll(),
  };
}

const round = (s: number) => Math.round(s * 1000) / 1000;

export type FakeGradium = Awaited<ReturnType<typeof startFakeGradium>>;
