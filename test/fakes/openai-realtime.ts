import type { WebSocket } from 'ws';
import { listenWebSocket, sleep, tonePcm } from './http.js';

export interface RealtimeReply {
  text?: string;
  /** The model calls this tool first; the reply text follows the tool's output. */
  toolCall?: { name: string; arguments: unknown };
  /** Several calls in the same response (parallel function calls). */
  toolCalls?: { name: string; arguments: unknown }[];
}

export interface FakeRealtimeOptions {
  apiKey?: string;
  /** What the user said, per utterance (the fake's "transcription"). */
  transcripts?: string[];
  /** The answer to each user turn (given the conversation items so far). */
  reply?: (items: RecordedItem[]) => RealtimeReply;
  /** Audio per character of the answer (ms) and the pause before the first delta (ms). */
  msPerChar?: number;
  firstDeltaMs?: number;
  /** Pause between the answer's word deltas (ms; default 10, faster than real time as the service streams). */
  deltaMs?: number;
  /** The transcript runs this many words behind the audio (the rest comes after the last audio delta). */
  transcriptLagWords?: number;
  /** Use the older (beta) event names: response.audio.delta, response.audio_transcript.delta. */
  legacyNames?: boolean;
  /** Close the socket after this many ms of input audio (on the first connection only). */
  dropAfterMs?: number;
  /** The first connection's first answer stops after this many audio deltas and never ends (a hung response). */
  hangAfterDeltas?: number;
  /** Send an error event (and a malformed frame) after this many ms of input audio (on the first connection only). */
  errorAfterMs?: number;
}

export interface RecordedItem {
  type: string;
  role?: string;
  text?: string;
  call_id?: string;
  output?: string;
}

const RATE = 24000;

/**
 * OpenAI Realtime (reference/protocols.md 5b): JSON events over a WebSocket, Bearer auth checked at
 * the upgrade, session.created -> session.update (GA shape required: session.type) ->
 * session.updated, base64 PCM in input_audio_buffer.append, server VAD by energy with the
 * configured silence, input transcription, audio + transcript deltas, response.done, function
 * calls, cancellation by the user speaking (server VAD) or response.cancel, and truncation.
 */
export async function startFakeRealtime(options: FakeRealtimeOptions = {}) {
  const key = options.apiKey ?? 'test-openai-key';
  const transcripts = [...(options.transcripts ?? ['hello there'])];
  const stats = { connections: 0, rejectedKeys: 0, sessions: [] as Record<string, unknown>[], items: [] as RecordedItem[], truncations: [] as { item_id: string; audio_end_ms: number }[], cancels: 0, audioMs: 0, responses: 0, cancelledResponses: 0, refusedCreates: 0 };
  const server = await listenWebSocket((req, socket, head, wss) => {
    // As the service does: the upgrade succeeds whatever the key, then a bad one is closed with 3000.
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (req.headers.authorization !== `Bearer ${key}`) {
        stats.rejectedKeys++;
        return ws.close(3000, 'invalid_request_error.invalid_api_key');
      }
      serve(ws);
    });
  });

  function serve(ws: WebSocket) {
    const connection = ++stats.connections;
    let n = 0;
    const id = (p: string) => `${p}_${++n}`;
    const send = (e: object) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ event_id: id('evt'), ...e }));
    let silenceMs = 500;
    let speaking = false;
    let speechMs = 0;
    let quietMs = 0;
    let heardMs = 0;
    let current: { id: string; cancelled: boolean } | undefined;
    let errorSent = false;

    send({ type: 'session.created', session: { type: 'realtime', model: 'gpt-realtime' } });

    const respond = async () => {
      const reply: RealtimeReply = (options.reply ?? (() => ({ text: 'Hello from the realtime model.' })))(stats.items);
      const response = { id: id('resp'), cancelled: false };
      current = response;
      stats.responses++;
      send({ type: 'response.created', response: { id: response.id, status: 'in_progress' } });
      await sleep(options.firstDeltaMs ?? 40);
      const calls = reply.toolCalls ?? (reply.toolCall ? [reply.toolCall] : []);
      if (calls.length > 0 && !stats.items.some((i) => i.type === 'function_call_output')) {
        const output: object[] = [];
        for (const call of calls) {
          const callId = id('call');
          const args = JSON.stringify(call.arguments);
          send({ type: 'response.function_call_arguments.delta', response_id: response.id, call_id: callId, delta: args.slice(0, 5) });
          send({ type: 'response.function_call_arguments.done', response_id: response.id, call_id: callId, name: call.name, arguments: args });
          output.push({ type: 'function_call', call_id: callId, name: call.name });
          await sleep(20); // the response stays active a moment after each call (output items, usage)
        }
        send({ type: 'response.done', response: { id: response.id, status: 'completed', output } });
        if (current === response) current = undefined;
        return; // the client sends the outputs and one response.create
      }
      const text = reply.text ?? '';
      const itemId = id('item');
      const words = text.split(' ');
      const audioName = options.legacyNames ? 'response.audio.delta' : 'response.output_audio.delta';
      const textName = options.legacyNames ? 'response.audio_transcript.delta' : 'response.output_audio_transcript.delta';
      const pieces = words.map((word, i) => (i > 0 ? ' ' : '') + word);
      const lag = options.transcriptLagWords ?? 0;
      const sendText = (i: number) => pieces[i] !== undefined && send({ type: textName, response_id: response.id, item_id: itemId, output_index: 0, content_index: 0, delta: pieces[i] });
      for (const [i, piece] of pieces.entries()) {
        if (response.cancelled || ws.readyState !== ws.OPEN) break;
        if (connection === 1 && stats.responses === 1 && i === options.hangAfterDeltas) return; // hung: no more events, no response.done
        sendText(i - lag);
        send({ type: audioName, response_id: response.id, item_id: itemId, output_index: 0, content_index: 0, delta: tonePcm(piece.length * (options.msPerChar ?? 50), RATE, 200, 0.25).toString('base64') });
        await sleep(options.deltaMs ?? 10);
      }
      if (!response.cancelled) {
        for (let i = Math.max(0, pieces.length - lag); i < pieces.length; i++) sendText(i);
        send({ type: options.legacyNames ? 'response.audio.done' : 'response.output_audio.done', response_id: response.id, item_id: itemId });
        send({ type: options.legacyNames ? 'response.audio_transcript.done' : 'response.output_audio_transcript.done', response_id: response.id, item_id: itemId, transcript: text });
        send({ type: 'response.done', response: { id: response.id, status: 'completed', output: [{ type: 'message', id: itemId }] } });
        stats.items.push({ type: 'message', role: 'assistant', text });
      }
      if (current === response) current = undefined;
    };

    /** Ends the active response; the service reports it after whatever triggered it (see speech_started). */
    const cancel = (reason: 'turn_detected' | 'client_cancelled'): (() => void) | undefined => {
      if (!current || current.cancelled) return undefined;
      const response = current;
      response.cancelled = true;
      stats.cancelledResponses++;
      current = undefined;
      return () => send({ type: 'response.done', response: { id: response.id, status: 'cancelled', status_details: { type: 'cancelled', reason } } });
    };

    ws.on('message', (data: Buffer) => {
      let e: { type?: string; [k: string]: unknown };
      try {
        e = JSON.parse(data.toString('utf8'));
      } catch {
        return send({ type: 'error', error: { type: 'invalid_request_error', code: 'invalid_json', message: 'We could not parse the JSON body of your request.' } });
      }
      switch (e.type) {
        case 'session.update': {
          const session = e.session as { type?: string; audio?: { input?: { turn_detection?: { silence_duration_ms?: number } } } } | undefined;
          if (session?.type !== 'realtime') return send({ type: 'error', error: { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'session.type'.", param: 'session.type' } });
          stats.sessions.push(session as Record<string, unknown>);
          silenceMs = session.audio?.input?.turn_detection?.silence_duration_ms ?? 500;
          return send({ type: 'session.updated', session });
        }
        case 'conversation.item.create': {
          const item = e.item as { type: string; role?: string; content?: { text?: string }[]; call_id?: string; output?: string };
          stats.items.push({ type: item.type, role: item.role, text: item.content?.map((c) => c.text).join(''), call_id: item.call_id, output: item.output });
          return send({ type: 'conversation.item.added', item: { id: id('item'), ...item } });
        }
        case 'response.create':
          // Only one response may be active at a time.
          if (current) {
            stats.refusedCreates++;
            return send({ type: 'error', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: `Conversation already has an active response in progress: ${current.id}. Wait until the response is finished before creating a new one.`, param: null, event_id: e.event_id ?? null } });
          }
          return void respond();
        case 'response.cancel': {
          stats.cancels++;
          const done = cancel('client_cancelled');
          if (done) return done();
          // With server or semantic VAD the service has already cancelled on the user's speech.
          return send({ type: 'error', error: { type: 'invalid_request_error', code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null, event_id: e.event_id ?? null } });
        }
        case 'conversation.item.truncate':
          stats.truncations.push({ item_id: String(e.item_id), audio_end_ms: Number(e.audio_end_ms) });
          return send({ type: 'conversation.item.truncated', item_id: e.item_id, content_index: 0, audio_end_ms: e.audio_end_ms });
        case 'input_audio_buffer.append': {
          const pcm = Buffer.from(String(e.audio ?? ''), 'base64');
          const samples = new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.byteLength));
          const ms = (samples.length / RATE) * 1000;
          heardMs += ms;
          stats.audioMs += ms;
          if (connection === 1 && options.dropAfterMs !== undefined && heardMs >= options.dropAfterMs) return ws.terminate();
          if (connection === 1 && options.errorAfterMs !== undefined && heardMs >= options.errorAfterMs && !errorSent) {
            errorSent = true;
            send({ type: 'error', error: { type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request.' } });
            ws.send('{"type": "response.output_audio.delta", "delta": ');
          }
          let energy = 0;
          for (const s of samples) energy += (s / 32768) ** 2;
          const loud = samples.length > 0 && Math.sqrt(energy / samples.length) > 0.02;
          if (loud) {
            speechMs += ms;
            quietMs = 0;
            if (!speaking && speechMs >= 100) {
              speaking = true;
              // Server VAD (interrupt_response): the user talking over the answer cancels it at once;
              // speech_started goes out first, the cancelled response.done after it.
              const cancelled = cancel('turn_detected');
              send({ type: 'input_audio_buffer.speech_started', audio_start_ms: Math.round(heardMs - speechMs), item_id: id('item') });
              if (cancelled) setTimeout(cancelled, 20);
            }
          } else if (speaking) {
            quietMs += ms;
            if (quietMs >= silenceMs) {
              speaking = false;
              speechMs = 0;
              const item = id('item');
              send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.round(heardMs - quietMs), item_id: item });
              send({ type: 'input_audio_buffer.committed', item_id: item, previous_item_id: null });
              const transcript = transcripts.shift() ?? '';
              stats.items.push({ type: 'message', role: 'user', text: transcript });
              void respond();
              setTimeout(() => send({ type: 'conversation.item.input_audio_transcription.completed', item_id: item, content_index: 0, transcript }), 30);
            }
          } else speechMs = 0;
          return;
        }
        default:
          return;
      }
    });
  }

  return { url: server.url, key, stats, close: server.close };
}

export type FakeRealtime = Awaited<ReturnType<typeof startFakeRealtime>>;
