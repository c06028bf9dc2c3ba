import { describe, expect, it } from 'vitest';
import { TurnDetector, sameWords, type TurnAction, type TurnDetectorOptions, type TurnSttEvent as SttEvent } from '../../../../electron/engine/turn/turn-detector.js';
import { probabilities, type Stretch } from '../../../helpers/timeline.js';

const FRAME = 32;
const partial = (text: string): SttEvent => ({ type: 'partial', text });
const final = (text: string, endOfSpeech = true): SttEvent => ({ type: 'final', text, endOfSpeech, fromFinalize: false });
const finalized = (text: string): SttEvent => ({ type: 'final', text, endOfSpeech: false, fromFinalize: true });

type Scripted = { atMs: number; event: SttEvent } | { atMs: number; smartTurn: number } | { atMs: number; userDone: true } | { atMs: number; recovering: boolean };

/**
 * Drives a detector frame by frame (frame i ends at (i+1) * 32 ms on the clock and in the stream),
 * delivering scripted STT events at their times and a tick whenever the detector asks for one.
 * Returns every action with the time it was taken.
 */
function run(script: Stretch[], events: Scripted[] = [], options: Partial<TurnDetectorOptions> = {}): TurnAction[] {
  const d = new TurnDetector({ frameMs: FRAME, ...options });
  const actions: TurnAction[] = [];
  const pending = [...events].sort((a, b) => a.atMs - b.atMs);
  const deliverUntil = (t: number) => {
    for (;;) {
      const wake = d.wakeAtMs;
      const next = pending[0];
      if (wake !== undefined && wake <= t && (!next || wake < next.atMs)) {
        actions.push(...d.update({ type: 'tick', atMs: wake }));
        continue;
      }
      if (!next || next.atMs > t) return;
      pending.shift();
      if ('event' in next) actions.push(...d.update({ type: 'stt', atMs: next.atMs, event: next.event }));
      else if ('smartTurn' in next) actions.push(...d.update({ type: 'smart-turn', atMs: next.atMs, pauseId: 1, probability: next.smartTurn }));
      else if ('userDone' in next) actions.push(...d.update({ type: 'user-done', atMs: next.atMs }));
      else actions.push(...d.update({ type: 'stt-recovering', atMs: next.atMs, recovering: next.recovering }));
    }
  };
  probabilities(script, FRAME).forEach((p, i) => {
    const end = (i + 1) * FRAME;
    deliverUntil(end - 1e-6);
    actions.push(...d.update({ type: 'frame', atMs: end, streamMs: end, probability: p }));
  });
  deliverUntil(Infinity);
  return actions;
}

const ends = (actions: TurnAction[]) => actions.filter((a): a is Extract<TurnAction, { type: 'end-of-turn' }> => a.type === 'end-of-turn');
const kinds = (actions: TurnAction[]) => actions.map((a) => a.type);

describe('TurnDetector', () => {
  it('answers a complete question 200 ms after the speech ends once the STT settles it', () => {
    // Speech 320-1600 ms; the STT's final (end of speech) comes 150 ms after.
    const actions = run([{ silence: 320 }, { speech: 1280 }, { silence: 1280 }], [{ atMs: 900, event: partial("what's the weather") }, { atMs: 1750, event: final("What's the weather in Paris?") }]);
    expect(kinds(actions)).toEqual(['speech-start', 'finalize-stt', 'preempt', 'end-of-turn']);
    expect(actions[0]).toMatchObject({ atMs: 320 + 8 * FRAME, startMs: 320 });
    // The pause is noticed after 128 ms of silence (4 frames >= 100 ms).
    expect(actions[1]).toMatchObject({ atMs: 1600 + 4 * FRAME });
    expect(ends(actions)).toEqual([
      expect.objectContaining({ atMs: 1800, speechEndMs: 1600, speechEndStreamMs: 1600, sttFinalMs: 1750, delayMs: 200, text: "What's the weather in Paris?", turnClass: 'complete', by: ['semantics'], preempted: true }),
    ]);
  });

  it('does not answer into a pause after "a flight to": one turn with every word', () => {
    const actions = run(
      [{ silence: 320 }, { speech: 960 }, { silence: 800 }, { speech: 640 }, { silence: 1600 }],
      [
        { atMs: 1450, event: final('I need a flight to.') },
        { atMs: 2900, event: final('Boston.') },
      ],
    );
    expect(ends(actions)).toEqual([expect.objectContaining({ text: 'I need a flight to. Boston.', speechEndMs: 2720, atMs: 2920, delayMs: 200 })]);
    expect(kinds(actions).filter((k) => k === 'speech-start')).toHaveLength(1);
  });

  it('a final that arrived in a gap too short to be a pause does not settle the words spoken after it', () => {
    // "what time is it?" settles in a 64 ms gap; "in Tokyo" follows, its words arrive late.
    const actions = run(
      [{ silence: 320 }, { speech: 960 }, { silence: 64 }, { speech: 640 }, { silence: 1600 }],
      [
        { atMs: 1340, event: final('What time is it?') },
        { atMs: 2250, event: finalized('in Tokyo.') },
      ],
    );
    const [end] = ends(actions);
    expect(end).toMatchObject({ text: 'What time is it? in Tokyo.', speechEndMs: 1984 });
    // Not before the late words arrived.
    expect(end!.atMs).toBeGreaterThanOrEqual(2250);
    expect(ends(actions)).toHaveLength(1);
  });

  it('sound without words ends as no-words after the uncertain wait', () => {
    const actions = run([{ silence: 320 }, { speech: 320 }, { silence: 1600 }]);
    expect(actions.filter((a) => a.type === 'no-words')).toEqual([{ type: 'no-words', atMs: 640 + 800 }]);
    expect(ends(actions)).toEqual([]);
  });

  it('ignores clicks shorter than minSpeechMs', () => {
    expect(run([{ silence: 320 }, { speech: 192 }, { silence: 1600 }])).toEqual([]);
  });

  it('without semantics (silence only) every pause waits uncertainWaitMs', () => {
    const actions = run([{ silence: 320 }, { speech: 640 }, { silence: 1600 }], [{ atMs: 1050, event: final('What time is it?') }], { semantics: false, uncertainWaitMs: 500 });
    expect(ends(actions)).toEqual([expect.objectContaining({ atMs: 960 + 500, by: 'silence', turnClass: 'uncertain' })]);
  });

  it('a provider end of turn does not override unfinished words', () => {
    const actions = run(
      [{ silence: 320 }, { speech: 640 }, { silence: 640 }, { speech: 640 }, { silence: 1600 }],
      [
        { atMs: 1050, event: final('Book a table for') },
        { atMs: 1300, event: { type: 'end-of-turn', probability: 0.9 } },
        { atMs: 2400, event: final('two people.') },
      ],
    );
    expect(ends(actions).map((e) => e.text)).toEqual(['Book a table for two people.']);
  });

  it('speaking on cancels a prepared reply; the turn is prepared again on the new words', () => {
    const actions = run(
      [{ silence: 320 }, { speech: 640 }, { silence: 160 }, { speech: 640 }, { silence: 1600 }],
      [
        { atMs: 1000, event: final('Call my mom.') },
        { atMs: 1900, event: final('And my dad.') },
      ],
      { completeWaitMs: 400 },
    );
    // "Call my mom." settled before the pause was noticed: no finalize needed there.
    expect(kinds(actions)).toEqual(['speech-start', 'preempt', 'preempt-cancel', 'finalize-stt', 'preempt', 'end-of-turn']);
    expect(ends(actions)[0]).toMatchObject({ text: 'Call my mom. And my dad.', preempted: true });
  });

  it('speech after an end of turn is a new start over the decided turn', () => {
    const actions = run([{ silence: 320 }, { speech: 640 }, { silence: 640 }, { speech: 640 }, { silence: 320 }], [{ atMs: 1050, event: final('Hello there.') }]);
    expect(actions.filter((a) => a.type === 'speech-start').map((a) => (a as { overDecided: boolean }).overDecided)).toEqual([false, true]);
  });

  it('user-done (push-to-talk released) ends on the words as soon as the STT settles them', () => {
    const actions = run([{ silence: 320 }, { speech: 1280 }], [{ atMs: 1600, userDone: true }, { atMs: 1700, event: finalized('Remind me to') }]);
    expect(ends(actions)).toEqual([expect.objectContaining({ atMs: 1700, text: 'Remind me to', by: 'user-done', turnClass: 'forced' })]);
  });

  it('an STT whose words come only with the final asked for (a batch server, finalsOnly): a wordless pause waits for that final, up to incompleteWaitMs', () => {
    // Speech 320-1600 ms; the pause is noticed (finalize) at 1728; the server answers 1.2 s after the speech ended.
    const slow = run([{ silence: 320 }, { speech: 1280 }, { silence: 3200 }], [{ atMs: 2800, event: finalized('What time is it?') }], { finalsOnly: true });
    expect(slow.filter((a) => a.type === 'no-words')).toEqual([]);
    expect(ends(slow)).toEqual([expect.objectContaining({ atMs: 2800, text: 'What time is it?', turnClass: 'complete' })]);
    // Without the option the same timeline ends on silence before the words arrive.
    expect(kinds(run([{ silence: 320 }, { speech: 1280 }, { silence: 3200 }], [{ atMs: 2800, event: finalized('What time is it?') }]))).toContain('no-words');
    // A final that never comes: the pause ends without words at the cap.
    const never = run([{ silence: 320 }, { speech: 1280 }, { silence: 3520 }], [], { finalsOnly: true });
    expect(never.filter((a) => a.type === 'no-words')).toEqual([{ type: 'no-words', atMs: 1600 + 3000 }]);
    // The end of the input (user-done) waits for the slow final too.
    const done = run([{ silence: 320 }, { speech: 1280 }], [{ atMs: 1600, userDone: true }, { atMs: 3100, event: finalized('Remind me at noon.') }], { finalsOnly: true });
    expect(ends(done)).toEqual([expect.objectContaining({ atMs: 3100, text: 'Remind me at noon.', by: 'user-done' })]);
  });

  it('holds a wordless pause while the STT reconnects, then waits for the replayed words', () => {
    const actions = run(
      [{ silence: 320 }, { speech: 640 }, { silence: 3200 }],
      [
        { atMs: 500, recovering: true },
        { atMs: 3000, recovering: false },
        { atMs: 3300, event: finalized('Are you there?') },
      ],
    );
    expect(actions.filter((a) => a.type === 'no-words')).toEqual([]);
    expect(ends(actions)).toEqual([expect.objectContaining({ atMs: 3300, text: 'Are you there?' })]);
  });

  it('answers on interim words when the final never comes, and drops their late final', () => {
    const d = new TurnDetector({ frameMs: FRAME });
    const frames = probabilities([{ speech: 640 }, { silence: 1280 }], FRAME);
    const out: TurnAction[] = [];
    frames.forEach((p, i) => {
      if (i === 15) out.push(...d.update({ type: 'stt', atMs: (i + 1) * FRAME, event: partial('hello there') }));
      out.push(...d.update({ type: 'frame', atMs: (i + 1) * FRAME, streamMs: (i + 1) * FRAME, probability: p }));
    });
    expect(ends(out)).toEqual([expect.objectContaining({ text: 'hello there', turnClass: 'uncertain' })]);
    // Answered on interim words: they count as final when the turn was decided.
    expect(ends(out)[0]!.sttFinalMs).toBe(ends(out)[0]!.atMs);
    d.update({ type: 'stt', atMs: 2000, event: final('Hello there.') });
    expect(d.transcript).toBe('');
  });

  it("a final from before the speech ended (the first words of the turn) is not the turn's final mark; the last one after it is", () => {
    const actions = run(
      [{ silence: 320 }, { speech: 960 }, { silence: 64 }, { speech: 640 }, { silence: 1600 }],
      [
        { atMs: 1340, event: final('What time is it?') },
        { atMs: 2250, event: finalized('in Tokyo.') },
      ],
    );
    expect(ends(actions)).toEqual([expect.objectContaining({ text: 'What time is it? in Tokyo.', speechEndMs: 1984, sttFinalMs: 2250 })]);
  });

  it('Smart Turn below its threshold slows an uncertain pause down to the cap', () => {
    const actions = run([{ silence: 320 }, { speech: 640 }, { silence: 3520 }], [{ atMs: 1000, event: final('I was thinking') }, { atMs: 1100, smartTurn: 0.1 }], { smartTurn: true });
    expect(kinds(actions).slice(0, 2)).toEqual(['speech-start', 'score-turn']);
    expect(ends(actions)).toEqual([expect.objectContaining({ atMs: 960 + 3000, by: 'incomplete-timeout' })]);
  });

  it('word-equivalence ignores case and punctuation only', () => {
    expect(sameWords('Call my mom.', 'call my mom')).toBe(true);
    expect(sameWords('Call my mom.', 'call my mum')).toBe(false);
  });
});

describe('TurnDetector: words heard before the VAD hears the speech', () => {
  it('new words in a pause that waits for more restart the pause instead of ending on them at once', () => {
    // "My number is 415 555" (incomplete: digits pending); 3 s later the STT hears "0199" before
    // the VAD calls it speech (a soft onset at p 0.4).
    const actions = run(
      [{ silence: 320 }, { speech: 960 }, { silence: 960 }, { speech: 320, p: 0.4 }, { silence: 1600 }],
      [
        { atMs: 1400, event: final('My number is 415 555') },
        { atMs: 2400, event: partial('0199') },
        { atMs: 2700, event: finalized('0199.') },
      ],
    );
    expect(ends(actions)).toEqual([expect.objectContaining({ text: 'My number is 415 555 0199.', atMs: 2700 })]);
  });

  it('drops the late final of interim words a turn was answered on, however many interims came first', () => {
    const d = new TurnDetector({ frameMs: FRAME, uncertainWaitMs: 300 });
    probabilities([{ speech: 640 }, { silence: 640 }], FRAME).forEach((p, i) => {
      if (i === 19) d.update({ type: 'stt', atMs: (i + 1) * FRAME, event: partial('hello there') });
      d.update({ type: 'frame', atMs: (i + 1) * FRAME, streamMs: (i + 1) * FRAME, probability: p });
    });
    d.update({ type: 'stt', atMs: 1400, event: partial('hello there') });
    d.update({ type: 'stt', atMs: 1500, event: final('Hello there.') });
    expect(d.transcript).toBe('');
    d.update({ type: 'stt', atMs: 1600, event: final('And more.') });
    expect(d.transcript).toBe('And more.');
  });
});
