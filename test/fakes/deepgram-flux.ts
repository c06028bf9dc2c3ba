import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { EnergyWindows, OpenSockets, keyCheckRoute, listenWebSocket, refuseDeepgramUpgrade, strikeDeepgramAudioFault } from './http.js';

export type FluxFault =
  /** Refuse the upgrade with this status (and Retry-After, in seconds). */
  | { kind: 'status'; status: number; retryAfterS?: number }
  /**
   * After N ms of audio: drop the connection; send garbage; stop answering while still reading
   * audio and answering pings; go dead (reads nothing, answers nothing, as a dead TCP connection);
   * send a message of a type this client does not know; send a fatal `Error` and close.
   */
  | { kind: 'drop' | 'malformed' | 'stall' | 'dead' | 'unknown-type' | 'error'; afterAudioMs: number }
  /** Answer CloseStream by dropping the connection (the last Updates never sent). */
  | { kind: 'drop-on-close-stream' }
  | undefined;

/**
 * One scripted turn. `text` may be split into speech bursts with '|' ("a flight to | Boston"): each
 * burst of speech reveals the next part. `eotConfidence`: the highest end_of_turn_confidence the
 * "model" reaches in this turn's pauses (default 0.99); below eot_threshold only eot_timeout_ms
 * ends the turn, as for an unfinished sentence.
 */
export type FluxUtterance = string | { text: string; eotConfidence?: number };

export interface FakeFluxOptions {
  apiKey?: string;
  /** What the user "says", one entry per turn, handed out in order. */
  utterances?: FluxUtterance[];
  /** RMS above which a 20 ms window counts as speech. */
  speechRms?: number;
  /**
   * Silence after speech (ms of audio) before end_of_turn_confidence starts to rise, and how long it
   * then takes to reach its peak (linearly). Defaults 200 and 400: 0.7 after 480 ms of silence.
   */
  confidenceDelayMs?: number;
  confidenceRiseMs?: number;
  /** Faults, per connection in order. */
  faults?: FluxFault[];
  /** Refuse every upgrade (after the key check) with this status, e.g. a 503 that never ends. */
  refuseAll?: { status: number; retryAfterS?: number };
  /** Nothing at all from the client for this long (real ms) drops the connection. Default 10 s. */
  idleTimeoutMs?: number;
}

/** Query parameters /v2/listen documents (Deepgram's AsyncAPI spec and SDK connect options). */
const V2_PARAMS = new Set(['model', 'encoding', 'sample_rate', 'eot_threshold', 'eager_eot_threshold', 'eot_timeout_ms', 'keyterm', 'language_hint', 'mip_opt_out', 'tag', 'numerals', 'redact']);
const MODELS = new Set(['flux-general-en', 'flux-general-multi']);
const RAW_ENCODINGS = new Set(['linear16', 'linear32', 'mulaw', 'alaw', 'opus', 'ogg-opus']);
const SAMPLE_RATES = new Set([8000, 16000, 24000, 44100, 48000]);
const RANGES = { eot_threshold: [0.5, 1], eager_eot_threshold: [0.3, 0.9], eot_timeout_ms: [500, 60_000] } as const;
type Thresholds = { eot_threshold: number; eager_eot_threshold?: number; eot_timeout_ms: number };

function inRange(name: keyof typeof RANGES, value: unknown): value is number {
  const [min, max] = RANGES[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (name !== 'eot_timeout_ms' || Number.isInteger(value));
}

/** Why the real service would refuse this query (400), or undefined. */
function queryProblem(q: URLSearchParams): string | undefined {
  for (const name of q.keys()) if (!V2_PARAMS.has(name)) return `unknown parameter '${name}' for /v2/listen`;
  if (!MODELS.has(q.get('model') ?? '')) return `model must be flux-general-en or flux-general-multi (got '${q.get('model') ?? ''}')`;
  const encoding = q.get('encoding');
  if (encoding !== null && !RAW_ENCODINGS.has(encoding)) return `unsupported encoding '${encoding}'`;
  if (encoding !== null && !SAMPLE_RATES.has(Number(q.get('sample_rate')))) return 'raw audio needs a supported sample_rate';
  // This fake reads raw linear16 only (Flux also takes other encodings and containers).
  if (encoding !== 'linear16') return 'the fake reads only encoding=linear16';
  for (const name of Object.keys(RANGES) as (keyof typeof RANGES)[]) {
    const raw = q.get(name);
    if (raw !== null && !inRange(name, Number(raw))) return `${name} out of range (${RANGES[name].join('-')})`;
  }
  return undefined;
}

/**
 * A Deepgram Flux server (/v2/listen; reference/protocols.md, "Deepgram Flux"). It cannot recognise
 * speech, so it detects it (energy in 20 ms windows of the linear16 audio it receives) and
 * "transcribes" each turn as the next scripted text. Like Flux: `Connected` first; a `TurnInfo`
 * `Update` for about every 0.25 s of audio (speech or not) unless the turn's state changed;
 * StartOfTurn when speech starts; end_of_turn_confidence rising through a pause, EagerEndOfTurn when
 * it reaches eager_eot_threshold (only when set), TurnResumed if speech comes back after one,
 * EndOfTurn at eot_threshold or after eot_timeout_ms of silence (`trigger` model / timeout); the
 * EndOfTurn transcript equals the eager one; turn_index grows after each EndOfTurn. Configure
 * changes thresholds mid-stream (ConfigureSuccess / ConfigureFailure). CloseStream: an Update for
 * the audio received, then a close without status code, and no EndOfTurn. Any other text message
 * (Finalize and KeepAlive are v1's) gets `Error` UNPARSABLE_CLIENT_MESSAGE and the connection
 * closes. A bad key is refused at the upgrade with 401 and `dg-error`; a query Flux would not take,
 * with 400. `stats.attempts` counts every upgrade request, refused or not.
 */
export async function startFakeFlux(options: FakeFluxOptions = {}) {
  const key = options.apiKey ?? 'test-deepgram-key';
  const utterances = [...(options.utterances ?? ['hello there'])];
  const faults = [...(options.faults ?? [])];
  const stats = {
    attempts: 0,
    connections: 0,
    audioBytes: 0,
    closeStream: 0,
    openSockets: 0,
    queries: [] as URLSearchParams[],
    /** Text messages answered with UNPARSABLE_CLIENT_MESSAGE, by type. */
    rejected: [] as string[],
    configures: [] as unknown[],
    /** Transcripts sent with EndOfTurn. */
    turns: [] as string[],
  };
  const sockets = new OpenSockets();
  const server = await listenWebSocket(
    (req: http.IncomingMessage, socket: Duplex, head: Buffer, wss) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const refuse = (status: number, message: string, retryAfterS?: number) => refuseDeepgramUpgrade(socket, status, message, retryAfterS);
      if (url.pathname !== '/v2/listen') return refuse(404, 'unknown path');
      stats.attempts++;
      if (req.headers.authorization !== `Token ${key}`) return refuse(401, 'Invalid credentials.');
      if (options.refuseAll) return refuse(options.refuseAll.status, `fake ${options.refuseAll.status}`, options.refuseAll.retryAfterS);
      const fault = faults.shift();
      stats.connections++;
      if (fault?.kind === 'status') return refuse(fault.status, `fake ${fault.status}`, fault.retryAfterS);
      const problem = queryProblem(url.searchParams);
      if (problem) return refuse(400, problem);
      stats.queries.push(url.searchParams);
      wss.handleUpgrade(req, socket, head, (ws) => session(ws, socket, url.searchParams, fault));
    },
    keyCheckRoute('/v1/projects', key, { projects: [] }),
  );

  function session(ws: WebSocket, socket: Duplex, q: URLSearchParams, fault: FluxFault) {
    stats.openSockets++;
    sockets.add(ws);
    const requestId = randomUUID();
    const rate = Number(q.get('sample_rate'));
    const windows = new EnergyWindows(rate, options.speechRms);
    const thresholds: Thresholds = {
      eot_threshold: Number(q.get('eot_threshold') ?? 0.7),
      eot_timeout_ms: Number(q.get('eot_timeout_ms') ?? 5000),
      ...(q.has('eager_eot_threshold') ? { eager_eot_threshold: Number(q.get('eager_eot_threshold')) } : {}),
    };
    const delayMs = options.confidenceDelayMs ?? 200;
    const riseMs = options.confidenceRiseMs ?? 400;
    let sequence = 0;
    let samples = 0; // audio received on this connection
    let lastUpdateAt = 0;
    let turnIndex = 0;
    let windowStart = 0; // seconds: where the current turn's audio window begins
    let turn: { script: FluxUtterance; parts: string[][]; part: number; partSpeech: number; shown: string[]; inBurst: boolean; lastSpeech: number; eager: boolean; cap: number } | undefined;
    let confidence = 0;
    let stalled = false;
    // After a malformed frame the client drops this connection and replays: turns ended after it
    // were never read, and go to whoever transcribes the replayed audio.
    let poisoned = false;
    const unread: FluxUtterance[] = [];
    let idle: ReturnType<typeof setTimeout> | undefined;
    const heardClient = () => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.terminate(), options.idleTimeoutMs ?? 10_000);
    };
    heardClient();
    ws.on('close', () => {
      clearTimeout(idle);
      stats.openSockets--;
      // Words never delivered with an EndOfTurn are said again by whoever replays the audio.
      if (turn) utterances.unshift(turn.script);
      utterances.unshift(...unread);
    });
    const t = (s: number) => Math.round((s / rate) * 1000) / 1000;
    const send = (m: object) => {
      if (ws.readyState !== ws.OPEN || stalled) return;
      ws.send(JSON.stringify({ ...m, sequence_id: sequence++ }));
    };
    const turnInfo = (event: string, extra: object = {}) => {
      lastUpdateAt = samples;
      const words = turn?.shown ?? [];
      send({
        type: 'TurnInfo',
        request_id: requestId,
        event,
        turn_index: turnIndex,
        audio_window_start: windowStart,
        audio_window_end: t(samples),
        transcript: words.join(' '),
        words: words.map((word) => ({ word, confidence: 0.98 })),
        end_of_turn_confidence: Math.round(confidence * 1000) / 1000,
        ...extra,
      });
    };
    const endOfTurn = (trigger: 'model' | 'timeout' | 'manual') => {
      if (!turn) return;
      const text = turn.shown.join(' ');
      stats.turns.push(text);
      if (poisoned) unread.push(turn.script);
      turnInfo('EndOfTurn', { trigger });
      turnIndex++;
      windowStart = t(samples);
      turn = undefined;
      confidence = 0;
    };
    const startTurn = () => {
      const script = utterances.shift() ?? '';
      const text = typeof script === 'string' ? script : script.text;
      const cap = typeof script === 'string' ? 0.99 : (script.eotConfidence ?? 0.99);
      const parts = text.split('|').map((p) => p.trim().split(/\s+/).filter(Boolean));
      turn = { script, parts, part: -1, partSpeech: 0, shown: [], inBurst: false, lastSpeech: samples, eager: false, cap };
      confidence = 0.01;
      turnInfo('StartOfTurn');
    };
    const reveal = (all: boolean) => {
      if (!turn || turn.part < 0) return;
      const before = turn.parts.slice(0, turn.part).flat();
      const words = turn.parts[turn.part]!;
      const n = all ? words.length : Math.max(1, Math.min(words.length, Math.round((turn.partSpeech / rate) * 3)));
      // Words once said stay said (a burst after the script ran out adds none).
      if (before.length + n > turn.shown.length) turn.shown = [...before, ...words.slice(0, n)];
    };

    const onWindow = (speech: boolean) => {
      samples += windows.size;
      const before = lastUpdateAt;
      if (speech) {
        if (!turn) startTurn();
        else if (turn.eager) {
          turn.eager = false;
          confidence = 0.01;
          turnInfo('TurnResumed');
        }
        const active = turn!;
        if (!active.inBurst) {
          // A new burst of speech says the next scripted part (after the last one, no new words).
          active.inBurst = true;
          if (active.part < active.parts.length - 1) {
            active.part++;
            active.partSpeech = 0;
          }
        }
        active.partSpeech += windows.size;
        active.lastSpeech = samples;
        confidence = 0.01;
        reveal(false);
      } else if (turn) {
        const silenceMs = ((samples - turn.lastSpeech) / rate) * 1000;
        if (turn.inBurst && silenceMs >= delayMs) {
          // The burst is over: its words are settled before the model judges the pause.
          turn.inBurst = false;
          reveal(true);
        }
        if (!turn.inBurst) {
          confidence = turn.cap * Math.min(1, Math.max(0, (silenceMs - delayMs) / riseMs));
          const eagerAt = thresholds.eager_eot_threshold;
          if (eagerAt !== undefined && !turn.eager && confidence >= eagerAt && turn.shown.length > 0) {
            turn.eager = true;
            turnInfo('EagerEndOfTurn');
          }
          if (confidence >= thresholds.eot_threshold) endOfTurn('model');
          else if (silenceMs >= thresholds.eot_timeout_ms) endOfTurn('timeout');
        }
      }
      // About every 0.25 s of audio, unless the state changed in this window.
      if (lastUpdateAt === before && samples - lastUpdateAt >= rate * 0.25) turnInfo('Update');
    };

    /** Any text message Flux does not define: a fatal Error, then the connection closes. */
    const unparsable = (type: string) => {
      stats.rejected.push(type);
      send({ type: 'Error', code: 'UNPARSABLE_CLIENT_MESSAGE', description: 'Text message received from client did not match any of the formats we expect.' });
      ws.close();
    };

    const onControl = (text: string) => {
      let msg: { type?: unknown; thresholds?: unknown; keyterms?: unknown };
      try {
        msg = JSON.parse(text) as typeof msg;
      } catch {
        return unparsable('(not JSON)');
      }
      const type = typeof msg === 'object' && msg !== null && typeof msg.type === 'string' ? msg.type : '(no type)';
      switch (type) {
        case 'CloseStream':
          stats.closeStream++;
          if (fault?.kind === 'drop-on-close-stream') return ws.terminate();
          // The audio received is decoded (an Update for it); the turn is not ended.
          turnInfo('Update');
          return ws.close();
        case 'Configure': {
          stats.configures.push(msg);
          const changes = (msg.thresholds ?? {}) as Record<string, unknown>;
          const valid =
            typeof changes === 'object' &&
            Object.entries(changes).every(([name, value]) => name in RANGES && inRange(name as keyof typeof RANGES, value)) &&
            (msg.keyterms === undefined || (Array.isArray(msg.keyterms) && msg.keyterms.every((k) => typeof k === 'string')));
          if (!valid) return send({ type: 'ConfigureFailure', request_id: requestId });
          Object.assign(thresholds, changes);
          return send({ type: 'ConfigureSuccess', request_id: requestId, thresholds: { ...thresholds }, keyterms: msg.keyterms ?? [] });
        }
        case 'ForceEndTurn':
          if (turn) return endOfTurn('manual');
          return send({ type: 'Warning', request_id: requestId, code: 'FORCE_END_TURN_NO_ACTIVE_TURN', description: 'ForceEndTurn received with no active turn; ignored.' });
        default:
          return unparsable(type);
      }
    };

    send({ type: 'Connected', request_id: requestId });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      heardClient();
      if (!isBinary) return onControl(data.toString('utf8'));
      stats.audioBytes += data.length;
      for (const speech of windows.push(data)) {
        onWindow(speech);
        if (fault && 'afterAudioMs' in fault && (samples / rate) * 1000 >= fault.afterAudioMs) {
          const over = strikeDeepgramAudioFault(fault.kind, ws, socket, { garbage: '{"type":"TurnInfo", "event": garbage', send, stall: () => (stalled = true), poison: () => (poisoned = true) });
          if (over) return;
          fault = undefined;
        }
      }
    });
  }

  // dropConnections: every open connection dropped now, as a network blip would.
  return { url: server.url, key, stats, close: server.close, dropConnections: () => sockets.dropAll() };
}

export type FakeFlux = Awaited<ReturnType<typeof startFakeFlux>>;
