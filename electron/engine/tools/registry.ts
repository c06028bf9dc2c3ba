import { z } from 'zod';
import { ParleyError, describeError } from '../errors.js';
import type { ToolCall, ToolSpec } from './types.js';

export interface ToolContext {
  signal?: AbortSignal;
  /** Wall-clock now (injected so date answers are testable). */
  now: () => Date;
}

export interface Tool<A = unknown> {
  name: string;
  description: string;
  /** Validates the model's arguments; also the source of the JSON Schema sent to the LLM. */
  parameters: z.ZodType<A>;
  run(args: A, context: ToolContext): Promise<unknown> | unknown;
}

export interface ToolResult {
  callId: string;
  name: string;
  ok: boolean;
  /** What goes back to the model (JSON text, or an error explanation it can act on). */
  content: string;
  error?: ParleyError;
}

/** The tools the LLM may call, with zod-validated arguments. */
export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  register<A>(tool: Tool<A>): this {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) throw new Error(`invalid tool name ${tool.name}`);
    this.tools.set(tool.name, tool as Tool);
    return this;
  }

  get size(): number {
    return this.tools.size;
  }

  specs(): ToolSpec[] {
    return [...this.tools.values()].map((t) => {
      const { $schema: _schema, ...parameters } = z.toJSONSchema(t.parameters) as Record<string, unknown>;
      return { name: t.name, description: t.description, parameters };
    });
  }

  /** Runs one call. Never throws for the model's mistakes or a tool's failure: those become results. */
  async call(call: ToolCall, context: ToolContext): Promise<ToolResult> {
    const base = { callId: call.id, name: call.name };
    const tool = this.tools.get(call.name);
    if (!tool) {
      const error = new ParleyError('tool/unknown', `the model called an unknown tool '${call.name}'`);
      return { ...base, ok: false, content: JSON.stringify({ error: `unknown tool ${call.name}` }), error };
    }
    const parsed = tool.parameters.safeParse(call.arguments);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ');
      const error = new ParleyError('tool/invalid-arguments', `invalid arguments for ${call.name}: ${why}`);
      return { ...base, ok: false, content: JSON.stringify({ error: `invalid arguments: ${why}` }), error };
    }
    try {
      const value = await tool.run(parsed.data, context);
      return { ...base, ok: true, content: typeof value === 'string' ? value : JSON.stringify(value) };
    } catch (e) {
      if (context.signal?.aborted) throw e;
      const error = e instanceof ParleyError ? e : new ParleyError('tool/failed', `${call.name} failed: ${describeError(e)}`, { cause: e });
      return { ...base, ok: false, content: JSON.stringify({ error: error.message }), error };
    }
  }
}
