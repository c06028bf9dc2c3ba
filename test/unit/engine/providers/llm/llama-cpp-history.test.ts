import { describe, expect, it } from 'vitest';
import { toChatHistory, toGbnfSchema, toModelFunctions, toToolCalls } from '../../../../../electron/engine/providers/llm/llama-cpp-history.js';
import { TimerService, builtinTools } from '../../../../../electron/engine/tools/builtins.js';

describe('llama.cpp history mapping', () => {
  it('a plain conversation: system, user and model turns, ending with an open model response to continue', () => {
    expect(
      toChatHistory([
        { role: 'system', content: 'You are Parley.' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'what time is it' },
      ]),
    ).toEqual([
      { type: 'system', text: 'You are Parley.' },
      { type: 'user', text: 'hi' },
      { type: 'model', response: ['Hello!'] },
      { type: 'user', text: 'what time is it' },
      { type: 'model', response: [] },
    ]);
  });

  it('a tool round: the call and its result sit inside the model response, which the model then continues', () => {
    const history = toChatHistory([
      { role: 'user', content: 'what is 2+2' },
      { role: 'assistant', content: 'Let me check.', toolCalls: [{ id: 'llama_1_0', name: 'calculate', arguments: { expression: '2+2' } }] },
      { role: 'tool', toolCallId: 'llama_1_0', name: 'calculate', content: '{"expression":"2+2","value":4}' },
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'what is 2+2' },
      { type: 'model', response: ['Let me check.', { type: 'functionCall', name: 'calculate', params: { expression: '2+2' }, result: { expression: '2+2', value: 4 } }] },
    ]);
  });

  it('the answer after the tool results joins the same model response; the next user turn opens a new one', () => {
    const history = toChatHistory([
      { role: 'user', content: 'time in Paris and Tokyo?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'a', name: 'get_time', arguments: { timeZone: 'Europe/Paris' } },
          { id: 'b', name: 'get_time', arguments: { timeZone: 'Asia/Tokyo' } },
        ],
      },
      { role: 'tool', toolCallId: 'b', name: 'get_time', content: 'nine in the evening' },
      { role: 'tool', toolCallId: 'a', name: 'get_time', content: 'two in the afternoon' },
      { role: 'assistant', content: 'Paris: 2 pm, Tokyo: 9 pm.' },
      { role: 'user', content: 'thanks' },
    ]);
    expect(history).toEqual([
      { type: 'user', text: 'time in Paris and Tokyo?' },
      {
        type: 'model',
        response: [
          { type: 'functionCall', name: 'get_time', params: { timeZone: 'Europe/Paris' }, result: 'two in the afternoon' },
          { type: 'functionCall', name: 'get_time', params: { timeZone: 'Asia/Tokyo' }, result: 'nine in the evening' },
          'Paris: 2 pm, Tokyo: 9 pm.',
        ],
      },
      { type: 'user', text: 'thanks' },
      { type: 'model', response: [] },
    ]);
  });

  it('edge cases: consecutive system/user messages merge, a call cut off by barge-in says so, an orphan result stays as context', () => {
    const history = toChatHistory([
      { role: 'system', content: 'A' },
      { role: 'system', content: 'B' },
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'x', name: 'set_timer', arguments: { seconds: 5 } }] },
      { role: 'user', content: 'never mind' },
      { role: 'tool', toolCallId: 'gone', name: 'list_timers', content: '[]' },
    ]);
    expect(history).toEqual([
      { type: 'system', text: 'A\n\nB' },
      { type: 'user', text: 'one\ntwo' },
      { type: 'model', response: [{ type: 'functionCall', name: 'set_timer', params: { seconds: 5 }, result: '(no result: the call was interrupted)' }] },
      { type: 'user', text: 'never mind\n(result of list_timers: [])' },
      { type: 'model', response: [] },
    ]);
  });

  it("Parley's built-in tools become grammar-safe function schemas (no keys node-llama-cpp rejects)", () => {
    const specs = builtinTools(new TimerService(() => undefined)).specs();
    expect(specs.map((s) => s.name)).toContain('set_timer');
    const functions = toModelFunctions(specs)!;
    expect(Object.keys(functions)).toEqual(specs.map((s) => s.name));
    const allowed = new Set(['type', 'properties', 'required', 'description', 'items', 'oneOf', 'enum', 'const', 'minLength', 'maxLength']);
    const walk = (s: unknown): void => {
      if (typeof s !== 'object' || s === null) return;
      for (const [k, v] of Object.entries(s)) {
        expect(allowed.has(k) || k === '0' || /^\d+$/.test(k), `key ${k}`).toBe(true);
        if (k === 'properties') Object.values(v as object).forEach(walk);
        else if (typeof v === 'object') walk(v);
      }
    };
    for (const f of Object.values(functions)) walk(f.params);
    expect(toModelFunctions([])).toBeUndefined();
  });

  it('schema reduction: optional properties may be null, bounds on numbers are dropped, unknown shapes accept scalars', () => {
    expect(
      toGbnfSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { seconds: { type: 'number', exclusiveMinimum: 0, maximum: 86400 }, label: { type: 'string', maxLength: 80 }, mode: { enum: ['a', 'b'] } },
        required: ['seconds'],
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      properties: { seconds: { type: 'number' }, label: { oneOf: [{ type: 'string', maxLength: 80 }, { type: 'null' }] }, mode: { oneOf: [{ enum: ['a', 'b'] }, { type: 'null' }] } },
      required: ['seconds', 'label', 'mode'],
    });
    expect(toGbnfSchema({ not: {} })).toEqual({ type: ['string', 'number', 'boolean', 'null'] });
  });

  it("the model's function calls become tool calls with ids unique per reply; grammar-filled nulls are dropped", () => {
    expect(
      toToolCalls(
        [
          { functionName: 'set_timer', params: { seconds: 60, label: null } },
          { functionName: 'list_timers', params: undefined },
        ],
        'llama_7',
      ),
    ).toEqual([
      { id: 'llama_7_0', name: 'set_timer', arguments: { seconds: 60 } },
      { id: 'llama_7_1', name: 'list_timers', arguments: {} },
    ]);
  });
});
