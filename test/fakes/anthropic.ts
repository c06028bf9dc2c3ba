import type http from 'node:http';
import { FaultQueue, hasKey, listen, recordRequest, sleep, type Fault, type RecordedRequest } from './http.js';
import { tokens, type FakeLlmReply, type LlmScript } from './openai.js';

/**
 * Speaks Anthropic's Messages streaming protocol (reference/protocols.md section 3): named SSE
 * events message_start, content_block_start/delta/stop (text and tool_use with input_json_delta),
 * ping, message_delta, message_stop; errors as typed JSON bodies or a mid-stream `error` event.
 * While a reply pauses (`pauseAfterTextMs`), the service keeps the stream alive with `ping` events.
 */
export async function startFakeAnthropic(options: { apiKey?: string; llm?: LlmScript; faults?: (Fault | undefined)[]; pingEveryMs?: number } = {}) {
  const key = options.apiKey ?? 'test-anthropic-key';
  const faults = new FaultQueue(options.faults);
  const requests: RecordedRequest[] = [];
  const server = await listen(async (req, res) => {
    const record = await recordRequest(req, res, requests);
    // x-api-key per the protocol notes; current SDKs send the same key as a Bearer token.
    if (!hasKey(req, key)) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    if (req.url === '/v1/models' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ data: [{ id: 'claude-haiku-4-5', type: 'model' }], has_more: false }));
    }
    if (req.url !== '/v1/messages') return sendError(res, 404, 'not_found_error', `unknown path ${req.url}`);
    if (!req.headers['anthropic-version']) return sendError(res, 400, 'invalid_request_error', 'anthropic-version header is required');
    const body = record.body as { max_tokens?: number };
    if (typeof body.max_tokens !== 'number') return sendError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
    const invalid = invalidMessages(record.body.messages);
    if (invalid) return sendError(res, 400, 'invalid_request_error', invalid);
    const fault = faults.next();
    if (fault?.kind === 'status') return sendError(res, fault.status, fault.status === 429 ? 'rate_limit_error' : fault.status === 529 ? 'overloaded_error' : 'api_error', `fake ${fault.status}`);
    if (fault?.kind === 'hang') return;
    await stream(record.body, res, fault);
  });

  async function stream(body: Record<string, unknown>, res: http.ServerResponse, fault: Exclude<Fault, { kind: 'status' | 'hang' }> | undefined) {
    const reply: FakeLlmReply = (options.llm ?? (() => ({ text: 'Hello there.' })))(body as Parameters<LlmScript>[0]);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_fake' });
    const events: [string, object][] = [
      ['message_start', { type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', content: [], model: body.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } }],
    ];
    let index = 0;
    if (reply.text) {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      events.push(['ping', { type: 'ping' }]);
      for (const t of tokens(reply.text)) events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: t } }]);
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
      index++;
    }
    const pauseAt = events.length;
    for (const call of reply.toolCalls ?? []) {
      const json = call.argumentsJson ?? JSON.stringify(call.arguments ?? {});
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: `toolu_${index}`, name: call.name, input: {} } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(0, 5) } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(5) } }]);
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
      index++;
    }
    events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: reply.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }]);
    events.push(['message_stop', { type: 'message_stop' }]);
    await sleep(reply.firstTokenMs ?? 0);
    for (let i = 0; i < events.length; i++) {
      if (res.destroyed) return;
      if (i === pauseAt && reply.pauseAfterTextMs) await keepAlive(res, reply.pauseAfterTextMs);
      if (res.destroyed) return;
      if (fault && i === fault.after) {
        if (fault.kind === 'drop') return res.destroy();
        if (fault.kind === 'stall') return;
        if (fault.kind === 'end') return void res.end();
        if (fault.kind === 'drip') {
          while (!res.destroyed) {
            res.write('event: ping\ndata: {"type": "ping"}\n\n');
            await sleep(fault.everyMs ?? 20);
          }
          return;
        }
        if (fault.kind === 'malformed') {
          res.end('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
          return;
        }
      }
      const [name, data] = events[i]!;
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      if (i > 0) await sleep(reply.tokenMs ?? 0);
    }
    res.end();
  }

  /** A pause in the reply: nothing but a ping every `pingEveryMs`, as the service sends. */
  async function keepAlive(res: http.ServerResponse, ms: number) {
    const every = options.pingEveryMs ?? 1000;
    for (let waited = 0; waited < ms && !res.destroyed; waited += every) {
      await sleep(Math.min(every, ms - waited));
      if (!res.destroyed && waited + every < ms) res.write('event: ping\ndata: {"type": "ping"}\n\n');
    }
  }

  return { url: server.url, key, requests, faults, close: () => server.close() };
}

function sendError(res: http.ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake', 'x-should-retry': 'false' });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

interface WireBlock {
  type?: string;
  id?: string;
  tool_use_id?: string;
  input?: unknown;
}

/**
 * The history checks the real Messages API makes (400 invalid_request_error, wording as the service
 * gives it): every tool_use must be answered by a tool_result in the very next (user) message, a
 * tool_result must answer a tool_use of the message before, and tool_use.input must be an object.
 */
export function invalidMessages(messages: unknown): string | undefined {
  const list = (Array.isArray(messages) ? messages : []) as { role?: string; content?: unknown }[];
  const blocks = (i: number): WireBlock[] => {
    const c = list[i]?.content;
    return Array.isArray(c) ? (c as WireBlock[]) : [];
  };
  for (let i = 0; i < list.length; i++) {
    const uses = blocks(i).filter((b) => b.type === 'tool_use');
    for (const [k, b] of blocks(i).entries()) {
      if (b.type === 'tool_use' && (typeof b.input !== 'object' || b.input === null || Array.isArray(b.input))) return `messages.${i}.content.${k}.tool_use.input: Input should be a valid dictionary`;
    }
    const answered = new Set(blocks(i + 1).filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id));
    const missing = list[i]?.role === 'assistant' ? uses.filter((u) => !answered.has(u.id)).map((u) => u.id) : [];
    if (missing.length > 0) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
    const asked = new Set(list[i - 1]?.role === 'assistant' ? blocks(i - 1).filter((b) => b.type === 'tool_use').map((b) => b.id) : []);
    for (const [k, b] of blocks(i).entries()) {
      if (b.type === 'tool_result' && !asked.has(b.tool_use_id)) {
        return `messages.${i}.content.${k}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
    }
  }
  return undefined;
}
