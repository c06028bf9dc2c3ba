import { OggOpusDecoder as ReferenceDecoder } from 'ogg-opus-decoder';
import type { WebSocket } from 'ws';
import { OggOpusEncoder } from '../../electron/engine/codec/ogg-opus.js';
import { listenWebSocket } from './http.js';

export type MoshiFault = MoshiFaultKind & {
  /** Only on this connection (1 = the first); default every connection. */
  connection?: number;
};

type MoshiFaultKind =
  /** Close the socket abruptly. */
  | { kind: 'drop'; afterMs: number }
  /** Stop sending anything, for good, with the socket left open (a hung model). */
  | { kind: 'freeze'; afterMs: number }
  /** An audio message whose payload is not Ogg. */
  | { kind: 'garbage'; afterMs: number }
  /** Messages of kinds the client does not know, an empty message, a control without action, a text frame. */
  | { kind: 'odd-messages'; afterMs: number }
  /** An error message from the server (0x05). */
  | { kind: 'error-message'; afterMs: number; message: string }
  /** One audio message carrying `seconds` of valid Ogg/Opus (a hostile or broken server's flood). */
  | { kind: 'flood'; afterMs: number; seconds: number }
  /** One audio message of `bytes` bytes of bogus Ogg pages (capture patterns, broken CRCs). */
  | { kind: 'oversize'; afterMs: number; bytes: number }
  /** The model stops producing for durationMs, then everything it owed arrives at once. */
  | { kind: 'stall'; afterMs: number; durationMs: number };

export interface FakeMoshiOptions {
  /** Model priming before the handshake (ms), or never send one. Default 30. */
  handshakeDelayMs?: number | 'never';
  /** The handshake as sent: the Python server's [0x00] (default) or the web client's [0x00, version, model]. */
  handshake?: number[];
  /** What the model answers after each user utterance, token by token (text pieces with their leading spaces). */
  replies?: string[][];
  /** The model's voice: a WAV's samples at 24 kHz (default: a tone per token). */
  voice?: Float32Array;
  /** Silence after user speech that makes the model answer (ms of input audio). Default 400. */
  endOfSpeechMs?: number;
  /** Send raw PCM instead of Ogg/Opus (a server speaking another protocol). */
  rawPcm?: boolean;
  /** Echo: every frame heard is played back one step later (no answers, no tokens). */
  echo?: boolean;
  faults?: MoshiFault[];
  /** Close these connections (1 = the first) right after their handshake: a server that keeps dying. */
  dropAfterHandshake?: (connection: number) => boolean;
  /** Send each text token as two messages, split before its last byte (a UTF-8 character may straddle them). */
  splitText?: boolean;
  /** Listen on this port (default: any free one). */
  port?: number;
}

const RATE = 24000;
const FRAME = 1920; // 80 ms: Moshi's step

/**
 * A Moshi server (reference/protocols.md 7c): binary messages tagged by their first byte, a
 * handshake when "the model" is ready, Ogg/Opus audio both ways. It decodes the client's audio with
 * an independent decoder (ogg-opus-decoder), detects speech by energy, and like the real model
 * emits exactly one 80 ms audio frame per 80 ms of input (silence, or its answer with text tokens
 * in step), so its pacing follows the client's microphone.
 */
export async function startFakeMoshi(options: FakeMoshiOptions = {}) {
  const stats = {
    connections: 0,
    bytesIn: 0,
    secondsHeard: 0,
    framesOut: 0,
    tokensOut: [] as string[],
    utterancesHeard: 0,
    firstReplyFrameAt: [] as number[],
    /** performance.now() when each audio message arrived, and when each answer's first frame was sent. */
    audioArrivals: [] as number[],
    replySentAt: [] as number[],
  };
  const server = await listenWebSocket((req, socket, head, wss) => {
    if (!req.url?.startsWith('/api/chat')) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void serve(ws));
  }, undefined, options.port);

  async function serve(ws: WebSocket) {
    const connection = ++stats.connections;
    const decoder = new ReferenceDecoder();
    await decoder.ready;
    const encoder = new OggOpusEncoder({ sampleRate: RATE });
    const replies = (options.replies ?? [[' Hello', ' there', '.']]).map((r) => [...r]);
    const faults = (options.faults ?? []).filter((f) => f.connection === undefined || f.connection === stats.connections).sort((a, b) => a.afterMs - b.afterMs);
    let heard = new Float32Array(0);
    let closed = false;
    let heardMs = 0;
    let speechMs = 0;
    let silenceMs = 0;
    let reply: { tokens: string[]; frame: number } | undefined;
    let stalledUntil = 0;
    const owed: Uint8Array[] = [];
    let ready = false;
    let chain = Promise.resolve();

    let frozen = false;
    const send = (bytes: Uint8Array) => {
      if (ws.readyState !== ws.OPEN || frozen) return;
      if (Date.now() < stalledUntil) owed.push(bytes);
      else {
        for (const b of owed.splice(0)) ws.send(b);
        ws.send(bytes);
      }
    };
    const frameOut = (samples: Float32Array, token?: string) => {
      stats.framesOut++;
      if (options.rawPcm) {
        const pcm = new Int16Array(samples.length);
        for (let i = 0; i < samples.length; i++) pcm[i] = samples[i]! * 0x7fff;
        send(Buffer.concat([Buffer.from([0x01]), Buffer.from(pcm.buffer)]));
      } else {
        const ogg = encoder.push(samples);
        if (ogg.length) send(Buffer.concat([Buffer.from([0x01]), Buffer.from(ogg)]));
      }
      if (token) {
        stats.tokensOut.push(token);
        const bytes = Buffer.from(token, 'utf8');
        if (options.splitText && bytes.length > 1) {
          send(Buffer.concat([Buffer.from([0x02]), bytes.subarray(0, bytes.length - 1)]));
          send(Buffer.concat([Buffer.from([0x02]), bytes.subarray(bytes.length - 1)]));
        } else send(Buffer.concat([Buffer.from([0x02]), bytes]));
      }
    };
    const voiceFrame = (index: number) => {
      const out = new Float32Array(FRAME);
      if (options.voice) out.set(options.voice.subarray(index * FRAME, (index + 1) * FRAME));
      else for (let i = 0; i < FRAME; i++) out[i] = 0.25 * Math.sin((2 * Math.PI * 180 * (index * FRAME + i)) / RATE);
      return out;
    };

    // One model step per 80 ms of input: listen, maybe answer, always emit a frame.
    const step = (input: Float32Array) => {
      heardMs += 80;
      let energy = 0;
      for (const s of input) energy += s * s;
      const loud = Math.sqrt(energy / input.length) > 0.02;
      if (loud) {
        speechMs += 80;
        silenceMs = 0;
      } else if (speechMs > 0) silenceMs += 80;
      if (!reply && speechMs >= 240 && silenceMs >= (options.endOfSpeechMs ?? 400)) {
        stats.utterancesHeard++;
        speechMs = 0;
        silenceMs = 0;
        const tokens = replies.shift();
        if (tokens) {
          reply = { tokens, frame: 0 };
          stats.firstReplyFrameAt.push(Date.now());
        }
      }
      while (faults[0] && faults[0].afterMs <= heardMs) fire(faults.shift()!);
      if (options.echo) {
        frameOut(input.slice());
        return;
      }
      if (reply) {
        if (reply.frame === 0) stats.replySentAt.push(performance.now());
        const token = reply.tokens[reply.frame];
        frameOut(voiceFrame(reply.frame), token);
        reply.frame++;
        const voiceFrames = options.voice ? Math.ceil(options.voice.length / FRAME) : 0;
        if (reply.frame >= Math.max(reply.tokens.length, voiceFrames)) reply = undefined;
      } else frameOut(new Float32Array(FRAME));
    };

    const fire = (f: MoshiFault) => {
      switch (f.kind) {
        case 'drop':
          ws.terminate();
          break;
        case 'freeze':
          frozen = true;
          break;
        case 'garbage':
          send(Buffer.concat([Buffer.from([0x01]), Buffer.from('definitely not an ogg page', 'utf8')]));
          break;
        case 'odd-messages':
          send(Buffer.from([0x09, 1, 2, 3]));
          send(Buffer.from([]));
          send(Buffer.from([0x03]));
          send(Buffer.concat([Buffer.from([0x04]), Buffer.from('{"text_temperature":0.7}')]));
          ws.send('a text frame');
          break;
        case 'flood': {
          const tone = new Float32Array(Math.round(f.seconds * RATE));
          for (let i = 0; i < tone.length; i++) tone[i] = 0.2 * Math.sin((2 * Math.PI * 330 * i) / RATE);
          send(Buffer.concat([Buffer.from([0x01]), Buffer.from(encoder.push(tone))]));
          break;
        }
        case 'oversize': {
          const page = Buffer.alloc(64);
          page.write('OggS', 0);
          send(Buffer.concat([Buffer.from([0x01]), Buffer.alloc(f.bytes, page)]));
          break;
        }
        case 'error-message':
          send(Buffer.concat([Buffer.from([0x05]), Buffer.from(f.message, 'utf8')]));
          break;
        case 'stall':
          stalledUntil = Date.now() + f.durationMs;
          setTimeout(() => {
            if (ws.readyState === ws.OPEN) for (const b of owed.splice(0)) ws.send(b);
          }, f.durationMs + 5);
          break;
      }
    };

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (closed || !isBinary || !ready || data.length === 0 || data[0] !== 0x01) return;
      stats.audioArrivals.push(performance.now());
      stats.bytesIn += data.length;
      const payload = new Uint8Array(data.subarray(1));
      chain = chain.then(async () => {
        const { channelData, samplesDecoded } = await decoder.decode(payload);
        if (!samplesDecoded) return;
        stats.secondsHeard += samplesDecoded / 48000;
        // 48 kHz out of the reference decoder: keep every other sample (energy is all we need).
        const mono = channelData[0]!;
        const down = new Float32Array(Math.floor(mono.length / 2));
        for (let i = 0; i < down.length; i++) down[i] = mono[i * 2]!;
        const joined = new Float32Array(heard.length + down.length);
        joined.set(heard);
        joined.set(down, heard.length);
        heard = joined;
        while (heard.length >= FRAME) {
          step(heard.subarray(0, FRAME));
          heard = heard.slice(FRAME);
        }
      });
    });
    ws.on('close', () => {
      closed = true;
      // After the decodes already queued (freeing under one crashes the reference decoder).
      chain = chain.then(() => decoder.free()).catch(() => undefined);
    });

    if (options.handshakeDelayMs === 'never') return;
    setTimeout(() => {
      ready = true;
      if (ws.readyState === ws.OPEN) ws.send(Buffer.from(options.handshake ?? [0x00]));
      if (options.dropAfterHandshake?.(connection)) ws.close(1011, 'model crashed');
    }, options.handshakeDelayMs ?? 30);
  }

  return { url: `${server.url}/api/chat`, baseUrl: server.url, stats, close: server.close };
}

export type FakeMoshi = Awaited<ReturnType<typeof startFakeMoshi>>;
