import { describe, expect, it } from 'vitest';
import { endOfTurnOptions } from '../../../../electron/engine/session/session-factory.js';
import { defaultSettings } from '../../../../electron/shared/settings.js';

describe('saved turn-taking settings as the turn detector options', () => {
  it('semantic: the three waits and preemption, as saved', () => {
    expect(endOfTurnOptions(defaultSettings().turnTaking)).toEqual({ completeWaitMs: 200, uncertainWaitMs: 800, incompleteWaitMs: 3000, preemptive: true });
  });

  it('waits that would not grow are kept in order (complete <= unsure <= longest)', () => {
    const t = { ...defaultSettings().turnTaking, completeWaitMs: 1500, uncertainWaitMs: 600, maxWaitMs: 500 };
    expect(endOfTurnOptions(t)).toMatchObject({ completeWaitMs: 600, uncertainWaitMs: 600, incompleteWaitMs: 600 });
  });

  it('silence only: words are not weighed, every pause waits the saved silence', () => {
    const t = { ...defaultSettings().turnTaking, endOfTurn: 'silence' as const, minSilenceMs: 450 };
    expect(endOfTurnOptions(t)).toMatchObject({ semantics: false, completeWaitMs: 450, uncertainWaitMs: 450 });
  });
});
