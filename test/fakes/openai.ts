import type http from 'node:http';
import { FaultQueue, hasKey, listen, recordRequest, sleep, tonePcm, type Fault, type FakeServer, type RecordedRequest } from './http.js';

/** What the fake LLM answers to one request. */
export interface FakeLlmReply {
  text?: string;
  /** `argumentsJson` is sent verbatim instead of `arguments` (e.g. a model's malformed JSON). */
  toolCalls?: { name: string; arguments?: unknown; argumentsJson?: string }[];
  /** Delay before the first chunk and between chunks (ms). */
  firstTokenMs?: number;
  tokenMs?: number;
  /**
   * A pause after the text, before any tool call and the stop (a slow server-side tool, a long
   * thought), in ms; `Infinity` never goes on. Anthropic sends keep-alive pings meanwhile.
   */
  pauseAfterTextMs?: number;
}

export type LlmScript = (request: { messages: { role: string; content?: unknown }[]; tools?: unknown[] }) => FakeLlmReply;

export interface FakeOpenAiOptions {
  apiKey?: string;
  llm?: LlmScript;
  llmFaults?: (Fault | undefined)[];
  /** Speech: ms of audio per character of input, first-byte delay, delay between 20 ms chunks. */
  tts?: { msPerChar?: number; firstByteMs?: number; chunkMs?: number };
  ttsFaults?: (Fault | undefined)[];
}

export type { RecordedRequest };

/**
 * Speaks the OpenAI wire protocol (reference/protocols.md sections 2 and 5a): streaming Chat
 * Completions as SSE (text deltas, fragmented tool calls, usage chunk, [DONE]) and /audio/speech
 * as chunked raw 24 kHz PCM. Faults: error statuses with OpenAI error bodies, drops, stalls,
 * malformed events. Records every request and whether the client hung up early.
 */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}) {
  const key = options.apiKey ?? 'test-openai-key';
  const llmFaults = new FaultQueue(options.llmFaults);
  const ttsFaults = new FaultQueue(options.ttsFaults);
  const requests: RecordedRequest[] = [];
  const server: FakeServer = await listen(async (req, res) => {
    const record = await recordRequest(req, res, requests);
    if (!hasKey(req, key)) return sendError(res, 401, 'Incorrect API key provided: ***', 'invalid_api_key');
    if (req.url === '/v1/models' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model' }] }));
    }
    if (req.url === '/v1/chat/completions') return chat(record.body, res, llmFaults.next());
    if (req.url === '/v1/audio/speech') return speech(record.body, res, ttsFaults.next());
    sendError(res, 404, `unknown path ${req.url}`, 'not_found');
  });

  async function chat(body: Record<string, unknown>, res: http.ServerResponse, fault: Fault | undefined) {
    const invalid = invalidChatRequest(body);
    if (invalid) return sendError(res, 400, invalid.message, invalid.code, undefined, invalid.param);
    if (fault?.kind === 'status') return sendError(res, fault.status, `fake ${fault.status}`, fault.status === 429 ? 'rate_limit_exceeded' : 'server_error', fault.retryAfterS);
    if (fault?.kind === 'hang') return;
    const reply: FakeLlmReply = (options.llm ?? (() => ({ text: 'Hello there.' })))(body as Parameters<LlmScript>[0]);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: String(body.model) };
    const chunks: object[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
    for (const token of tokens(reply.text ?? '')) chunks.push({ ...base, choices: [{ index: 0, delta: { content: token }, finish_reason: null }] });
    (reply.toolCalls ?? []).forEach((call, index) => {
      const args = call.argumentsJson ?? JSON.stringify(call.arguments ?? {});
      const half = Math.ceil(args.length / 2);
      chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: call.name, arguments: '' } }] }, finish_reason: null }] });
      chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(0, half) } }] }, finish_reason: null }] });
      chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(half) } }] }, finish_reason: null }] });
    });
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: reply.toolCalls?.length ? 'tool_calls' : 'stop' }] });
    chunks.push({ ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: chunks.length, total_tokens: 10 + chunks.length } });
    await sleep(reply.firstTokenMs ?? 0);
    for (let i = 0; i < chunks.length; i++) {
      if (res.destroyed) return;
      if (fault && i === fault.after) {
        if (fault.kind === 'drop') return res.destroy();
        if (fault.kind === 'stall') return; // keep the socket open, send nothing more
        if (fault.kind === 'end') return void res.end();
        if (fault.kind === 'malformed') res.write('data: {"choices": [ this is not json\n\n');
        if (fault.kind === 'drip') {
          const empty = `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: '' }, finish_reason: null }] })}\n\n`;
          while (!res.destroyed) {
            res.write(empty);
            await sleep(fault.everyMs ?? 20);
          }
          return;
        }
      }
      res.write(`data: ${JSON.stringify(chunks[i])}\n\n`);
      if (i > 0) await sleep(reply.tokenMs ?? 0);
    }
    res.end('data: [DONE]\n\n');
  }

  async function speech(body: Record<string, unknown>, res: http.ServerResponse, fault: Fault | undefined) {
    if (fault?.kind === 'status') return sendError(res, fault.status, `fake ${fault.status}`, 'server_error', fault.retryAfterS);
    if (fault?.kind === 'hang') return;
    if (body.response_format !== 'pcm') return sendError(res, 400, 'this fake only streams pcm', 'invalid_request_error');
    const t = options.tts ?? {};
    const pcm = tonePcm(String(body.input ?? '').length * (t.msPerChar ?? 5));
    await sleep(t.firstByteMs ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = 960; // 20 ms at 24 kHz, 16-bit
    // Odd chunk sizes on purpose: clients must carry a split sample.
    for (let i = 0, k = 0; i < pcm.length; i += chunk + (k % 2), k++) {
      if (res.destroyed) return;
      if (fault && k === fault.after) {
        if (fault.kind === 'drop') return res.destroy();
        if (fault.kind === 'stall') return;
      }
      res.write(pcm.subarray(i, i + chunk + (k % 2)));
      await sleep(t.chunkMs ?? 0);
    }
    res.end();
  }

  return { url: server.url, baseUrl: `${server.url}/v1`, key, requests, llmFaults, ttsFaults, close: () => server.close() };
}

export type FakeOpenAi = Awaited<ReturnType<typeof startFakeOpenAi>>;

function sendError(res: http.ServerResponse, status: number, message: string, code: string | null, retryAfterS?: number, param: string | null = null) {
  res.writeHead(status, { 'content-type': 'application/json', ...(retryAfterS !== undefined ? { 'retry-after': String(retryAfterS) } : {}), 'x-should-retry': 'false' });
  res.end(JSON.stringify({ error: { message, type: status === 401 || status === 400 ? 'invalid_request_error' : 'error', param, code } }));
}

/** Reasoning models (o-series, gpt-5 family) refuse the older max_tokens parameter. */
const REASONING_MODEL = /^(o\d|gpt-5)/;

interface WireMessage {
  role?: string;
  tool_calls?: { id?: string }[];
  tool_call_id?: string;
}

/**
 * The checks the real Chat Completions endpoint makes before it streams anything (answered with
 * 400 invalid_request_error, wording as the service gives it): every assistant message with
 * tool_calls must be followed by tool messages answering each id; a tool message must answer a
 * call; reasoning models take max_completion_tokens.
 */
export function invalidChatRequest(body: Record<string, unknown>): { message: string; code: string | null; param: string } | undefined {
  if (REASONING_MODEL.test(String(body.model)) && body.max_tokens !== undefined) {
    return { message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", code: 'unsupported_parameter', param: 'max_tokens' };
  }
  const messages = (Array.isArray(body.messages) ? body.messages : []) as WireMessage[];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === 'tool') {
      return { message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.", code: null, param: `messages.[${i}].role` };
    }
    if (m.role !== 'assistant' || !m.tool_calls?.length) continue;
    const open = new Set(m.tool_calls.map((c) => c.id));
    let j = i + 1;
    for (; j < messages.length && messages[j]!.role === 'tool'; j++) open.delete(messages[j]!.tool_call_id);
    if (open.size > 0) {
      return { message: `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...open].join(', ')}`, code: null, param: `messages.[${j < messages.length ? j : i}].role` };
    }
    i = j - 1;
  }
  return undefined;
}

/** Splits text into word-sized tokens, keeping the spaces, like an LLM streams. */
export function tokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}
