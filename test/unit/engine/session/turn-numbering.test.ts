import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import { TurnNumbering } from '../../../../electron/engine/session/turn-numbering.js';

const said = (turnId: number): EngineEvent => ({ type: 'user-final', turnId, text: 'x' });
const idOf = (e: EngineEvent) => ('turnId' in e ? e.turnId : undefined);

describe('TurnNumbering across sessions', () => {
  it('a restarted or switched session continues after the last turn shown', () => {
    const turns = new TurnNumbering();
    turns.nextSession();
    expect([1, 2, 2, 3].map((id) => idOf(turns.renumber(said(id))))).toEqual([1, 2, 2, 3]);
    turns.nextSession();
    expect([1, 2].map((id) => idOf(turns.renumber(said(id))))).toEqual([4, 5]);
    turns.nextSession();
    expect(idOf(turns.renumber(said(1)))).toBe(6);
  });

  it('a session that had no turn leaves the numbering where it was', () => {
    const turns = new TurnNumbering();
    turns.nextSession();
    turns.renumber(said(1));
    turns.nextSession();
    turns.nextSession();
    expect(idOf(turns.renumber(said(1)))).toBe(2);
  });

  it('events outside a turn pass unchanged; the original event is not modified', () => {
    const turns = new TurnNumbering();
    turns.nextSession();
    turns.renumber(said(4));
    turns.nextSession();
    const state: EngineEvent = { type: 'state', state: 'listening' };
    expect(turns.renumber(state)).toBe(state);
    const first = said(1);
    expect(idOf(turns.renumber(first))).toBe(5);
    expect(idOf(first)).toBe(1);
  });
});
