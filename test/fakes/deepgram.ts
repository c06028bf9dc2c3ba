import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EnergyWindows, OpenSockets, keyCheckRoute, listenWebSocket, refuseDeepgramUpgrade, sleep, strikeDeepgramAudioFault } from './http.js';

export type DeepgramFault =
  /** Refuse the upgrade with this status (and Retry-After, in seconds). */
  | { kind: 'status'; status: number; retryAfterS?: number }
  /**
   * After N ms of audio: drop the connection; send garbage; stop answering (results) while still
   * reading audio and answering pings; go dead (reads nothing, answers nothing, as a dead TCP
   * connection); send a message of a type this client does not know.
   */
  | { kind: 'drop' | 'malformed' | 'stall' | 'dead' | 'unknown-type'; afterAudioMs: number }
  /** Answer CloseStream by dropping the connection (results for the last audio never sent). */
  | { kind: 'drop-on-close-stream' }
  | undefined;

export interface FakeDeepgramOptions {
  apiKey?: string;
  /** What the user "says", one entry per utterance, handed out in order. */
  utterances?: string[];
  /** Delay before each final result is sent (ms): the provider's STT latency. */
  finalDelayMs?: number;
  /** RMS above which a 20 ms window counts as speech. */
  speechRms?: number;
  /** Silence that separates scripted utterances (ms); shorter pauses continue the same one. Default 800. */
  utteranceGapMs?: number;
  /** Faults, per connection in order: refuse the upgrade, drop after N ms of audio, send garbage after N ms, go silent after N ms. */
  faults?: DeepgramFault[];
  /** Refuse every upgrade (after the key check) with this status, e.g. a 503 that never ends. */
  refuseAll?: { status: number; retryAfterS?: number };
  /** Neither audio nor KeepAlive for this long (real ms) closes with 1011 NET-0001, as the service does (~10 s). */
  idleTimeoutMs?: number;
}

/**
 * A Deepgram live-transcription server (reference/protocols.md section 1). It cannot recognise
 * speech, so it detects it (energy in 20 ms windows over the linear16 audio it receives) and
 * "transcribes" each utterance as the next scripted text: interim Results while speech goes on, a
 * final with speech_final after `endpointing` ms of silence, UtteranceEnd after utterance_end_ms,
 * a from_finalize final on Finalize, Metadata and close 1000 on CloseStream. Timestamps follow the
 * audio received on that connection. Like the real service it says nothing at all to silence (no
 * empty results, however long it lasts) and answers pings; a bad key is refused at the upgrade with
 * 401 and `dg-error`. `stats.attempts` counts every upgrade request, refused or not.
 */
export async function startFakeDeepgram(options: FakeDeepgramOptions = {}) {
  const key = options.apiKey ?? 'test-deepgram-key';
  const utterances = [...(options.utterances ?? ['hello there'])];
  const faults = [...(options.faults ?? [])];
  // attempts: every upgrade request to /v1/listen (refused or not); connections: those past the key check.
  const stats = { attempts: 0, connections: 0, audioBytes: 0, finalize: 0, keepAlive: 0, closeStream: 0, openSockets: 0, queries: [] as URLSearchParams[], transcripts: [] as string[] };
  const sockets = new OpenSockets();
  const server = await listenWebSocket((req: http.IncomingMessage, socket: Duplex, head: Buffer, wss) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const refuse = (status: number, message: string, retryAfterS?: number) => refuseDeepgramUpgrade(socket, status, message, retryAfterS);
    if (url.pathname !== '/v1/listen') return refuse(404, 'unknown path');
    stats.attempts++;
    if (req.headers.authorization !== `Token ${key}`) return refuse(401, 'Invalid credentials.');
    if (options.refuseAll) return refuse(options.refuseAll.status, `fake ${options.refuseAll.status}`, options.refuseAll.retryAfterS);
    const fault = faults.shift();
    stats.connections++;
    if (fault?.kind === 'status') return refuse(fault.status, `fake ${fault.status}`, fault.retryAfterS);
    if (url.searchParams.get('encoding') !== 'linear16' || !url.searchParams.get('sample_rate')) return refuse(400, 'linear16 needs sample_rate');
    stats.queries.push(url.searchParams);
    wss.handleUpgrade(req, socket, head, (ws) => session(ws, socket, url.searchParams, fault));
  }, keyCheckRoute('/v1/projects', key, { projects: [] }));

  function session(ws: WebSocket, socket: Duplex, q: URLSearchParams, fault: DeepgramFault) {
    stats.openSockets++;
    sockets.add(ws);
    const rate = Number(q.get('sample_rate'));
    const endpointingMs = Number(q.get('endpointing') ?? 10);
    const utteranceEndMs = Number(q.get('utterance_end_ms') ?? 0);
    const windows = new EnergyWindows(rate, options.speechRms);
    const window = windows.size;
    let samples = 0; // audio received on this connection
    let speechStart = -1; // sample index
    let lastSpeech = -1;
    let lastInterimAt = 0;
    let finalized = false; // current utterance already sent as final
    let utteranceEndSent = true;
    let stalled = false;
    let text = '';
    let textSent = false;
    // After a malformed frame the client drops this connection and replays: words sent after it
    // were never read, and go to whoever transcribes the replayed audio.
    let poisoned = false;
    let unread: string | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const heardClient = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(1011, 'NET-0001'), options.idleTimeoutMs ?? 10_000);
    };
    heardClient();
    ws.on('close', () => {
      clearTimeout(idle);
      stats.openSockets--;
      // Words never delivered as final are said again by whoever replays the audio.
      if (text && !textSent) utterances.unshift(text);
      else if (unread) utterances.unshift(unread);
    });
    const t = (s: number) => Math.round((s / rate) * 1000) / 1000;
    const send = (m: object) => {
      if (ws.readyState === ws.OPEN && !stalled) ws.send(JSON.stringify(m));
    };
    const results = (isFinal: boolean, speechFinal: boolean, transcript: string, fromFinalize = false) => ({
      type: 'Results',
      channel_index: [0, 1],
      duration: t(samples - Math.max(0, speechStart)),
      start: t(Math.max(0, speechStart)),
      is_final: isFinal,
      speech_final: speechFinal,
      from_finalize: fromFinalize,
      channel: { alternatives: [{ transcript, confidence: 0.99, words: [] }] },
      metadata: { request_id: 'fake', model_info: { name: 'fake', version: '1', arch: 'fake' } },
    });
    // The final in flight (its STT latency still running): CloseStream sends it before closing, as the service does.
    let finalInFlight: Promise<void> = Promise.resolve();
    const sendFinal = (speechFinal: boolean, fromFinalize: boolean): Promise<void> => {
      const sending = sendFinalNow(speechFinal, fromFinalize);
      finalInFlight = Promise.all([finalInFlight, sending]).then(() => undefined);
      return sending;
    };
    const sendFinalNow = async (speechFinal: boolean, fromFinalize: boolean) => {
      if (finalized || speechStart < 0) return;
      finalized = true;
      // A pause inside one utterance: its words were already final; this span adds none.
      const said = textSent ? '' : text;
      textSent = true;
      if (said) stats.transcripts.push(said);
      if (said && poisoned) unread = said;
      await sleep(options.finalDelayMs ?? 0);
      send(results(true, speechFinal, said, fromFinalize));
      speechStart = -1;
    };

    ws.on('message', async (data: Buffer, isBinary: boolean) => {
      heardClient();
      if (!isBinary) {
        const msg = JSON.parse(data.toString('utf8')) as { type: string };
        if (msg.type === 'KeepAlive') stats.keepAlive++;
        if (msg.type === 'Finalize') {
          stats.finalize++;
          await sendFinal(false, true);
        }
        if (msg.type === 'CloseStream') {
          stats.closeStream++;
          if (fault?.kind === 'drop-on-close-stream') return ws.terminate();
          await sendFinal(true, false);
          await finalInFlight;
          send({ type: 'Metadata', transaction_key: 'deprecated', request_id: 'fake', sha256: '', created: new Date().toISOString(), duration: t(samples), channels: 1 });
          ws.close(1000);
        }
        return;
      }
      stats.audioBytes += data.length;
      for (const speech of windows.push(data)) {
        samples += window;
        if (fault && 'afterAudioMs' in fault && (samples / rate) * 1000 >= fault.afterAudioMs) {
          const over = strikeDeepgramAudioFault(fault.kind, ws, socket, { garbage: '{"type":"Results", "channel": garbage', send, stall: () => (stalled = true), poison: () => (poisoned = true) });
          if (over) return;
          fault = undefined;
        }
        if (speech) {
          if (speechStart < 0) {
            speechStart = samples - window;
            finalized = false;
            utteranceEndSent = false;
            if (lastSpeech < 0 || ((samples - lastSpeech) / rate) * 1000 >= (options.utteranceGapMs ?? 800)) {
              text = utterances.shift() ?? '';
              textSent = false;
            }
            send({ type: 'SpeechStarted', channel: [0, 1], timestamp: t(speechStart) });
          }
          lastSpeech = samples;
          if (samples - lastInterimAt > rate * 0.25) {
            // Interim results keep coming while speech goes on (empty once this utterance's words were final).
            lastInterimAt = samples;
            const words = text.split(' ');
            const shown = Math.max(1, Math.min(words.length, Math.round(((samples - speechStart) / rate) * 3)));
            send(results(false, false, textSent ? '' : words.slice(0, shown).join(' ')));
          }
        } else if (lastSpeech >= 0) {
          const silenceMs = ((samples - lastSpeech) / rate) * 1000;
          if (!finalized && speechStart >= 0 && silenceMs >= endpointingMs) void sendFinal(true, false);
          if (!utteranceEndSent && utteranceEndMs > 0 && silenceMs >= utteranceEndMs) {
            utteranceEndSent = true;
            send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: t(lastSpeech) });
          }
        }
      }
    });
  }

  // dropConnections: every open connection dropped now, as a network blip would.
  return { url: server.url, key, stats, close: server.close, dropConnections: () => sockets.dropAll() };
}

export type FakeDeepgram = Awaited<ReturnType<typeof startFakeDeepgram>>;
