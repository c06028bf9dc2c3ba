import type { ConversationEvent } from '../../shared/conversation.js';

/** The events that rebuild the transcript in a UI that reconnects (a reload, a new window). */
const REPLAYED: ReadonlySet<ConversationEvent['type']> = new Set(['user-final', 'assistant-done', 'tool-call', 'tool-result', 'latency', 'error', 'notice', 'device']);
const MAX_REPLAY = 5000;

/** The transcript so far, as events, bounded: the oldest go first. */
export class ReplayBuffer {
  private readonly kept: ConversationEvent[] = [];

  constructor(private readonly limit = MAX_REPLAY) {}

  /** Keeps the event if a fresh page needs it. */
  record(event: ConversationEvent): void {
    // Problems outside a turn are banners of their moment, not part of the transcript: a fresh page does not get them.
    const banner = event.type === 'error' && event.turnId === undefined;
    if (!REPLAYED.has(event.type) || banner) return;
    this.kept.push(event);
    if (this.kept.length > this.limit) this.kept.splice(0, this.kept.length - this.limit);
  }

  get events(): readonly ConversationEvent[] {
    return this.kept;
  }
}
