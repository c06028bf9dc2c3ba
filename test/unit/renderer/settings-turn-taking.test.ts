import { describe, expect, it } from 'vitest';
import { SettingsSchema, defaultSettings, type Settings } from '../../../electron/shared/settings.js';
import { TURN_TAKING_FIELDS, problemsSummary, switchMode, turnTakingFields, turnTakingProblems } from '../../../renderer/src/settings/turn-taking-fields.js';

type TurnTaking = Settings['turnTaking'];
const defaults = (): TurnTaking => defaultSettings().turnTaking;
const keys = (mode: TurnTaking['endOfTurn']) => turnTakingFields(mode).map((f) => f.key);
/** What the engine says about these turn-taking settings (it saves only what this schema accepts). */
const engineAccepts = (t: TurnTaking) => SettingsSchema.safeParse({ ...defaultSettings(), turnTaking: t }).success;

describe('turn-taking settings (renderer)', () => {
  it('every turn-taking knob of the settings schema has a field with a human label and help, and nothing else does', () => {
    expect(TURN_TAKING_FIELDS.map((f) => f.key).sort()).toEqual(Object.keys(defaults()).sort());
    for (const f of TURN_TAKING_FIELDS) {
      expect(f.label, f.key).toMatch(/^[A-Z]/);
      expect(f.label, f.key).not.toMatch(/[a-z][A-Z]|Ms\b/);
      expect(f.help.length, f.key).toBeGreaterThan(30);
    }
  });

  it('end of turn offers semantic and silence-only, described in words', () => {
    const endOfTurn = TURN_TAKING_FIELDS.find((f) => f.key === 'endOfTurn');
    expect(endOfTurn?.kind === 'choice' && endOfTurn.options).toEqual([
      { value: 'semantic', label: 'Semantic: waits for complete thoughts' },
      { value: 'silence', label: 'Silence only: ends after a fixed pause' },
    ]);
  });

  it('number fields take their range and default from the schema the engine validates with; waits are in ms', () => {
    const d = defaults();
    for (const f of TURN_TAKING_FIELDS) {
      if (f.kind !== 'number') continue;
      expect(engineAccepts({ ...d, [f.key]: f.min }), `${f.key} min`).toBe(true);
      expect(engineAccepts({ ...d, [f.key]: f.max }), `${f.key} max`).toBe(true);
      expect(engineAccepts({ ...d, [f.key]: f.min - f.step }), `${f.key} below min`).toBe(false);
      expect(engineAccepts({ ...d, [f.key]: f.max + f.step }), `${f.key} above max`).toBe(false);
      expect(f.defaultValue).toBe(d[f.key]);
    }
    const waits = TURN_TAKING_FIELDS.filter((f) => /Wait|Silence/.test(f.key));
    expect(waits.map((f) => [f.key, f.kind === 'number' && f.unit])).toEqual([
      ['minSilenceMs', 'ms'],
      ['completeWaitMs', 'ms'],
      ['uncertainWaitMs', 'ms'],
      ['maxWaitMs', 'ms'],
    ]);
  });

  it('semantic mode: the waits (under Advanced) and Smart Turn, no fixed silence; silence mode: the silence, no waits', () => {
    expect(keys('semantic')).toEqual(['endOfTurn', 'vadThreshold', 'bargeIn', 'preemptive', 'smartTurn', 'minInterruptionMs', 'falseInterruptionMs', 'completeWaitMs', 'uncertainWaitMs', 'maxWaitMs']);
    expect(turnTakingFields('semantic').filter((f) => f.advanced).map((f) => f.key)).toEqual(['minInterruptionMs', 'falseInterruptionMs', 'completeWaitMs', 'uncertainWaitMs', 'maxWaitMs']);
    // Interrupting (barge-in) works the same in both modes.
    expect(keys('silence')).toEqual(['endOfTurn', 'minSilenceMs', 'vadThreshold', 'bargeIn', 'preemptive', 'minInterruptionMs', 'falseInterruptionMs']);
  });

  it('bad input gets the engine rule in words, at its field; good input none', () => {
    expect(turnTakingProblems(defaults())).toEqual({});
    expect(turnTakingProblems({ ...defaults(), completeWaitMs: 5000, uncertainWaitMs: 250.5, maxWaitMs: 100, vadThreshold: 1, minSilenceMs: Number.NaN })).toEqual({
      completeWaitMs: 'Must be at most 2000 ms.',
      uncertainWaitMs: 'Must be a whole number of ms.',
      maxWaitMs: 'Must be at least 500 ms.',
      vadThreshold: 'Must be at most 0.95.',
      minSilenceMs: 'Enter a number.',
    });
    expect(problemsSummary({ maxWaitMs: 'Must be at least 500 ms.', vadThreshold: 'Must be at most 0.95.' })).toBe(
      // In the order of the screen.
      'Speech detection threshold: must be at most 0.95. Longest wait for an unfinished sentence: must be at least 500 ms.',
    );
  });

  it('flags exactly what the engine would refuse', () => {
    const d = defaults();
    const samples: Partial<TurnTaking>[] = [{ completeWaitMs: 0 }, { completeWaitMs: -1 }, { uncertainWaitMs: 99 }, { uncertainWaitMs: 5000 }, { maxWaitMs: 10_000 }, { maxWaitMs: 10_001 }, { minSilenceMs: 100.5 }, { vadThreshold: 0.1 }, { vadThreshold: 0.05 }];
    for (const s of samples) {
      const t = { ...d, ...s };
      expect(Object.keys(turnTakingProblems(t)).length === 0, JSON.stringify(s)).toBe(engineAccepts(t));
    }
  });

  it('switching mode keeps every valid value; a bad one the new mode hides goes back to its default', () => {
    const t = { ...defaults(), completeWaitMs: 5000, uncertainWaitMs: 900, minSilenceMs: 450 };
    expect(switchMode(t, 'silence')).toEqual({ ...t, endOfTurn: 'silence', completeWaitMs: 200 });
    const back = { ...defaults(), endOfTurn: 'silence' as const, minSilenceMs: 20, uncertainWaitMs: 50 };
    // Semantic shows the unsure wait: its bad value stays there to be fixed; the hidden silence resets.
    expect(switchMode(back, 'semantic')).toEqual({ ...back, endOfTurn: 'semantic', minSilenceMs: 300 });
  });
});
