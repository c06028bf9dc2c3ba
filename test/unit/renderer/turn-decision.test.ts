import { describe, expect, it } from 'vitest';
import type { ConversationEvent, ConversationMessage, TurnDecision } from '../../../electron/shared/conversation.js';
import { emptyConversation, reduceConversation } from '../../../renderer/src/conversation/model.js';
import { describeDecision } from '../../../renderer/src/conversation/turn-decision.js';

const decision = (extra: Partial<TurnDecision>): TurnDecision => ({ by: 'semantics', turnClass: 'complete', delayMs: 210, preempted: false, ...extra });

describe('the end-of-turn decision in plain words (latency panel)', () => {
  it('a complete turn names the signals that agreed', () => {
    expect(describeDecision(decision({}))).toEqual({ label: 'semantics', sentence: 'End of turn after 210 ms: your words sounded complete (semantics).' });
    expect(describeDecision(decision({ by: 'semantics+smart-turn', delayMs: 230.6 }))).toEqual({
      label: 'semantics + Smart Turn',
      sentence: 'End of turn after 231 ms: your words and your voice sounded complete (semantics + Smart Turn).',
    });
    expect(describeDecision(decision({ by: 'provider' })).sentence).toBe('End of turn after 210 ms: the speech-to-text service heard the end of your turn (provider).');
    expect(describeDecision(decision({ by: 'smart-turn+provider' })).sentence).toBe(
      'End of turn after 210 ms: your voice sounded complete and the speech-to-text service heard the end of your turn (Smart Turn + provider).',
    );
  });

  it('silence, a wait for more, and push-to-talk each say so', () => {
    expect(describeDecision(decision({ by: 'silence', turnClass: 'uncertain', delayMs: 800 }))).toEqual({ label: 'silence', sentence: 'End of turn after 800 ms: silence (you paused long enough).' });
    expect(describeDecision(decision({ by: 'incomplete-timeout', turnClass: 'incomplete', delayMs: 3000 }))).toEqual({
      label: 'waited for more',
      sentence: 'End of turn after 3000 ms: waited for more: the sentence sounded unfinished.',
    });
    expect(describeDecision(decision({ by: 'user-done', turnClass: 'forced', delayMs: 40 }))).toEqual({ label: 'push-to-talk', sentence: 'End of turn after 40 ms: you released push-to-talk.' });
  });

  it('a reply prepared before the decision is said, in the label too', () => {
    const d = describeDecision(decision({ preempted: true }));
    expect(d.label).toBe('semantics, reply prepared early');
    expect(d.sentence).toBe('End of turn after 210 ms: your words sounded complete (semantics). Reply prepared early.');
  });

  it('a signal this version does not know is shown as the engine named it', () => {
    expect(describeDecision(decision({ by: 'semantics+lip-reading' })).sentence).toBe('End of turn after 210 ms: your words sounded complete and lip-reading agreed (semantics + lip-reading).');
    expect(describeDecision(decision({ by: 'telepathy', turnClass: 'uncertain' }))).toEqual({ label: 'telepathy', sentence: 'End of turn after 210 ms: telepathy.' });
  });

  it('the conversation view keeps the decision with the turn latency', () => {
    const events: ConversationEvent[] = [
      { type: 'user-final', turnId: 1, text: 'book a flight to Paris' },
      { type: 'latency', turnId: 1, report: { spans: { speechEnd: 0, endOfTurn: 210 }, voiceToVoiceMs: 900, decision: decision({ preempted: true, speechEndStreamMs: 1234 }) } },
    ];
    const v = events.reduce((view, event) => reduceConversation(view, { type: 'event', event } satisfies ConversationMessage), emptyConversation);
    expect(v.turns[0]!.latency).toEqual({ spans: { speechEnd: 0, endOfTurn: 210 }, voiceToVoiceMs: 900, decision: decision({ preempted: true, speechEndStreamMs: 1234 }) });
  });
});
