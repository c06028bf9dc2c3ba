import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { decode, encode } from '@msgpack/msgpack';
import type { WebSocket } from 'ws';
import { OpenSockets, listenWebSocket } from './http.js';

/**
 * A Kyutai moshi-server as Unmute runs it (reference/protocols.md section 7 and its "Checked against
 * vendor SDK sources" notes; kyutai-labs/moshi rust/moshi-server/src/{main.rs,batched_asr.rs,
 * py_module.rs,tts.rs}): a BatchedAsr module on /api/asr-streaming and the Py TTS module on
 * /api/tts_streaming, in one server (moshi-server serves every module of its config on one port).
 *
 * As the real server:
 * - Auth: header `kyutai-api-key` (else query `auth_id`) must be one of `authorized_ids`, else the
 *   upgrade is refused with a bare 401 (no body). Other paths: 404.
 * - Every frame is a binary MessagePack map tagged by `type` (struct-map encoding). Text frames are
 *   ignored by the ASR and spoken as raw text by the TTS; a TTS binary frame "\0" is end of stream.
 * - A binary frame that is not MessagePack, or a message of a type (or shape) the server does not
 *   know, fails the handler's receive loop (rmp_serde error): no Error message is sent. The ASR
 *   then drops the connection without a close frame; the TTS drops its channel, whose send loop
 *   closes the socket with a bare close frame (1005 at the client).
 * - All channels (the module's batch size) taken: `Error{message:"no free channels"}`, then close.
 * - ASR: `Ready` first; `Audio{pcm}` of any length is buffered and consumed in 1920-sample (80 ms
 *   at 24 kHz) frames; one `Step{step_idx, prs, buffered_pcm}` per frame; `Word{text,start_time}`
 *   and `EndWord{stop_time}` `delayFrames` steps after the audio they describe; `Marker{id}` comes
 *   back once the audio buffered before it plus the delay has been processed. There is no flush or
 *   end-of-stream message: clients send silence until their marker returns.
 * - TTS: `Ready` first; each word of the text becomes audio (`Audio{pcm}` float32 24 kHz, 1920 per
 *   frame) and, once the next word starts (or at end of stream), `Text{text,start_s,stop_s}` with
 *   its times in the audio (12.5 steps per second); after `Eos` the remaining audio, then a close.
 *
 * It cannot recognise speech: it detects it (energy in 20 ms windows of the float audio) and
 * "transcribes" each utterance as the next scripted text, one word per `wordMs` of speech heard
 * (any words left when the utterance ends come at its end). An utterance ends after
 * `utteranceGapMs` of silence or at a Marker. The pause prediction `prs` (4 heads; Unmute reads
 * index 2) rises in silence: fast once the utterance's words have all been said, five times slower
 * while words are still to come (a hesitation mid-sentence), and stays low during speech.
 * Utterances handed out on a connection since its last returned Marker go back to the script when
 * it closes: the client replays that audio on its next connection and hears them again.
 */
export interface FakeKyutaiOptions {
  /** The server config's authorized_ids (default ['public_token'], moshi-server's default config). */
  authorizedIds?: string[];
  /** Channels (batch size) of each module (default 4). */
  channels?: number;
  /** What the user "says", one entry per utterance, handed out in order. */
  utterances?: string[];
  /** Speech heard per word handed out (ms, default 250). */
  wordMs?: number;
  /** The ASR delay in 80 ms steps (default 6 = 0.48 s, stt-1b's 0.5 s). */
  delayFrames?: number;
  /** RMS above which a 20 ms window is speech (default 0.02). */
  speechRms?: number;
  /** Silence that ends an utterance (ms, default 800). */
  utteranceGapMs?: number;
  /** Faults, per ASR connection in order. */
  sttFaults?: (KyutaiSttFault | undefined)[];
  /** Faults, per TTS connection in order. */
  ttsFaults?: (KyutaiTtsFault | undefined)[];
  /** TTS: audio per character of a word (ms, default 60; at least 2 frames per word). */
  msPerChar?: number;
  /** TTS: real ms between two audio frames (default 0: as fast as it can). */
  ttsFrameDelayMs?: number;
}

export type KyutaiSttFault =
  /** Refuse the upgrade with this status (e.g. 503 from a reverse proxy in front of the server). */
  | { kind: 'status'; status: number }
  /** All channels taken: Error "no free channels" and close, as the server does. */
  | { kind: 'full' }
  /** Upgrade, then say nothing (no Ready, no Error, the socket left open): a stuck server. */
  | { kind: 'no-ready' }
  /**
   * After N ms of audio: drop the connection; send a frame that is not MessagePack; stop answering
   * (still reading); send a message of a type the client does not know.
   */
  | { kind: 'drop' | 'malformed' | 'stall' | 'unknown-type'; afterAudioMs: number };

export type KyutaiTtsFault =
  | { kind: 'status'; status: number }
  | { kind: 'full' }
  /** After N audio frames: drop the connection; send Error{message}; stop sending (still reading); send a message of a type the client does not know. */
  | { kind: 'drop' | 'error' | 'stall' | 'unknown-type'; afterFrames: number };

/** A server message: a map tagged by `type`. */
type OutMessage = { type: string } & Record<string, unknown>;

const RATE = 24000;
const FRAME = 1920;
const STEP_S = FRAME / RATE;
const WINDOW = 480; // 20 ms
const PAUSE_TAU_S = [0.08, 0.15, 0.25, 0.5];
const HESITATION_SLOWDOWN = 5;

interface Utterance {
  words: string[];
  next: number;
  text: string;
}

export async function startFakeKyutai(options: FakeKyutaiOptions = {}) {
  const authorized = new Set(options.authorizedIds ?? ['public_token']);
  const channels = options.channels ?? 4;
  const utterances = [...(options.utterances ?? ['hello there'])];
  const sttFaults = [...(options.sttFaults ?? [])];
  const ttsFaults = [...(options.ttsFaults ?? [])];
  const delayFrames = options.delayFrames ?? 6;
  const stats = {
    stt: { attempts: 0, connections: 0, open: 0, audioSamples: 0, audioMessages: 0, oddLengthMessages: 0, markers: [] as number[], markersReturned: [] as number[], zeroFrames: 0, transcripts: [] as string[], closedWithoutMarker: 0 },
    tts: { attempts: 0, connections: 0, open: 0, texts: [] as string[], emptyTexts: 0, eos: 0, queries: [] as URLSearchParams[], frames: 0 },
    headers: [] as (string | undefined)[],
  };
  const sockets = new OpenSockets();
  // As rmp_serde writes the server's fields: pcm and prs are f32, times f64.
  const pack = (m: OutMessage) => encode(m, { forceFloat32: m.type === 'Audio' || m.type === 'Step' });

  const server = await listenWebSocket((req: http.IncomingMessage, socket: Duplex, head: Buffer, wss) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number) => {
      const reason = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : status === 503 ? 'Service Unavailable' : 'Error';
      socket.write(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      socket.destroy();
    };
    const module = url.pathname === '/api/asr-streaming' ? 'stt' : url.pathname === '/api/tts_streaming' ? 'tts' : undefined;
    if (!module) return refuse(404);
    stats[module].attempts++;
    const header = req.headers['kyutai-api-key'];
    const id = typeof header === 'string' ? header : (url.searchParams.get('auth_id') ?? undefined);
    stats.headers.push(id);
    if (!id || !authorized.has(id)) return refuse(401);
    const fault = module === 'stt' ? sttFaults.shift() : ttsFaults.shift();
    if (fault?.kind === 'status') return refuse(fault.status);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const open = module === 'stt' ? stats.stt.open : stats.tts.open;
      if (fault?.kind === 'full' || open >= channels) {
        ws.send(pack({ type: 'Error', message: 'no free channels' }));
        ws.close();
        return;
      }
      if (fault?.kind === 'no-ready') return;
      stats[module].connections++;
      if (module === 'stt') sttSession(ws, fault as Exclude<KyutaiSttFault, { kind: 'status' | 'full' | 'no-ready' }> | undefined);
      else ttsSession(ws, url.searchParams, fault as Exclude<KyutaiTtsFault, { kind: 'status' | 'full' }> | undefined);
    });
  });

  function sttSession(ws: WebSocket, fault: { kind: 'drop' | 'malformed' | 'stall' | 'unknown-type'; afterAudioMs: number } | undefined) {
    stats.stt.open++;
    let stalled = false;
    let pending: number[] = []; // buffered pcm (extend_data)
    let step = 0; // frames processed
    let speechS = -1; // time the current speech run started (stream seconds)
    let lastSpeechEnd = -1;
    let voicedInUtterance = 0;
    let current: Utterance | undefined;
    /** Handed out on this connection since the last returned marker (go back to the script on close). */
    let uncommitted: Utterance[] = [];
    const scheduled: { at: number; msg: OutMessage }[] = [];
    const markers: { dueStep: number; id: number; committed: Utterance[] }[] = [];
    const send = (m: OutMessage) => {
      if (!stalled && ws.readyState === ws.OPEN) ws.send(pack(m));
    };
    const schedule = (at: number, msg: OutMessage) => {
      scheduled.push({ at, msg });
      scheduled.sort((a, b) => a.at - b.at);
    };
    const sayWord = (u: Utterance, start: number) => {
      const text = u.words[u.next++]!;
      const stop = start + ((options.wordMs ?? 250) / 1000) * 0.8;
      schedule(start + delayFrames * STEP_S, { type: 'Word', text, start_time: round(start) });
      schedule(stop + delayFrames * STEP_S, { type: 'EndWord', stop_time: round(stop) });
    };
    const endUtterance = () => {
      if (!current) return;
      // Words not yet said come at the utterance's end.
      const end = Math.max(lastSpeechEnd, 0);
      while (current.next < current.words.length) sayWord(current, end);
      current = undefined;
    };
    ws.on('close', () => {
      stats.stt.open--;
      if (markers.length > 0 || uncommitted.length > 0) stats.stt.closedWithoutMarker++;
      // What no returned marker covered is said again to whoever replays the audio.
      utterances.unshift(...uncommitted.map((u) => u.text));
    });
    send({ type: 'Ready' });

    const processFrame = (frame: number[]) => {
      const t0 = step * STEP_S;
      let zero = true;
      for (let w = 0; w < FRAME; w += WINDOW) {
        let acc = 0;
        for (let i = w; i < w + WINDOW; i++) {
          acc += frame[i]! * frame[i]!;
          if (frame[i] !== 0) zero = false;
        }
        const t = t0 + w / RATE;
        const speech = Math.sqrt(acc / WINDOW) > (options.speechRms ?? 0.02);
        if (speech) {
          if (speechS < 0) speechS = t;
          if (!current) {
            const text = utterances.shift() ?? '';
            current = { text, words: text.split(/\s+/).filter(Boolean), next: 0 };
            if (text) {
              uncommitted.push(current);
              stats.stt.transcripts.push(text);
            }
            voicedInUtterance = 0;
          }
          voicedInUtterance += WINDOW / RATE;
          const due = Math.floor(voicedInUtterance / ((options.wordMs ?? 250) / 1000) + 1e-9);
          while (current.next < Math.min(due, current.words.length)) sayWord(current, t);
          lastSpeechEnd = t + WINDOW / RATE;
        } else {
          speechS = -1;
          if (current && lastSpeechEnd >= 0 && t - lastSpeechEnd >= (options.utteranceGapMs ?? 800) / 1000) endUtterance();
        }
      }
      if (zero) stats.stt.zeroFrames++;
      step++;
      // Stalled: the model loop answers nothing more (no steps, words or markers) while audio is read.
      if (stalled) return;
      const now = step * STEP_S;
      // The pause prediction: low in speech, rising in silence, slowly while words are still owed.
      const silence = lastSpeechEnd < 0 ? 10 : speechS >= 0 ? 0 : Math.max(0, now - lastSpeechEnd);
      const slow = current && current.next < current.words.length ? HESITATION_SLOWDOWN : 1;
      const prs = PAUSE_TAU_S.map((tau) => round(Math.max(0.01, 1 - Math.exp(-silence / (tau * slow)))));
      send({ type: 'Step', step_idx: step - 1, prs, buffered_pcm: pending.length });
      while (scheduled.length > 0 && scheduled[0]!.at <= now + 1e-9) {
        send(scheduled.shift()!.msg);
      }
      while (markers.length > 0 && markers[0]!.dueStep <= step) {
        const m = markers.shift()!;
        stats.stt.markersReturned.push(m.id);
        uncommitted = uncommitted.filter((u) => !m.committed.includes(u));
        send({ type: 'Marker', id: m.id });
      }
    };

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return; // text frames are ignored
      let msg: unknown;
      try {
        msg = decode(data);
      } catch {
        return ws.terminate(); // rmp_serde error: the receive loop fails, the connection drops
      }
      const m = msg as { type?: unknown; pcm?: unknown; id?: unknown };
      if (typeof m !== 'object' || m === null) return ws.terminate();
      switch (m.type) {
        case 'Init':
          return send({ type: 'Ready' });
        case 'OggOpus':
          return; // not decodable here; the server logs "oggopus not supported" and goes on
        case 'Marker': {
          if (typeof m.id !== 'number' || !Number.isInteger(m.id)) return ws.terminate();
          stats.stt.markers.push(m.id);
          endUtterance();
          markers.push({ id: m.id, dueStep: step + delayFrames + Math.floor(pending.length / FRAME), committed: [...uncommitted] });
          return;
        }
        case 'Audio': {
          if (!Array.isArray(m.pcm) || !m.pcm.every((v) => typeof v === 'number')) return ws.terminate();
          stats.stt.audioMessages++;
          if (m.pcm.length !== FRAME) stats.stt.oddLengthMessages++;
          stats.stt.audioSamples += m.pcm.length;
          pending = pending.concat(m.pcm as number[]);
          while (pending.length >= FRAME) {
            const frame = pending.slice(0, FRAME);
            pending = pending.slice(FRAME);
            processFrame(frame);
            if (fault && (step * STEP_S * 1000 >= fault.afterAudioMs)) {
              const f = fault;
              fault = undefined;
              if (f.kind === 'drop') return ws.terminate();
              if (f.kind === 'malformed') ws.send(Buffer.from([0xc1, 0x00, 0xff]));
              if (f.kind === 'unknown-type') send({ type: 'Telemetry', note: 'a message type added after this client was written' });
              if (f.kind === 'stall') stalled = true;
            }
          }
          return;
        }
        default:
          return ws.terminate(); // unknown variant: a deserialisation error, as any other
      }
    });
  }

  function ttsSession(ws: WebSocket, query: URLSearchParams, fault: { kind: 'drop' | 'error' | 'stall' | 'unknown-type'; afterFrames: number } | undefined) {
    stats.tts.open++;
    stats.tts.queries.push(query);
    // Without format=PcmMessagePack the server streams raw Ogg/Opus pages (its default format).
    const msgpackFormat = query.get('format') === 'PcmMessagePack';
    const words: string[] = [];
    let eos = false;
    let started = false;
    let generating = false;
    let done = false;
    let steps = 0;
    let frames = 0;
    let stalled = false;
    let previous: { text: string; start_s: number; stop_s: number } | undefined;
    ws.on('close', () => {
      stats.tts.open--;
      done = true;
    });
    const send = (m: OutMessage) => {
      if (done || stalled || ws.readyState !== ws.OPEN) return;
      ws.send(msgpackFormat ? pack(m) : Buffer.from('OggS\0\x02fake-opus-page'));
    };
    const finish = () => {
      if (done) return;
      done = true;
      ws.close(); // the send loop ends with a bare close frame
    };
    send({ type: 'Ready' });
    const msPerChar = options.msPerChar ?? 60;
    const generate = async () => {
      if (generating) return;
      generating = true;
      while (!done) {
        if (stalled) return; // hangs: reads on, generates nothing more, never closes
        const word = words.shift();
        if (word === undefined) {
          if (eos) {
            if (previous) send({ type: 'Text', ...previous });
            previous = undefined;
            return finish();
          }
          generating = false;
          return;
        }
        // MASK_WORD_FINISHED marks the start of a new word: the previous one's times are now known.
        if (previous) send({ type: 'Text', ...previous });
        const n = Math.max(2, Math.ceil((word.length * msPerChar) / (STEP_S * 1000)));
        const start = steps / 12.5;
        for (let i = 0; i < n && !done; i++) {
          const pcm = new Float32Array(FRAME);
          for (let j = 0; j < FRAME; j++) pcm[j] = 0.3 * Math.sin((2 * Math.PI * 220 * (frames * FRAME + j)) / RATE);
          send({ type: 'Audio', pcm: Array.from(pcm) });
          steps++;
          frames++;
          stats.tts.frames++;
          if (fault && frames >= fault.afterFrames) {
            const f = fault;
            fault = undefined;
            if (f.kind === 'drop') {
              done = true;
              return ws.terminate();
            }
            if (f.kind === 'error') {
              send({ type: 'Error', message: 'fake generation error' });
              return finish();
            }
            if (f.kind === 'unknown-type') send({ type: 'Telemetry', note: 'a message type added after this client was written' });
            else stalled = true;
          }
          await new Promise((r) => setTimeout(r, options.ttsFrameDelayMs ?? 0));
        }
        previous = { text: word, start_s: start, stop_s: steps / 12.5 };
      }
    };
    const addText = (text: string) => {
      stats.tts.texts.push(text);
      if (text.trim() === '') stats.tts.emptyTexts++;
      // tts_preprocess.rs: <break time="Ns"/> tags are pauses; the rest normalised, split at whitespace.
      text.split(/<break\s+time="([0-9.]+)s"\s*\/>/).forEach((part, i) => {
        if (i % 2 === 1) {
          if (Number(part) > 0) words.push(`<break time="${Number(part).toFixed(2)}s">`);
          return;
        }
        const normalized = part.replace(/’/g, "'").replace(/–/g, '').replace(/:/g, ' ').replace(/[()]/g, '');
        for (const w of normalized.split(/\s+/)) if (w) words.push(w);
      });
      started = true;
      void generate();
    };
    const endOfStream = () => {
      stats.tts.eos++;
      eos = true;
      // Eos before any text: the channel is dropped at once.
      if (!started) return finish();
      void generate();
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (done) return;
      if (!isBinary) return addText(data.toString('utf8'));
      if (data.length === 1 && data[0] === 0) return endOfStream();
      let msg: unknown;
      try {
        msg = decode(data);
      } catch {
        return finish(); // the receive loop fails; the channel is dropped; the send loop closes
      }
      const m = msg as { type?: unknown; text?: unknown; embeddings?: unknown; shape?: unknown };
      if (typeof m !== 'object' || m === null) return finish();
      if (m.type === 'Text' && typeof m.text === 'string') return addText(m.text);
      if (m.type === 'Eos') return endOfStream();
      if (m.type === 'Voice' && Array.isArray(m.embeddings) && Array.isArray(m.shape)) return;
      finish();
    });
  }

  // dropConnections: every open connection dropped now, as a network blip would.
  return { url: server.url, key: [...authorized][0]!, stats, close: server.close, dropConnections: () => sockets.dropAll() };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export type FakeKyutai = Awaited<ReturnType<typeof startFakeKyutai>>;
