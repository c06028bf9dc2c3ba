import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { evaluateExpression } from '../../../../electron/engine/tools/calculator.js';
import { TimerService, calculatorTool, dateTimeTool } from '../../../../electron/engine/tools/builtins.js';
import { ToolRegistry } from '../../../../electron/engine/tools/registry.js';

const ctx = { now: () => new Date('2026-03-14T15:09:26Z') };

describe('calculator', () => {
  it.each([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['2 ^ 3 ^ 2', 512],
    ['-3^2', -9],
    ['10 % 4', 2],
    ['sqrt(16) + abs(-2.5)', 6.5],
    ['1,234.5 × 2', 2469],
    ['round(pi * 100)', 314],
    ['log(1000) + ln(e)', 4],
  ])('%s = %d', (expr, value) => {
    expect(evaluateExpression(expr)).toBeCloseTo(value, 10);
  });

  it.each(['', '2 +', '1 / 0', 'foo(2)', '2 ** 3', 'process.exit()', '(1'])('rejects %j', (expr) => {
    expect(() => evaluateExpression(expr)).toThrow(/cannot evaluate/);
  });
});

describe('ToolRegistry', () => {
  const registry = new ToolRegistry().register(calculatorTool).register(dateTimeTool);

  it('publishes JSON Schemas for the LLM', () => {
    const calc = registry.specs().find((s) => s.name === 'calculate')!;
    expect(calc.parameters).toMatchObject({ type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] });
    expect(calc.parameters).not.toHaveProperty('$schema');
  });

  it('runs a valid call', async () => {
    expect(await registry.call({ id: 'c1', name: 'calculate', arguments: { expression: '6*7' } }, ctx)).toEqual({ callId: 'c1', name: 'calculate', ok: true, content: '{"expression":"6*7","value":42}' });
    const dt = await registry.call({ id: 'c2', name: 'get_current_datetime', arguments: { timeZone: 'Asia/Tokyo' } }, ctx);
    expect(JSON.parse(dt.content)).toMatchObject({ iso: '2026-03-14T15:09:26.000Z', spoken: expect.stringMatching(/Sunday, March 15, 2026 at 12:09/), timeZone: 'Asia/Tokyo' });
  });

  it('turns the model\'s mistakes into results it can read, with typed errors', async () => {
    const invalid = await registry.call({ id: 'c', name: 'calculate', arguments: { expression: 42 } }, ctx);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'tool/invalid-arguments' } });
    expect(JSON.parse(invalid.content).error).toMatch(/expression/);
    expect(await registry.call({ id: 'c', name: 'calculate', arguments: 'not json' }, ctx)).toMatchObject({ ok: false, error: { code: 'tool/invalid-arguments' } });
    expect(await registry.call({ id: 'c', name: 'launch_missiles', arguments: {} }, ctx)).toMatchObject({ ok: false, error: { code: 'tool/unknown' } });
    expect(await registry.call({ id: 'c', name: 'calculate', arguments: { expression: '1/0' } }, ctx)).toMatchObject({ ok: false, error: { code: 'tool/invalid-arguments' } });
    expect(await registry.call({ id: 'c', name: 'get_current_datetime', arguments: { timeZone: 'Mars/Olympus' } }, ctx)).toMatchObject({ ok: false });
  });
});

describe('TimerService', () => {
  it('sets, lists, cancels and fires timers on its clock; says when they end in wall time', async () => {
    const clock = new ManualClock(5_000);
    const fired: string[] = [];
    const timers = new TimerService((x) => fired.push(x.label), clock, () => Date.parse('2026-03-14T15:09:26Z'));
    const registry = new ToolRegistry();
    for (const tool of timers.tools()) registry.register(tool);
    const a = JSON.parse((await registry.call({ id: '1', name: 'set_timer', arguments: { seconds: 60, label: 'tea' } }, ctx)).content);
    await registry.call({ id: '2', name: 'set_timer', arguments: { seconds: 5 } }, ctx);
    expect(a).toMatchObject({ label: 'tea', endsAt: '2026-03-14T15:10:26.000Z', secondsLeft: 60 });
    clock.advance(2000);
    expect(JSON.parse((await registry.call({ id: '3', name: 'list_timers', arguments: {} }, ctx)).content).map((x: { secondsLeft: number }) => x.secondsLeft)).toEqual([58, 3]);
    expect(JSON.parse((await registry.call({ id: '4', name: 'cancel_timer', arguments: { id: a.id } }, ctx)).content)).toEqual({ cancelled: true });
    clock.advance(2999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual(['5 second timer']);
    clock.advance(60_000);
    expect(fired).toEqual(['5 second timer']);
    expect(timers.list()).toEqual([]);
  });
});
