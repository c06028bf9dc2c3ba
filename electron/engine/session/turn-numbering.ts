import type { EngineEvent } from '../events/conversation-events.js';

/**
 * Each session counts its turns from 1; the UI needs them unique across restarts and switches of
 * architecture. A new session's turns continue after the highest id any earlier one used.
 */
export class TurnNumbering {
  /** Turn ids already used by earlier sessions. */
  private base = 0;
  private maxTurnId = 0;

  /** A session starts: its turn 1 follows every turn shown so far. */
  nextSession(): void {
    this.base = this.maxTurnId;
  }

  /** The event with its turn id made unique (events outside a turn pass unchanged). */
  renumber(e: EngineEvent): EngineEvent {
    if (!('turnId' in e) || e.turnId === undefined) return e;
    const turnId = e.turnId + this.base;
    this.maxTurnId = Math.max(this.maxTurnId, turnId);
    return { ...e, turnId } as EngineEvent;
  }
}
