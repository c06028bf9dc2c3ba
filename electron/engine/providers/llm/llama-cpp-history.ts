import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse, GbnfJsonSchema } from 'node-llama-cpp';
import type { ToolCall, ToolSpec } from '../../tools/types.js';
import type { ChatMessage } from '../types.js';

/**
 * Parley's conversation as node-llama-cpp's chat history, rebuilt for every request. Tool calls
 * and their results become function calls inside the model's response (as LlamaChatSession keeps
 * them), so the chat wrapper renders them in the model's own format. The history always ends with
 * a model response for the model to continue: an empty one after the user, or the one whose
 * function calls just got their results.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = [];
  /** Calls of the last model response still waiting for a result, by Parley's call id. */
  let open = new Map<string, ChatModelFunctionCall>();
  const last = () => items[items.length - 1];
  const lastModel = (): ChatModelResponse | undefined => {
    const l = last();
    return l?.type === 'model' ? l : undefined;
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system': {
        const l = last();
        // Wrappers render one system block: consecutive ones are joined.
        if (l?.type === 'system' && typeof l.text === 'string') l.text = `${l.text}\n\n${m.content}`;
        else items.push({ type: 'system', text: m.content });
        break;
      }
      case 'user': {
        open = new Map();
        const l = last();
        if (l?.type === 'user') l.text = `${l.text}\n${m.content}`;
        else items.push({ type: 'user', text: m.content });
        break;
      }
      case 'assistant': {
        // After tool results, the reply goes on in the same model response (the model sees its own calls and their results).
        const model = lastModel() ?? pushModel(items);
        if (m.content) model.response.push(m.content);
        for (const call of m.toolCalls ?? []) {
          const fc: ChatModelFunctionCall = { type: 'functionCall', name: call.name, params: call.arguments, result: NO_RESULT };
          model.response.push(fc);
          open.set(call.id, fc);
        }
        break;
      }
      case 'tool': {
        const fc = open.get(m.toolCallId);
        if (fc) {
          fc.result = parseResult(m.content);
          open.delete(m.toolCallId);
        } else {
          // A result whose call is not in the history (trimmed): the model still learns it, as context.
          const text = `(result of ${m.name}: ${m.content})`;
          const l = last();
          if (l?.type === 'user') l.text = `${l.text}\n${text}`;
          else items.push({ type: 'user', text });
        }
        break;
      }
    }
  }
  if (last()?.type !== 'model') pushModel(items);
  return items;
}

/** What a call without a result (the conversation was cut) shows the model. */
const NO_RESULT = '(no result: the call was interrupted)';

function pushModel(items: ChatHistoryItem[]): ChatModelResponse {
  const model: ChatModelResponse = { type: 'model', response: [] };
  items.push(model);
  return model;
}

function parseResult(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/** Parley's tools as node-llama-cpp functions (no handlers: the cascade runs the tools and sends the results back). */
export function toModelFunctions(tools: readonly ToolSpec[] | undefined): ChatModelFunctions | undefined {
  if (!tools?.length) return undefined;
  const functions: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  for (const t of tools) functions[t.name] = { description: t.description, params: toGbnfSchema(t.parameters) };
  return functions;
}

/**
 * A JSON Schema (as zod writes it) reduced to what node-llama-cpp's grammar supports: it builds a
 * GBNF grammar from the schema and rejects keys it does not know (exclusiveMinimum, $schema...).
 * Number bounds are dropped (the tool validates its arguments anyway); unknown shapes accept any JSON value.
 */
export function toGbnfSchema(schema: unknown): GbnfJsonSchema {
  if (typeof schema !== 'object' || schema === null) return ANY;
  const s = schema as Record<string, unknown>;
  const description = typeof s.description === 'string' ? { description: s.description } : {};
  if ('const' in s && isScalar(s.const)) return { const: s.const, ...description };
  if (Array.isArray(s.enum) && s.enum.every(isScalar)) return { enum: s.enum, ...description };
  const union = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined) as unknown[] | undefined;
  if (union) return { oneOf: union.map(toGbnfSchema), ...description };
  switch (s.type) {
    case 'object': {
      const props = (typeof s.properties === 'object' && s.properties !== null ? s.properties : {}) as Record<string, unknown>;
      const properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toGbnfSchema(v)]));
      const required = Array.isArray(s.required) ? s.required.filter((k): k is string => typeof k === 'string' && k in properties) : [];
      // Optional properties may be left out; the grammar only knows required ones, so optional ones may also be null.
      for (const k of Object.keys(properties)) if (!required.includes(k)) properties[k] = { oneOf: [properties[k]!, { type: 'null' }] };
      return { type: 'object', properties, required: Object.keys(properties), ...description };
    }
    case 'array':
      return { type: 'array', items: toGbnfSchema(s.items), ...description };
    case 'string': {
      const bounds = {
        ...(typeof s.minLength === 'number' ? { minLength: s.minLength } : {}),
        ...(typeof s.maxLength === 'number' ? { maxLength: s.maxLength } : {}),
      };
      return { type: 'string', ...bounds, ...description };
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type: s.type, ...description };
    default:
      return ANY;
  }
}

const ANY: GbnfJsonSchema = { type: ['string', 'number', 'boolean', 'null'] };

function isScalar(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

/** The model's function calls as Parley tool calls; ids are made up (node-llama-cpp has none), unique per reply. */
export function toToolCalls(calls: readonly { functionName: string; params: unknown }[], idPrefix: string): ToolCall[] {
  return calls.map((c, i) => ({ id: `${idPrefix}_${i}`, name: c.functionName, arguments: stripNulls(c.params ?? {}) }));
}

/** Optional arguments the grammar filled with null are left out, as the tool's schema expects. */
function stripNulls(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
}
