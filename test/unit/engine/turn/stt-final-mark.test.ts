import { describe, expect, it } from 'vitest';
import { sttFinalAt } from '../../../../electron/engine/turn/turn-detector.js';

describe('the STT final mark of a turn', () => {
  const decision = { speechEndMs: 10_000, atMs: 10_400 };
  it('is the last final when it came after the speech ended (it carried the last words)', () => {
    expect(sttFinalAt(10_150, decision)).toBe(10_150);
  });
  it('is the decision when the turn was answered on interim words: a final from before the speech ended (earlier words, or an earlier turn) is not this turn\'s', () => {
    expect(sttFinalAt(8_350, decision)).toBe(10_400);
    expect(sttFinalAt(undefined, decision)).toBe(10_400);
  });
});
