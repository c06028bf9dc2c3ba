// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
import type { TurnDecision } from '../../../electron/shared/conversation.js';

/** The signals that can call a turn complete: their short name, and what "sounded complete" (or what they said). */
const SIGNALS: Record<string, { name: string } & ({ subject: string } | { says: string })> = {
  semantics: { name: 'semantics', subject: 'your words' },
  'smart-turn': { name: 'Smart Turn', subject: 'your voice' },
  provider: { name: 'provider', says: 'the speech-to-text service heard the end of your turn' },
};

/**
 * How the end of a turn was decided, for the latency panel: a short label for the waterfall row
 * and a sentence for its tooltip ("End of turn after 210 ms: your words sounded complete (semantics).").
 */
export function describeDecision(d: TurnDecision): { label: string; sentence: string } {
  const after = `End of turn after ${Math.round(d.delayMs)} ms`;
  let label: string;
  let why: string;
  if (d.by === 'silence') {
    label = 'silence';
    why = 'silence (you paused long enough)';
  } else if (d.by === 'incomplete-timeout') {
    label = 'waited for more';
    why = 'waited for more: the sentence sounded unfinished';
  } else if (d.by === 'user-done') {
    label = 'push-to-talk';
    why = 'you released push-to-talk';
  } else if (d.turnClass === 'complete' && d.by !== '') {
    const names = d.by.split('+').map((id) => SIGNALS[id]?.name ?? id);
    label = names.join(' + ');
    why = `${completeBecause(d.by.split('+'))} (${label})`;
  } else {
    label = d.by || d.turnClass;
    why = label;
  }
  return d.preempted ? { label: `${label}, reply prepared early`, sentence: `${after}: ${why}. Reply prepared early.` } : { label, sentence: `${after}: ${why}.` };
}

/** "your words and your voice sounded complete and the speech-to-text service heard the end of your turn". */
function completeBecause(ids: string[]): string {
  const known = ids.map((id) => SIGNALS[id]);
  // Signals that "sounded complete" share the verb: "your words and your voice sounded complete".
  const subjects = known.flatMap((s) => (s && 'subject' in s ? [s.subject] : []));
  const parts = subjects.length > 0 ? [`${subjects.join(' and ')} sounded complete`] : [];
  for (const [i, s] of known.entries()) {
    if (!s) parts.push(`${ids[i]} agreed`);
    else if ('says' in s) parts.push(s.says);
  }
  return parts.join(' and ');
}
