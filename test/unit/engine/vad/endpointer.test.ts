import { describe, expect, it } from 'vitest';
import { Endpointer, type EndpointerEvent, type EndpointerOptions } from '../../../../electron/engine/vad/endpointer.js';
import { probabilities, type Stretch } from '../../../helpers/timeline.js';

const FRAME = 32;

function run(stretches: Stretch[], options: Partial<EndpointerOptions> = {}, finish = true): EndpointerEvent[] {
  const ep = new Endpointer({ frameMs: FRAME, ...options });
  const events = probabilities(stretches, FRAME).flatMap((p) => ep.process(p));
  return finish ? [...events, ...ep.finish()] : events;
}

describe('Endpointer', () => {
  it('stays quiet on silence', () => {
    expect(run([{ silence: 3200 }])).toEqual([]);
  });

  it('reports speech start once min speech is reached and speech end after the hangover', () => {
    // Defaults: min speech 250 ms = 8 frames, min silence 300 ms = 10 frames.
    const events = run([{ silence: 320 }, { speech: 640 }, { silence: 640 }]);
    expect(events).toEqual([
      { type: 'speech-start', startMs: 320, atMs: 320 + 8 * FRAME },
      { type: 'speech-end', startMs: 320, endMs: 960, atMs: 960 + 10 * FRAME },
    ]);
  });

  it('reports a burst shorter than min speech as a misfire, not an utterance', () => {
    expect(run([{ silence: 96 }, { speech: 160 }, { silence: 640 }])).toEqual([{ type: 'misfire', startMs: 96, endMs: 256, atMs: 256 + 10 * FRAME }]);
  });

  it('keeps speech through probabilities between the two thresholds (hysteresis)', () => {
    const events = run([{ speech: 320 }, { speech: 640, p: 0.4 }, { speech: 320 }, { silence: 640 }], { activationThreshold: 0.5, deactivationThreshold: 0.35 });
    expect(events.filter((e) => e.type === 'speech-end')).toEqual([{ type: 'speech-end', startMs: 0, endMs: 1280, atMs: 1280 + 320 }]);
  });

  it('does not start speech on probabilities below the activation threshold', () => {
    expect(run([{ speech: 3200, p: 0.45 }], { activationThreshold: 0.5 })).toEqual([]);
  });

  it('bridges pauses shorter than min silence and splits on longer ones', () => {
    const script: Stretch[] = [{ speech: 640 }, { silence: 256 }, { speech: 640 }, { silence: 640 }, { speech: 640 }, { silence: 640 }];
    const ends = run(script).filter((e) => e.type === 'speech-end');
    expect(ends.map((e) => [e.startMs, (e as { endMs: number }).endMs])).toEqual([
      [0, 1536],
      [2176, 2816],
    ]);
    // With a 700 ms hangover the 640 ms pause is bridged too; the final 640 ms of silence is then
    // shorter than the hangover, so the utterance is closed by the end of the stream.
    const merged = run(script, { minSilenceMs: 700 }).filter((e) => e.type === 'speech-end');
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ startMs: 0, endMs: 2816, atMs: 2816 + 640 });
  });

  it('closes an open utterance when the stream ends', () => {
    expect(run([{ silence: 64 }, { speech: 640 }], {}, true).at(-1)).toEqual({ type: 'speech-end', startMs: 64, endMs: 704, atMs: 704 });
    expect(run([{ speech: 64 }], {}, true)).toEqual([{ type: 'misfire', startMs: 0, endMs: 64, atMs: 64 }]);
  });

  it('honours custom min speech and min silence', () => {
    const events = run([{ speech: 96 }, { silence: 96 }], { minSpeechMs: 64, minSilenceMs: 64 });
    expect(events).toEqual([
      { type: 'speech-start', startMs: 0, atMs: 64 },
      { type: 'speech-end', startMs: 0, endMs: 96, atMs: 160 },
    ]);
  });

  it('hands over the utterance audio with pre-roll before the onset', () => {
    const ep = new Endpointer({ frameMs: FRAME, preRollMs: 64 });
    const probs = probabilities([{ silence: 320 }, { speech: 320 }, { silence: 320 }], FRAME);
    // Each frame's samples carry its index, so the audio shows exactly which frames were kept.
    const events = probs.flatMap((p, i) => ep.process(p, new Float32Array(4).fill(i)));
    const end = events.find((e) => e.type === 'speech-end');
    expect(end).toMatchObject({ startMs: 320, endMs: 640, audioStartMs: 320 - 64 });
    const frames = Array.from((end as { audio: Float32Array }).audio.filter((_, i) => i % 4 === 0));
    // Pre-roll frames 8-9, speech frames 10-19, hangover frames 20-29 up to the decision.
    expect(frames).toEqual(Array.from({ length: 22 }, (_, k) => 8 + k));
  });

  it('gives the next utterance its pre-roll from the tail of the previous one', () => {
    const ep = new Endpointer({ frameMs: FRAME, preRollMs: 64, minSilenceMs: 96 });
    const probs = probabilities([{ speech: 320 }, { silence: 96 }, { speech: 320 }, { silence: 96 }], FRAME);
    const events = probs.flatMap((p, i) => ep.process(p, new Float32Array(1).fill(i)));
    const ends = events.filter((e) => e.type === 'speech-end');
    expect(ends).toHaveLength(2);
    expect(ends[1]).toMatchObject({ startMs: 416, audioStartMs: 416 - 64 });
    expect(Array.from((ends[1] as { audio: Float32Array }).audio)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('rejects nonsense settings and probabilities', () => {
    expect(() => new Endpointer({ frameMs: 32, activationThreshold: 1.5 })).toThrow(/activation threshold/);
    expect(() => new Endpointer({ frameMs: 32, activationThreshold: 0.5, deactivationThreshold: 0.6 })).toThrow(/deactivation/);
    expect(() => new Endpointer({ frameMs: 32, minSilenceMs: -1 })).toThrow(/minSilenceMs/);
    expect(() => new Endpointer({ frameMs: 0 })).toThrow(/frameMs/);
    expect(() => new Endpointer({ frameMs: 32 }).process(Number.NaN)).toThrow(/probability/);
  });
});
