import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { keyCheckRoute, listenWebSocket, sleep, tonePcm } from './http.js';

/** Refuse the upgrade with an HTTP status; drop, stall or send audio that is not base64 after N audio messages. */
export type ElevenLabsFault = { kind: 'status'; status: number } | { kind: 'drop' | 'stall' | 'malformed'; after: number };

export interface FakeElevenLabsOptions {
  apiKey?: string;
  /** A key that is valid but scoped without `user_read` (GET /v1/user answers 401 missing_permissions). */
  scopedKey?: string;
  msPerChar?: number;
  firstByteMs?: number;
  faults?: (ElevenLabsFault | undefined)[];
  /**
   * Length of one second of the service's inactivity timeout, in real ms (default 1000). The
   * timeout itself is the query's `inactivity_timeout` (default 20 s, at most 180), as in the service;
   * tests can also pass time with `idleFor()`.
   */
  secondMs?: number;
  /** Cut the audio inside samples (the first piece of each sentence is one byte): the chunks are a byte stream. */
  oddChunks?: boolean;
  /** After the end of input, send the remaining audio but neither isFinal nor a close. */
  noFinal?: boolean;
}

/**
 * ElevenLabs stream-input (reference/protocols.md section 4a and its "Checked against vendor SDK
 * sources" notes): init message (single-space text, voice settings, key), text chunks, flush,
 * `{"text":""}` to finish; audio as base64 PCM with per-character `alignment` (the input text) and
 * `normalizedAlignment` (the text as spoken, numbers spelled out), then isFinal and close 1000. A
 * bad key gets an error message and close 1008; so does a socket that received no text for its
 * inactivity timeout. Faults: drop the socket, stall, or send audio that is not base64 after N audio messages.
 */
export async function startFakeElevenLabs(options: FakeElevenLabsOptions = {}) {
  const key = options.apiKey ?? 'test-elevenlabs-key';
  const faults = [...(options.faults ?? [])];
  const stats = { connections: 0, openSockets: 0, texts: [] as string[], closedByClient: 0, closedIdle: 0, generated: [] as { text: string; samples: number; pcm: Buffer }[] };
  /** Every open socket's idle clock, for idleFor(). */
  const idleClocks = new Set<(seconds: number) => void>();
  const server = await listenWebSocket((req: http.IncomingMessage, socket: Duplex, head: Buffer, wss) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!/^\/v1\/text-to-speech\/[^/]+\/stream-input$/.test(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    stats.connections++;
    const fault = faults.shift();
    if (fault?.kind === 'status') {
      const body = JSON.stringify({ detail: { status: 'internal_error', message: `fake ${fault.status}` } });
      socket.end(`HTTP/1.1 ${fault.status} Error\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => session(ws, req, url, fault));
  }, userRoute(key, options.scopedKey));

  function session(ws: WebSocket, req: http.IncomingMessage, url: URL, fault: Exclude<ElevenLabsFault, { kind: 'status' }> | undefined) {
    stats.openSockets++;
    let finishedByServer = false;
    ws.on('close', () => {
      stats.openSockets--;
      if (!finishedByServer) stats.closedByClient++;
    });
    const rate = Number((url.searchParams.get('output_format') ?? 'pcm_24000').replace('pcm_', ''));
    let authed = req.headers['xi-api-key'] === key;
    const timeoutS = Number(url.searchParams.get('inactivity_timeout') ?? 20);
    if (!(timeoutS > 0 && timeoutS <= 180)) {
      ws.send(JSON.stringify({ message: 'inactivity_timeout must be between 1 and 180', error: 'invalid_input_message', code: 1008 }));
      finishedByServer = true;
      return ws.close(1008, 'invalid inactivity_timeout');
    }
    // The service closes a socket that received no text for `inactivity_timeout` seconds.
    let idleS = 0;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const closeIdle = () => {
      if (ws.readyState !== ws.OPEN) return;
      stats.closedIdle++;
      finishedByServer = true;
      ws.send(JSON.stringify({ message: `Have not received a new text input within the timeout of ${timeoutS} seconds`, error: 'input_timeout_exceeded', code: 1008 }));
      ws.close(1008, `Have not received a new text input within the timeout of ${timeoutS} seconds`);
    };
    const heardText = () => {
      idleS = 0;
      clearTimeout(idleTimer);
      idleTimer = setTimeout(closeIdle, timeoutS * (options.secondMs ?? 1000));
    };
    const idleClock = (seconds: number) => {
      idleS += seconds;
      if (idleS >= timeoutS) closeIdle();
    };
    idleClocks.add(idleClock);
    ws.on('close', () => {
      clearTimeout(idleTimer);
      idleClocks.delete(idleClock);
    });
    heardText();
    let initialised = false;
    let buffer = '';
    let sent = 0;
    let chain = Promise.resolve();
    const generate = (text: string) => {
      chain = chain.then(async () => {
        if (!text.trim()) return;
        await sleep(options.firstByteMs ?? 0);
        const spoken = spokenForm(text);
        const pcm = tonePcm(spoken.length * (options.msPerChar ?? 5), rate);
        stats.generated.push({ text, samples: pcm.length / 2, pcm });
        const parts = 3;
        const step = Math.ceil(pcm.length / parts / 2) * 2;
        // Byte ranges of the parts: whole samples, or (oddChunks) a 1-byte piece, then cuts inside samples.
        const bounds = options.oddChunks ? [0, 1, step + 1, pcm.length] : [0, step, 2 * step, pcm.length];
        const chars = [...text];
        const spokenChars = [...spoken];
        const part = <T>(list: T[], p: number) => list.slice(Math.floor((p * list.length) / parts), Math.floor(((p + 1) * list.length) / parts));
        for (let p = 0; p < parts; p++) {
          if (ws.readyState !== ws.OPEN) return;
          if (fault && sent === fault.after) {
            if (fault.kind === 'drop') return void ws.terminate();
            if (fault.kind === 'stall') return new Promise<void>(() => undefined); // stall forever
          }
          const align = (slice: string[]) => ({ chars: slice, charStartTimesMs: slice.map((_, i) => i * 5), charDurationsMs: slice.map(() => 5) });
          const audio = fault?.kind === 'malformed' && sent === fault.after ? '%%% not base64 %%%' : pcm.subarray(bounds[p], bounds[p + 1]).toString('base64');
          ws.send(JSON.stringify({ audio, normalizedAlignment: align(part(spokenChars, p)), alignment: align(part(chars, p)) }));
          sent++;
          await sleep(2);
        }
      });
    };
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { text?: string; flush?: boolean; xi_api_key?: string; 'xi-api-key'?: string };
      if (typeof msg.text === 'string') heardText();
      if (!initialised) {
        initialised = true;
        if (msg.text !== ' ') return ws.close(1008, 'first message must have text " "');
        authed ||= msg.xi_api_key === key || msg['xi-api-key'] === key;
        if (!authed) {
          ws.send(JSON.stringify({ message: 'Invalid API key', error: 'invalid_api_key', code: 1008 }));
          finishedByServer = true;
          return ws.close(1008, 'invalid api key');
        }
        return;
      }
      if (msg.text === '') {
        generate(buffer);
        buffer = '';
        chain = chain.then(() => {
          if (ws.readyState !== ws.OPEN || options.noFinal) return;
          ws.send(JSON.stringify({ isFinal: true }));
          finishedByServer = true;
          ws.close(1000);
        });
        return;
      }
      stats.texts.push(msg.text ?? '');
      buffer += msg.text ?? '';
      if (msg.flush || buffer.length >= 120) {
        generate(buffer);
        buffer = '';
      }
    });
  }

  return {
    url: server.url,
    key,
    stats,
    /** Lets `seconds` pass without text on every open socket (instead of waiting for the timer). */
    idleFor: (seconds: number) => {
      for (const clock of [...idleClocks]) clock(seconds);
    },
    close: server.close,
  };
}

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The text as the voice speaks it (what normalizedAlignment describes): numbers spelled out. */
export function spokenForm(text: string): string {
  return text.replace(/\d+/g, (n) => [...n].map((d) => DIGITS[Number(d)]).join(' '));
}

/** GET /v1/user: 200 for the key; 401 missing_permissions for a key scoped without user_read; 401 invalid_api_key otherwise. */
function userRoute(key: string, scopedKey: string | undefined): http.RequestListener {
  const check = keyCheckRoute('/v1/user', key, { subscription: { tier: 'free' } });
  return (req, res) => {
    const given = req.headers['xi-api-key'];
    if (req.method === 'GET' && req.url === '/v1/user' && given !== key) {
      res.writeHead(401, { 'content-type': 'application/json' });
      const detail =
        scopedKey !== undefined && given === scopedKey
          ? { status: 'missing_permissions', message: 'The API key you used is missing the permission user_read to execute this operation.' }
          : { status: 'invalid_api_key', message: 'Invalid API key' };
      return res.end(JSON.stringify({ detail }));
    }
    check(req, res);
  };
}
