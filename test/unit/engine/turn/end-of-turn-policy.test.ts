import { describe, expect, it } from 'vitest';
import { EndOfTurnPolicy, type EndOfTurnDecision, type EndOfTurnOptions, type TurnSignal } from '../../../../electron/engine/turn/end-of-turn-policy.js';

/**
 * Scripted timelines in the style of ricky0123/vad's tests. `speech` stretches end with the
 * STT's interim transcript; in the `silence` after them the VAD reports the pause 100 ms late
 * (its hangover), and the STT final, Smart Turn and provider answer `afterMs` into the pause.
 * The policy is ticked every 10 ms. Times are ms on the injected clock's timeline, from 0.
 */
type Step =
  | { speech: number; interim?: string }
  | {
      silence: number;
      final?: { afterMs: number; text: string };
      smartTurn?: { afterMs: number; p: number };
      provider?: { afterMs: number; endOfTurn: boolean; probability?: number };
    };

const VAD_HANGOVER_MS = 100;
const TICK_MS = 10;

function run(steps: Step[], options: EndOfTurnOptions = {}) {
  const policy = new EndOfTurnPolicy(options);
  const events: TurnSignal[] = [];
  let t = 0;
  let speechEnd = 0;
  for (const step of steps) {
    if ('speech' in step) {
      events.push({ type: 'speech-start', atMs: t });
      t += step.speech;
      speechEnd = t;
      if (step.interim !== undefined) events.push({ type: 'transcript', atMs: t, text: step.interim, final: false });
    } else {
      if (step.silence < VAD_HANGOVER_MS) throw new Error('the VAD cannot hear a pause shorter than its hangover');
      const at = (ms: number) => speechEnd + ms;
      events.push({ type: 'speech-end', atMs: at(VAD_HANGOVER_MS), speechEndMs: speechEnd });
      if (step.final) events.push({ type: 'transcript', atMs: at(step.final.afterMs), text: step.final.text, final: true });
      if (step.smartTurn) events.push({ type: 'smart-turn', atMs: at(step.smartTurn.afterMs), probability: step.smartTurn.p });
      if (step.provider) events.push({ type: 'provider', atMs: at(step.provider.afterMs), endOfTurn: step.provider.endOfTurn, probability: step.provider.probability });
      for (let tick = TICK_MS; tick < step.silence; tick += TICK_MS) events.push({ type: 'tick', atMs: at(tick) });
      t += step.silence;
    }
  }
  // Stable sort by time: at equal times, signals before the tick.
  events.sort((a, b) => a.atMs - b.atMs || Number(a.type === 'tick') - Number(b.type === 'tick'));
  const decisions: Array<{ event: TurnSignal; decision: EndOfTurnDecision }> = events.map((event) => ({ event, decision: policy.update(event) }));
  const ends = decisions.map((d) => d.decision).filter((d): d is Extract<EndOfTurnDecision, { type: 'end-of-turn' }> => d.type === 'end-of-turn');
  return { policy, decisions, ends };
}

describe('EndOfTurnPolicy: the signals agree the turn is complete', () => {
  it('a punctuated question, STT final 150 ms into the pause: end of turn 200 ms after speech', () => {
    const { ends } = run([{ speech: 1200, interim: 'what is the weather in Paris' }, { silence: 1000, final: { afterMs: 150, text: 'What is the weather in Paris?' } }]);
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ atMs: 1400, speechEndMs: 1200, delayMs: 200, turnClass: 'complete', by: ['semantics'] });
  });

  it('a late STT final holds the decision until it arrives', () => {
    const { ends } = run([{ speech: 1000, interim: 'book a table for two' }, { silence: 1000, final: { afterMs: 350, text: 'Book a table for two.' } }]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 1350, delayMs: 350, turnClass: 'complete' })]);
  });

  it('Smart Turn agreeing with plain words ends the turn at 200 ms, credited to Smart Turn', () => {
    const { ends } = run(
      [{ speech: 900, interim: 'set a timer for ten minutes' }, { silence: 1000, final: { afterMs: 120, text: 'set a timer for ten minutes' }, smartTurn: { afterMs: 160, p: 0.93 } }],
      { awaitSmartTurn: true },
    );
    expect(ends).toEqual([expect.objectContaining({ atMs: 1100, delayMs: 200, turnClass: 'complete', by: ['smart-turn'] })]);
    expect(ends[0]!.signals.smartTurn).toMatchObject({ vote: 'complete', probability: 0.93 });
  });

  it('a provider end-of-turn signal counts as a complete vote', () => {
    const { ends } = run([{ speech: 700, interim: 'turn the lights on' }, { silence: 1000, provider: { afterMs: 140, endOfTurn: true, probability: 0.91 } }], { awaitSttFinal: false });
    expect(ends).toEqual([expect.objectContaining({ atMs: 900, delayMs: 200, by: ['provider'] })]);
  });

  it('a complete decision is never earlier than the VAD can hear the pause', () => {
    const { ends } = run([{ speech: 500, interim: 'Thanks!' }, { silence: 500, final: { afterMs: 100, text: 'Thanks!' } }], { completeWaitMs: 0 });
    expect(ends).toEqual([expect.objectContaining({ atMs: 600, delayMs: 100 })]);
  });
});

describe('EndOfTurnPolicy: never answers into a hesitation (issue 13)', () => {
  it('"a flight to", 850 ms pause, "Paris": one end of turn, after Paris', () => {
    const { ends, decisions } = run([
      { speech: 1000, interim: 'I need a flight to' },
      { silence: 850, final: { afterMs: 150, text: 'I need a flight to' } },
      { speech: 500, interim: 'I need a flight to Paris' },
      { silence: 1000, final: { afterMs: 150, text: 'I need a flight to Paris.' } },
    ]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 2550, speechEndMs: 2350, delayMs: 200, turnClass: 'complete' })]);
    // During the pause the policy planned the long wait, and asked for the STT final at 100 ms.
    const inPause = decisions.find((d) => d.event.atMs === 1100)!.decision;
    expect(inPause).toMatchObject({ type: 'wait-until', atMs: 4000, turnClass: 'incomplete', finalizeSttAtMs: 1100 });
    expect(decisions.find((d) => d.event.type === 'speech-start' && d.event.atMs === 1850)!.decision).toEqual({ type: 'wait-for-speech' });
  });

  it('a pause in the middle of a phone number', () => {
    const { ends } = run([
      { speech: 1500, interim: 'my number is 415 555' },
      { silence: 700, final: { afterMs: 150, text: 'My number is 415-555.' } },
      { speech: 800, interim: 'my number is 415 555 1234' },
      { silence: 1000, final: { afterMs: 150, text: 'My number is 415-555-1234.' } },
    ]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 3200, delayMs: 200, turnClass: 'complete' })]);
  });

  it('"um," then the rest of the sentence', () => {
    const { ends } = run([
      { speech: 400, interim: 'um' },
      { silence: 600, final: { afterMs: 150, text: 'Um,' } },
      { speech: 900, interim: 'um what time is it' },
      { silence: 600, final: { afterMs: 150, text: 'Um, what time is it?' } },
    ]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 2100, delayMs: 200 })]);
  });

  it('words that are unfinished beat Smart Turn saying complete', () => {
    const { ends } = run([{ speech: 1000, interim: 'send it to' }, { silence: 3500, final: { afterMs: 150, text: 'Send it to' }, smartTurn: { afterMs: 150, p: 0.8 } }], { awaitSmartTurn: true });
    expect(ends).toEqual([expect.objectContaining({ atMs: 4000, delayMs: 3000, turnClass: 'incomplete', by: 'incomplete-timeout' })]);
  });

  it('an unfinished turn that is never finished ends at the cap', () => {
    const { ends } = run([{ speech: 800, interim: 'and then I' }, { silence: 5000, final: { afterMs: 150, text: 'and then I' } }], { incompleteWaitMs: 2500, uncertainWaitMs: 1000 });
    expect(ends).toEqual([expect.objectContaining({ atMs: 3300, delayMs: 2500, by: 'incomplete-timeout' })]);
  });
});

describe('EndOfTurnPolicy: when the signals disagree or are missing', () => {
  it('plain settled words without punctuation or a model wait twice the sure time (400 ms)', () => {
    const { ends } = run([{ speech: 900, interim: 'set a timer for ten minutes' }, { silence: 1500, final: { afterMs: 150, text: 'set a timer for ten minutes' } }]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 1300, delayMs: 400, turnClass: 'uncertain', by: 'silence' })]);
  });

  it('plain words the STT has not settled wait the whole uncertain time', () => {
    const { ends } = run([{ speech: 900, interim: 'set a timer for ten minutes' }, { silence: 1500 }]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 1700, delayMs: 800, turnClass: 'uncertain' })]);
  });

  it('Smart Turn doubting a punctuated question slows the answer but does not hold it for the cap', () => {
    const { ends } = run([{ speech: 900, interim: 'is it open' }, { silence: 1500, final: { afterMs: 150, text: 'Is it open?' }, smartTurn: { afterMs: 150, p: 0.3 } }], { awaitSmartTurn: true });
    expect(ends).toEqual([expect.objectContaining({ atMs: 1700, delayMs: 800, turnClass: 'uncertain' })]);
  });

  it('Smart Turn doubting plain words holds for the cap', () => {
    const { ends } = run([{ speech: 900, interim: 'set a timer' }, { silence: 3500, final: { afterMs: 150, text: 'set a timer' }, smartTurn: { afterMs: 150, p: 0.2 } }], { awaitSmartTurn: true });
    expect(ends).toEqual([expect.objectContaining({ delayMs: 3000, turnClass: 'incomplete' })]);
  });

  it('an awaited Smart Turn that never answers: the uncertain wait, not a hang', () => {
    const { ends } = run([{ speech: 900, interim: 'what time is it' }, { silence: 1500, final: { afterMs: 150, text: 'What time is it?' } }], { awaitSmartTurn: true });
    expect(ends).toEqual([expect.objectContaining({ delayMs: 800, turnClass: 'uncertain' })]);
  });

  it('no STT final at all: an interim "complete" is never strong', () => {
    const { ends } = run([{ speech: 900, interim: 'what time is it?' }, { silence: 1500 }]);
    expect(ends).toEqual([expect.objectContaining({ delayMs: 800, turnClass: 'uncertain' })]);
  });

  it('an interim "unfinished" is believed at once', () => {
    const { decisions } = run([{ speech: 900, interim: 'a flight to' }, { silence: 200 }]);
    expect(decisions.find((d) => d.event.type === 'speech-end')!.decision).toMatchObject({ type: 'wait-until', atMs: 3900, turnClass: 'incomplete' });
  });
});

describe('EndOfTurnPolicy: turns and state', () => {
  it('speaking on re-opens the pause; audio opinions of the earlier pause are dropped', () => {
    const policy = new EndOfTurnPolicy({ awaitSttFinal: false, awaitSmartTurn: true });
    policy.update({ type: 'speech-start', atMs: 0 });
    policy.update({ type: 'speech-end', atMs: 600, speechEndMs: 500 });
    policy.update({ type: 'smart-turn', atMs: 650, probability: 0.9 });
    expect(policy.update({ type: 'speech-start', atMs: 680 })).toEqual({ type: 'wait-for-speech' });
    // A result that lands while the user speaks is for a pause that is over.
    policy.update({ type: 'smart-turn', atMs: 700, probability: 0.95 });
    const d = policy.update({ type: 'speech-end', atMs: 1100, speechEndMs: 1000 });
    expect(d).toMatchObject({ type: 'wait-until', atMs: 1800, turnClass: 'uncertain' });
    expect(policy.signals().smartTurn).toEqual({ vote: 'unknown' });
  });

  it('speaking on unsettles the transcript: an earlier final is not taken for the new words', () => {
    const { ends } = run([
      { speech: 800, interim: 'is it open' },
      { silence: 150, final: { afterMs: 120, text: 'Is it open?' } },
      // More words, but the STT has not produced anything for them by the pause.
      { speech: 600 },
      { silence: 1500, final: { afterMs: 400, text: 'Is it open on Sundays?' } },
    ]);
    expect(ends).toEqual([expect.objectContaining({ atMs: 1950, speechEndMs: 1550, delayMs: 400, turnClass: 'complete' })]);
  });

  it('after an end of turn the next speech starts a new turn with an empty transcript', () => {
    const policy = new EndOfTurnPolicy();
    policy.update({ type: 'speech-start', atMs: 0 });
    policy.update({ type: 'speech-end', atMs: 600, speechEndMs: 500 });
    policy.update({ type: 'transcript', atMs: 650, text: 'Hello there.', final: true });
    expect(policy.update({ type: 'tick', atMs: 700 })).toMatchObject({ type: 'end-of-turn', delayMs: 200 });
    // Nothing more happens for the decided turn.
    expect(policy.update({ type: 'tick', atMs: 800 })).toEqual({ type: 'wait-for-speech' });
    policy.update({ type: 'speech-start', atMs: 2000 });
    expect(policy.signals().semantics).toMatchObject({ vote: 'unknown' });
    policy.update({ type: 'speech-end', atMs: 2600, speechEndMs: 2500 });
    policy.update({ type: 'transcript', atMs: 2650, text: 'Bye.', final: true });
    expect(policy.update({ type: 'tick', atMs: 2700 })).toMatchObject({ type: 'end-of-turn', speechEndMs: 2500 });
  });

  it('nothing to decide before any speech', () => {
    const policy = new EndOfTurnPolicy();
    expect(policy.update({ type: 'tick', atMs: 0 })).toEqual({ type: 'wait-for-speech' });
    expect(policy.update({ type: 'transcript', atMs: 10, text: 'stray', final: true })).toEqual({ type: 'wait-for-speech' });
  });

  it('rejects events out of time order and inconsistent options', () => {
    const policy = new EndOfTurnPolicy();
    policy.update({ type: 'tick', atMs: 100 });
    expect(() => policy.update({ type: 'tick', atMs: 99 })).toThrow(RangeError);
    policy.reset();
    expect(() => policy.update({ type: 'tick', atMs: 0 })).not.toThrow();
    expect(() => new EndOfTurnPolicy({ completeWaitMs: 900 })).toThrow(/waits must grow/);
    expect(() => new EndOfTurnPolicy({ incompleteWaitMs: Number.NaN })).toThrow(RangeError);
    expect(() => new EndOfTurnPolicy({ smartTurnThreshold: 1 })).toThrow(RangeError);
    expect(new EndOfTurnPolicy({ completeWaitMs: undefined }).options.completeWaitMs).toBe(200);
  });
});

describe('EndOfTurnPolicy: an STT that judges turns (awaitProvider)', () => {
  it('a full stop the STT put at a pause does not end the turn until the provider calls it', () => {
    const { ends } = run(
      [{ speech: 900, interim: 'and so my fellow americans' }, { silence: 1200, final: { afterMs: 120, text: 'And so my fellow Americans.' } }, { speech: 800, interim: 'ask not' }, { silence: 1000, final: { afterMs: 120, text: 'ask not what your country can do for you.' }, provider: { afterMs: 300, endOfTurn: true, probability: 0.9 } }],
      { awaitProvider: true },
    );
    expect(ends).toEqual([expect.objectContaining({ atMs: 900 + 1200 + 800 + 300, turnClass: 'complete', by: ['semantics', 'provider'] })]);
  });

  it('plain words with no provider call wait for the cap, not the unsure wait', () => {
    const { ends } = run([{ speech: 900, interim: 'i was thinking' }, { silence: 3500, final: { afterMs: 120, text: 'i was thinking' } }], { awaitProvider: true });
    expect(ends).toEqual([expect.objectContaining({ atMs: 900 + 3000, turnClass: 'uncertain' })]);
  });

  it('unfinished words veto the provider', () => {
    const { ends } = run([{ speech: 900, interim: 'i need a flight to' }, { silence: 1000, final: { afterMs: 120, text: 'I need a flight to.' }, provider: { afterMs: 250, endOfTurn: true } }, { speech: 500, interim: 'Boston' }, { silence: 1000, final: { afterMs: 120, text: 'Boston.' }, provider: { afterMs: 250, endOfTurn: true } }], { awaitProvider: true });
    expect(ends).toHaveLength(1);
    expect(ends[0]!.atMs).toBe(900 + 1000 + 500 + 250);
  });
});
