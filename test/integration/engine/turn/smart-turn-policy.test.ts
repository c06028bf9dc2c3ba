import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { EndOfTurnPolicy, type EndOfTurnDecision } from '../../../../electron/engine/turn/end-of-turn-policy.js';
import { SmartTurnDetector } from '../../../../electron/engine/turn/smart-turn.js';
import { TurnAudioWindow } from '../../../../electron/engine/turn/turn-audio.js';
import { SMART_TURN_FIXTURES, buildSignal } from '../../../helpers/turn-signals.js';

// The pieces together on a simulated clock: the turn's audio in a window, Smart Turn (stand-in
// model: it reads the loudness of the last second) scoring each pause, the policy deciding.
const FRAME = 320; // 20 ms at 16 kHz
const voiced = (ms: number, seed: number) => buildSignal({ name: 'voiced', samples: ms * 16, parts: [{ kind: 'sine', hz: 170, amp: 0.3 }, { kind: 'sine', hz: 1100, amp: 0.1 }, { kind: 'noise', seed, amp: 0.05 }] });
const quiet = (ms: number) => new Float32Array(ms * 16);

describe('Smart Turn feeding the end-of-turn policy (real onnxruntime, stand-in model)', () => {
  let detector: SmartTurnDetector;
  beforeAll(async () => {
    detector = await SmartTurnDetector.load({ modelPath: path.join(SMART_TURN_FIXTURES, 'stand-in.onnx') });
  });
  afterAll(() => detector.release());

  /** Feeds audio in 20 ms frames; at `pauseAfterMs` into each silence, scores the window. */
  async function replay(parts: Array<{ speech: Float32Array; text: string } | { silence: Float32Array }>) {
    const clock = new ManualClock();
    const window = new TurnAudioWindow();
    const policy = new EndOfTurnPolicy({ awaitSttFinal: true, awaitSmartTurn: true });
    const decisions: EndOfTurnDecision[] = [];
    const probabilities: number[] = [];
    let speechEnd = 0;
    for (const part of parts) {
      const audio = 'speech' in part ? part.speech : part.silence;
      if ('speech' in part) decisions.push(policy.update({ type: 'speech-start', atMs: clock.now() }));
      for (let i = 0; i < audio.length; i += FRAME) {
        window.push(audio.subarray(i, i + FRAME));
        clock.advance(20);
        if ('speech' in part) continue;
        const into = clock.now() - speechEnd;
        // The VAD's hangover: the pause is heard 100 ms in; the STT final and Smart Turn follow.
        if (into === 100) {
          decisions.push(policy.update({ type: 'speech-end', atMs: clock.now(), speechEndMs: speechEnd }));
          const { probability } = await detector.predict(window.read());
          probabilities.push(probability);
          decisions.push(policy.update({ type: 'smart-turn', atMs: clock.now(), probability }));
        }
        decisions.push(policy.update({ type: 'tick', atMs: clock.now() }));
        if (decisions.at(-1)!.type === 'end-of-turn') window.clear();
      }
      if ('speech' in part) {
        speechEnd = clock.now();
        decisions.push(policy.update({ type: 'transcript', atMs: clock.now(), text: part.text, final: true }));
      }
    }
    return { decisions: decisions.filter((d) => d.type === 'end-of-turn'), probabilities };
  }

  it('plain words, Smart Turn votes complete: the turn ends 200 ms after speech, credited to Smart Turn', async () => {
    const { decisions, probabilities } = await replay([{ speech: voiced(2000, 3), text: 'set a timer for ten minutes' }, { silence: quiet(600) }]);
    // The stand-in scores the last second, still 90 % voice 100 ms into the pause.
    expect(probabilities).toHaveLength(1);
    expect(probabilities[0]).toBeGreaterThan(0.5);
    expect(decisions).toEqual([expect.objectContaining({ atMs: 2200, speechEndMs: 2000, delayMs: 200, turnClass: 'complete', by: ['smart-turn'] })]);
  });

  it('"a flight to": Smart Turn saying complete does not end the turn; the words after the pause do', async () => {
    const { decisions, probabilities } = await replay([
      { speech: voiced(1500, 4), text: 'I need a flight to' },
      { silence: quiet(840) },
      { speech: voiced(700, 5), text: 'I need a flight to Paris.' },
      { silence: quiet(600) },
    ]);
    expect(probabilities).toHaveLength(2);
    expect(probabilities.every((p) => p > 0.5)).toBe(true);
    expect(decisions).toEqual([expect.objectContaining({ atMs: 3240, speechEndMs: 3040, delayMs: 200, turnClass: 'complete' })]);
  });

  it('a turn longer than 8 s: Smart Turn gets exactly the last 8 s', async () => {
    const long = voiced(9000, 6);
    const { probabilities } = await replay([{ speech: long, text: 'a long story.' }, { silence: quiet(400) }]);
    const last8s = new Float32Array(128000);
    last8s.set(long.subarray(long.length - 128000 + 1600));
    const direct = await detector.predict(last8s);
    expect(probabilities[0]).toBeCloseTo(direct.probability, 6);
  });
});
