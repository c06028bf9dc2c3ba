import { describe, expect, it } from 'vitest';
import { InterruptedTurns, ON_BARGE_IN } from '../../../../electron/engine/events/barge-in.js';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';

describe('what a barge-in does to each event (one list, both architectures)', () => {
  it('late text and tool calls of an interrupted turn are dropped; how the turn ended and what ran are kept; other turns are untouched', () => {
    const turns = new InterruptedTurns();
    turns.add(3);
    const late: EngineEvent[] = [
      { type: 'assistant-chunk', turnId: 3, text: 'never heard' },
      { type: 'tool-call', turnId: 3, call: { id: 'c', name: 'timer', arguments: {} } },
      { type: 'tool-result', turnId: 3, callId: 'b', name: 'calculator', ok: true, content: '4' },
      { type: 'assistant-done', turnId: 3, text: 'Sure', interrupted: true },
      { type: 'latency', turnId: 3, report: { spans: {} } },
      { type: 'assistant-chunk', turnId: 4, text: 'the next reply' },
    ] as EngineEvent[];
    expect(late.map((e) => turns.passes(e))).toEqual([false, false, true, true, true, true]);
  });

  it('remembers the last eight interrupted turns (ids only grow), not every one of a long session', () => {
    const turns = new InterruptedTurns();
    for (let id = 1; id <= 20; id++) turns.add(id);
    const chunk = (turnId: number) => ({ type: 'assistant-chunk', turnId, text: 'x' }) as EngineEvent;
    expect([12, 13, 20].map((id) => turns.passes(chunk(id)))).toEqual([true, false, false]);
  });

  it('lists every event type the sessions emit', () => {
    expect(Object.keys(ON_BARGE_IN).sort()).toEqual(['assistant-chunk', 'assistant-done', 'barge-in', 'error', 'latency', 'notice', 'state', 'stt-status', 'tool-call', 'tool-result', 'user-final', 'user-partial']);
  });
});
