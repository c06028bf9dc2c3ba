import { z } from 'zod';
import { systemClock, type Clock, type ClockTimer } from '../clock.js';
import { ParleyError } from '../errors.js';
import { evaluateExpression } from './calculator.js';
import { ToolRegistry, type Tool } from './registry.js';

export const dateTimeTool: Tool<{ timeZone?: string | undefined }> = {
  name: 'get_current_datetime',
  description: "The current date and time, in the user's time zone unless another IANA zone (e.g. 'Asia/Tokyo') is given.",
  parameters: z.object({ timeZone: z.string().optional().describe('IANA time zone, e.g. Europe/Paris') }),
  run({ timeZone }, { now }) {
    const date = now();
    let spoken: string;
    try {
      spoken = new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(date);
    } catch {
      throw new ParleyError('tool/invalid-arguments', `unknown time zone '${timeZone}'`);
    }
    return { iso: date.toISOString(), spoken, timeZone: timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone };
  },
};

export const calculatorTool: Tool<{ expression: string }> = {
  name: 'calculate',
  description: 'Evaluates an arithmetic expression exactly (+ - * / % ^, parentheses, sqrt, sin, cos, tan, ln, log, pi, e).',
  parameters: z.object({ expression: z.string().min(1).max(500).describe('e.g. (12.5 * 4) / 3 + sqrt(16)') }),
  run({ expression }) {
    const value = evaluateExpression(expression);
    return { expression, value: Number(value.toPrecision(12)) };
  },
};

export interface TimerInfo {
  id: string;
  label: string;
  endsAt: string;
  secondsLeft: number;
}

/** Timers the assistant can set; `onFire` announces them (the session speaks or shows it). */
export class TimerService {
  /** dueAt: on the clock; endsAt: wall time (ms since 1970), to tell the user. */
  private readonly timers = new Map<string, { label: string; dueAt: number; endsAt: number; handle: ClockTimer }>();
  private next = 1;

  constructor(
    private readonly onFire: (timer: { id: string; label: string }) => void,
    /** What the timers run on. */
    private readonly clock: Clock = systemClock,
    /** Wall time (ms since 1970), for the end time the user is told. */
    private readonly wallNowMs: () => number = Date.now,
  ) {}

  set(seconds: number, label: string): TimerInfo {
    const id = `timer-${this.next++}`;
    const ms = seconds * 1000;
    const handle = this.clock.setTimeout(
      () => {
        this.timers.delete(id);
        this.onFire({ id, label });
      },
      ms,
      { background: true },
    );
    this.timers.set(id, { label, dueAt: this.clock.now() + ms, endsAt: this.wallNowMs() + ms, handle });
    return this.info(id)!;
  }

  cancel(id: string): boolean {
    const t = this.timers.get(id);
    if (!t) return false;
    this.clock.clearTimeout(t.handle);
    return this.timers.delete(id);
  }

  list(): TimerInfo[] {
    return [...this.timers.keys()].map((id) => this.info(id)!);
  }

  dispose(): void {
    for (const t of this.timers.values()) this.clock.clearTimeout(t.handle);
    this.timers.clear();
  }

  private info(id: string): TimerInfo | undefined {
    const t = this.timers.get(id);
    if (!t) return undefined;
    return { id, label: t.label, endsAt: new Date(t.endsAt).toISOString(), secondsLeft: Math.max(0, Math.round((t.dueAt - this.clock.now()) / 1000)) };
  }

  tools(): Tool[] {
    const set: Tool<{ seconds: number; label?: string | undefined }> = {
      name: 'set_timer',
      description: 'Starts a countdown timer; the user is told when it ends.',
      parameters: z.object({ seconds: z.number().positive().max(86_400).describe('duration in seconds'), label: z.string().max(80).optional() }),
      run: ({ seconds, label }) => this.set(seconds, label ?? `${seconds} second timer`),
    };
    const cancel: Tool<{ id: string }> = {
      name: 'cancel_timer',
      description: 'Cancels a running timer by id.',
      parameters: z.object({ id: z.string() }),
      run: ({ id }) => ({ cancelled: this.cancel(id) }),
    };
    const list: Tool<Record<string, never>> = {
      name: 'list_timers',
      description: 'Lists running timers and the seconds left on each.',
      parameters: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
      run: () => this.list(),
    };
    return [set, cancel, list] as Tool[];
  }
}

/** The built-in tools offered to the models: date/time, calculator, and the timers when given. */
export function builtinTools(timers?: TimerService): ToolRegistry {
  const registry = new ToolRegistry().register(dateTimeTool).register(calculatorTool);
  for (const t of timers?.tools() ?? []) registry.register(t);
  return registry;
}
