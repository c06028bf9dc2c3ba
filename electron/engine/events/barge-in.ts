import type { EngineEvent } from './conversation-events.js';

/**
 * Every event type, and what a confirmed barge-in does to the events of the turn it interrupts
 * (Pipecat's list of frames that survive an interruption). 'kept': it still goes out (the UI, the
 * CLI and the log need to know the turn ended, how, and how fast). 'dropped': coming late from the
 * requests the barge-in cancelled, it describes something the user never heard or that must not
 * happen now, so it is not emitted.
 */
export const ON_BARGE_IN = {
  state: 'kept',
  'user-partial': 'kept',
  'user-final': 'kept',
  'assistant-chunk': 'dropped', // text of audio that was flushed, never heard
  'assistant-done': 'kept', // says interrupted: true and what was heard
  'tool-call': 'dropped', // a call decided after the user took the floor must not run
  'tool-result': 'kept', // a tool that ran did run: its result is part of the history
  'barge-in': 'kept',
  latency: 'kept',
  error: 'kept',
  notice: 'kept',
  'stt-status': 'kept',
} as const satisfies Record<EngineEvent['type'], 'kept' | 'dropped'>;

/** The turns a barge-in interrupted (the last few: turn ids only grow), and the events of theirs that still go out. */
export class InterruptedTurns {
  private readonly ids: number[] = [];

  add(turnId: number): void {
    if (this.ids.includes(turnId)) return;
    this.ids.push(turnId);
    if (this.ids.length > 8) this.ids.shift();
  }

  /** Whether `e` goes out: not when it is a late 'dropped' event of an interrupted turn. */
  passes(e: EngineEvent): boolean {
    if (ON_BARGE_IN[e.type] === 'kept') return true;
    const turnId = (e as { turnId?: number }).turnId;
    return turnId === undefined || !this.ids.includes(turnId);
  }
}
