import { createHash } from 'node:crypto';
import type http from 'node:http';
import { FaultQueue, listen, sleep, type Fault } from './http.js';

/**
 * A speech-to-text server of the OpenAI kind, batch (one file in, one transcript out), on both
 * routes real servers offer:
 *
 * - `POST /v1/audio/transcriptions` as OpenAI's API reference and the openai-node SDK describe it:
 *   multipart/form-data with a `file` part (a filename whose extension names the format, and a
 *   content type) and `model` (required); optional `language`, `prompt`, `response_format`
 *   (json -> `{"text": ...}`, text -> the bare text). Refusals are 4xx with OpenAI's error body
 *   `{"error": {"message", "type", "param", "code"}}`; a wrong key is 401 `invalid_api_key`.
 * - `POST /inference`, whisper.cpp's server (examples/server/server.cpp): the same multipart
 *   fields, no key; its refusals are HTTP 200 with `{"error": "..."}` (no 'file' field, a WAV it
 *   cannot read: not 16 kHz, not PCM), its JSON answer `{"text": ...}` with each segment on a line.
 *
 * It cannot recognise speech: a file with sound in it "transcribes" as the next scripted text
 * (the same file again as the same text), silence as "". It parses the body itself, strictly,
 * and answers any byte sequence without falling over. Faults (one per request, in order): a status with OpenAI's error body, `hang`
 * (never answers), `stall` (headers and half the body, then nothing), `drop` (socket destroyed
 * mid-answer), `malformed` (200 with broken JSON); a 200 `status` fault answers its `body` as JSON.
 */
export interface FakeTranscriptionOptions {
  /** Key the OpenAI route requires (Bearer); undefined: none (a local server). */
  apiKey?: string;
  /** What files with sound in them say, in order (then ""). */
  transcripts?: string[];
  faults?: (Fault | undefined)[];
  /** Time the "inference" takes before each answer, in ms (a CPU server on a long utterance). */
  answerDelayMs?: number;
}

export interface TranscriptionRequest {
  path: string;
  /** The Authorization header, as sent (undefined: none). */
  authorization: string | undefined;
  fields: Record<string, string>;
  file?: { filename: string; contentType: string; bytes: number; sampleRate: number; seconds: number; rms: number };
  /** The answer's status, or 'none' when the fake never answered. */
  status: number | 'none';
  abortedByClient: boolean;
}

/** OpenAI's limit on an upload (25 MB); more is refused with 413 before it is parsed. */
const MAX_BODY = 25 * 1024 * 1024;
const FORMATS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'];

export async function startFakeTranscription(options: FakeTranscriptionOptions = {}) {
  const faults = new FaultQueue(options.faults);
  const transcripts = [...(options.transcripts ?? [])];
  const requests: TranscriptionRequest[] = [];
  const heard = new Map<string, string>();
  const server = await listen((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const record: TranscriptionRequest = { path: req.url ?? '', authorization: req.headers.authorization, fields: {}, status: 'none', abortedByClient: false };
    requests.push(record);
    res.on('close', () => (record.abortedByClient = !res.writableFinished));
    const answer = (status: number, body: string, type = 'application/json', headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'content-type': type, ...headers });
      res.end(body);
    };
    const openAiError = (status: number, message: string, code: string | null = null, param: string | null = null, headers: Record<string, string> = {}) =>
      answer(status, JSON.stringify({ error: { message, type: status === 401 || status === 400 || status === 413 ? 'invalid_request_error' : status === 429 ? 'requests' : 'server_error', param, code } }), 'application/json', headers);

    const route = req.url === '/v1/audio/transcriptions' ? 'openai' : req.url === '/inference' ? 'whisper.cpp' : undefined;
    if (!route || req.method !== 'POST') {
      await drain(req);
      return openAiError(404, `Invalid URL (${req.method} ${req.url})`, 'unknown_url');
    }
    if (route === 'openai' && options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      await drain(req);
      return openAiError(401, 'Incorrect API key provided: ***. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_api_key');
    }
    const body = await readLimited(req, MAX_BODY);
    if (!body) return openAiError(413, `Maximum content size limit (${MAX_BODY}) exceeded.`);
    const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '');
    const fail = (message: string, param: string | null = null) => (route === 'openai' ? openAiError(400, message, null, param) : answer(200, JSON.stringify({ error: message })));
    if (!boundary) return fail(`Invalid Content-Type header (${req.headers['content-type'] ?? 'none'}), expected multipart/form-data.`);
    const parts = parseMultipart(body, boundary[1] ?? boundary[2]!);
    if (!parts) return fail('Could not parse multipart form');
    for (const p of parts) if (p.filename === undefined) record.fields[p.name] = p.data.toString('utf8');
    const file = parts.find((p) => p.name === 'file');
    if (route === 'whisper.cpp') {
      if (!file) return fail("no 'file' field in the request");
    } else {
      if (!file) return fail("Missing required parameter: 'file'.", 'file');
      if (record.fields.model === undefined || record.fields.model === '') return fail('you must provide a model parameter', 'model');
      // The SDK always names the upload; the service reads the format from the name (and type).
      if (!file.filename || !file.contentType) return fail(`Invalid file format. Supported formats: ${JSON.stringify(FORMATS).replace(/"/g, "'")}`, 'file');
      if (!FORMATS.includes(file.filename.split('.').pop()!.toLowerCase())) return fail(`Invalid file format. Supported formats: ${JSON.stringify(FORMATS).replace(/"/g, "'")}`, 'file');
    }
    const wav = readPcmWav(file.data);
    if (!wav || (route === 'whisper.cpp' && (wav.sampleRate !== 16000 || wav.channels > 2))) return fail(route === 'whisper.cpp' ? 'failed to read WAV file' : 'Invalid file format.', 'file');
    record.file = { filename: file.filename ?? '', contentType: file.contentType ?? '', bytes: file.data.length, sampleRate: wav.sampleRate, seconds: wav.samples.length / wav.sampleRate, rms: rms(wav.samples) };
    if (route === 'openai' && record.file.seconds < 0.1) return openAiError(400, 'Audio file is too short. Minimum audio length is 0.1 seconds.', 'audio_too_short', 'file');
    const format = record.fields.response_format ?? 'json';
    if (!['json', 'text', 'verbose_json'].includes(format)) return fail(`this fake answers json, text or verbose_json, not ${format}`, 'response_format');

    const fault = faults.next();
    // A 200 with a body of the fault's choosing: whisper.cpp's refusals (`{"error": "failed to process audio"}`).
    if (fault?.kind === 'status' && fault.status === 200) return answer(200, JSON.stringify(fault.body ?? {}));
    if (fault?.kind === 'status') return openAiError(fault.status, `fake ${fault.status}`, fault.status === 429 ? 'rate_limit_exceeded' : null, null, fault.retryAfterS !== undefined ? { 'retry-after': String(fault.retryAfterS) } : {});
    if (fault?.kind === 'hang') return;
    if (options.answerDelayMs) await sleep(options.answerDelayMs);
    // Sound (not silence) is "speech": it says the next scripted words; the same audio sent again
    // (a retry) says the same words, as a real model would.
    const digest = createHash('sha256').update(file.data).digest('hex');
    const text = record.file.rms > 0.01 ? (heard.get(digest) ?? transcripts.shift() ?? '') : '';
    heard.set(digest, text);
    // whisper.cpp prints each segment with its leading space and a newline; OpenAI trims.
    const said = route === 'whisper.cpp' ? (text ? ` ${text}\n` : '') : text;
    const out = format === 'text' ? said : JSON.stringify(format === 'json' ? { text: said } : { task: 'transcribe', language: record.fields.language ?? 'english', duration: record.file.seconds, text: said, segments: [] });
    if (fault?.kind === 'malformed') return answer(200, '{"text": "half an answ', 'application/json');
    record.status = 200;
    res.writeHead(200, { 'content-type': format === 'text' ? 'text/plain; charset=utf-8' : 'application/json', 'content-length': String(Buffer.byteLength(out)) });
    if (fault?.kind === 'stall' || fault?.kind === 'drop') {
      res.write(out.slice(0, Math.floor(out.length / 2)));
      await sleep(5);
      if (fault.kind === 'drop') res.destroy();
      return;
    }
    res.end(out);
  }

  return {
    url: server.url,
    /** The OpenAI-style base URL (POST {baseUrl}/audio/transcriptions). */
    baseUrl: `${server.url}/v1`,
    key: options.apiKey,
    requests,
    faults,
    /** Requests whose answer the client did not wait for (cancelled or timed out). */
    get abandoned() {
      return requests.filter((r) => r.abortedByClient).length;
    },
    close: () => server.close(),
  };
}

export type FakeTranscription = Awaited<ReturnType<typeof startFakeTranscription>>;

async function drain(req: http.IncomingMessage): Promise<void> {
  for await (const _ of req);
}

/** The body, or undefined when it is larger than `max` (the rest is read and dropped). */
async function readLimited(req: http.IncomingMessage, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= max) chunks.push(chunk);
  }
  return size <= max ? Buffer.concat(chunks) : undefined;
}

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** RFC 7578 multipart/form-data; undefined for anything malformed (no closing delimiter, a part without a name). */
export function parseMultipart(body: Buffer, boundary: string): Part[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at !== 0 && at !== -1 && body.subarray(at - 2, at).toString() !== '\r\n') return undefined;
  if (at === -1) return undefined;
  const parts: Part[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    if (body.subarray(at, at + 2).toString() !== '\r\n') return undefined;
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd === -1) return undefined;
    const headers = body.subarray(at + 2, headersEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headersEnd + 4);
    if (next === -1) return undefined;
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (!/^content-disposition:\s*form-data/i.test(disposition) || name === undefined) return undefined;
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    const contentType = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '');
    parts.push({ name, ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}), data: body.subarray(headersEnd + 4, next) });
    at = next + 2;
  }
}

/** A RIFF/WAVE file of 16-bit PCM (what both servers read without ffmpeg): its rate and first channel. */
function readPcmWav(bytes: Buffer): { sampleRate: number; channels: number; samples: Float32Array } | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    const start = at + 8;
    if (id === 'fmt ' && size >= 16 && start + 16 <= bytes.length) {
      fmt = { format: bytes.readUInt16LE(start), channels: bytes.readUInt16LE(start + 2), sampleRate: bytes.readUInt32LE(start + 4), bits: bytes.readUInt16LE(start + 14) };
    }
    if (id === 'data') {
      if (!fmt || fmt.format !== 1 || fmt.bits !== 16 || fmt.channels < 1 || fmt.sampleRate < 1) return undefined;
      const end = Math.min(bytes.length, start + size);
      const frames = Math.floor((end - start) / (2 * fmt.channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i++) samples[i] = bytes.readInt16LE(start + i * 2 * fmt.channels) / 32768;
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, samples };
    }
    at = start + size + (size & 1);
  }
  return undefined;
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return x.length ? Math.sqrt(sum / x.length) : 0;
}
