import { describe, expect, it } from 'vitest';
import { ReplayBuffer } from '../../../../electron/engine/session/replay-buffer.js';
import type { ConversationEvent } from '../../../../electron/shared/conversation.js';

const said = (turnId: number): ConversationEvent => ({ type: 'user-final', turnId, text: `turn ${turnId}` });

describe('ReplayBuffer', () => {
  it('keeps only the newest events once full, oldest first', () => {
    const buffer = new ReplayBuffer(3);
    for (let turn = 1; turn <= 5; turn++) buffer.record(said(turn));
    expect(buffer.events).toEqual([said(3), said(4), said(5)]);
  });

  it('holds 5000 events by default', () => {
    const buffer = new ReplayBuffer();
    for (let turn = 1; turn <= 5001; turn++) buffer.record(said(turn));
    expect(buffer.events).toHaveLength(5000);
    expect(buffer.events[0]).toEqual(said(2));
  });

  it('keeps the transcript, not the moment: no states, partials or chunks, no banners outside a turn', () => {
    const buffer = new ReplayBuffer();
    const kept: ConversationEvent[] = [
      said(1),
      { type: 'assistant-done', turnId: 1, text: 'hi', interrupted: false },
      { type: 'error', stage: 'tts', turnId: 1, error: { code: 'provider/server-error', message: 'down' } },
      { type: 'notice', message: 'Settings applied.' },
    ];
    const dropped: ConversationEvent[] = [
      { type: 'state', state: 'thinking' },
      { type: 'user-partial', text: 'wh' },
      { type: 'assistant-chunk', turnId: 1, text: 'h' },
      { type: 'error', stage: 'session', error: { code: 'session/invalid-message', message: 'bad' } },
    ];
    for (const e of [...dropped, ...kept]) buffer.record(e);
    expect(buffer.events).toEqual(kept);
  });
});
