import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { keyCheckRoute, listenWebSocket, sleep, tonePcm } from './http.js';

/**
 * ElevenLabs stream-input (reference/protocols.md section 4a): init message (single-space text,
 * voice settings, key), text chunks, flush, `{"text":""}` to finish; audio as base64 PCM with
 * per-character alignment, then isFinal and close 1000. A bad key gets an error message and close
 * 1008. Faults: drop the socket or stall after N audio messages.
 */
export async function startFakeElevenLabs(options: { apiKey?: string; msPerChar?: number; firstByteMs?: number; faults?: ({ kind: 'drop' | 'stall'; after: number } | undefined)[] } = {}) {
  const key = options.apiKey ?? 'test-elevenlabs-key';
  const faults = [...(options.faults ?? [])];
  const stats = { connections: 0, openSockets: 0, texts: [] as string[], closedByClient: 0 };
  const server = await listenWebSocket((req: http.IncomingMessage, socket: Duplex, head: Buffer, wss) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!/^\/v1\/text-to-speech\/[^/]+\/stream-input$/.test(url.pathname)) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    stats.connections++;
    wss.handleUpgrade(req, socket, head, (ws) => session(ws, req, url, faults.shift()));
  }, keyCheckRoute('/v1/user', key, { subscription: { tier: 'free' } }));

  function session(ws: WebSocket, req: http.IncomingMessage, url: URL, fault: { kind: 'drop' | 'stall'; after: number } | undefined) {
    stats.openSockets++;
    let finishedByServer = false;
    ws.on('close', () => {
      stats.openSockets--;
      if (!finishedByServer) stats.closedByClient++;
    });
    const rate = Number((url.searchParams.get('output_format') ?? 'pcm_24000').replace('pcm_', ''));
    let authed = req.headers['xi-api-key'] === key;
    let initialised = false;
    let buffer = '';
    let sent = 0;
    let chain = Promise.resolve();
    const generate = (text: string) => {
      chain = chain.then(async () => {
        if (!text.trim()) return;
        await sleep(options.firstByteMs ?? 0);
        const pcm = tonePcm(text.length * (options.msPerChar ?? 5), rate);
        const parts = 3;
        const step = Math.ceil(pcm.length / parts / 2) * 2;
        const chars = [...text];
        for (let p = 0; p < parts; p++) {
          if (ws.readyState !== ws.OPEN) return;
          if (fault && sent === fault.after) {
            if (fault.kind === 'drop') return void ws.terminate();
            return new Promise<void>(() => undefined); // stall forever
          }
          const slice = chars.slice(Math.floor((p * chars.length) / parts), Math.floor(((p + 1) * chars.length) / parts));
          const alignment = { chars: slice, charStartTimesMs: slice.map((_, i) => i * 5), charDurationsMs: slice.map(() => 5) };
          ws.send(JSON.stringify({ audio: pcm.subarray(p * step, (p + 1) * step).toString('base64'), normalizedAlignment: alignment, alignment }));
          sent++;
          await sleep(2);
        }
      });
    };
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { text?: string; flush?: boolean; xi_api_key?: string; 'xi-api-key'?: string };
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
          if (ws.readyState !== ws.OPEN) return;
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

  return { url: server.url, key, stats, close: server.close };
}
