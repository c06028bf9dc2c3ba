import { describe, expect, it } from 'vitest';
import { formatTurns } from '../../../electron/cli/run-command.js';

type Turn = Parameters<typeof formatTurns>[0][number];
const turn = (extra: Partial<Turn> = {}): Turn => ({ user: 'book a flight to Paris', assistant: 'Sure.', interrupted: false, spans: { speechEnd: 0, endOfTurn: 210, llmFirstToken: 400 }, errors: [], ...extra });

describe('parley run: the human-readable turns', () => {
  it('says how the end of the turn was decided, on one line', () => {
    const out = formatTurns([turn({ endOfTurn: { by: 'semantics+smart-turn', turnClass: 'complete', delayMs: 210, preempted: false } })]);
    expect(out.split('\n')).toContain('  end of turn: semantics+smart-turn (complete) 210 ms');
  });

  it('adds "reply prepared early" when the prepared reply was used', () => {
    const out = formatTurns([turn({ endOfTurn: { by: 'semantics', turnClass: 'complete', delayMs: 200.4, preempted: true } })]);
    expect(out.split('\n')).toContain('  end of turn: semantics (complete) 200 ms, reply prepared early');
  });

  it('prints no such line for a turn without a decision (speech-to-speech)', () => {
    expect(formatTurns([turn()])).not.toMatch(/end of turn:/);
  });
});
