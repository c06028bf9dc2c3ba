import { describe, expect, it } from 'vitest';
import { BargeInDetector, type BargeInDecision, type HeardWords } from '../../../../electron/engine/cascade/barge-in.js';
import { probabilities, type Stretch } from '../../../helpers/timeline.js';

const FRAME = 32;
/** Runs a scripted timeline; the mic is loud (0.1 RMS) on speech-like frames (p >= 0.3), quiet otherwise; playback at 0.2 RMS. */
/** `words`: what the STT reports having heard, from a given time (ms) on. */
function decisions(script: Stretch[], options = {}, micRms: (p: number) => number = (p) => (p >= 0.3 ? 0.1 : 0.001), words: [atMs: number, heard: HeardWords][] = []): [number, BargeInDecision][] {
  const d = new BargeInDetector({ frameMs: FRAME, ...options });
  const out: [number, BargeInDecision][] = [];
  probabilities(script, FRAME).forEach((p, i) => {
    for (const [at, heard] of words) if (at === i * FRAME) out.push([at, d.hear(heard)]);
    out.push([i * FRAME, d.process(p, micRms(p), 0.2)]);
  });
  return out.filter(([, x]) => x !== null);
}

describe('BargeInDetector', () => {
  it('pauses on the first speech frame; with real words heard, confirms after 500 ms of speech', () => {
    expect(decisions([{ silence: 320 }, { speech: 1280 }], {}, undefined, [[320 + 320, 'words']])).toEqual([
      [320, 'suspect'],
      [320 + 15 * FRAME, 'confirm'],
    ]);
  });

  it('words arriving after 500 ms of speech confirm at once', () => {
    expect(decisions([{ silence: 320 }, { speech: 1280 }], {}, undefined, [[320 + 640, 'words']])).toEqual([
      [320, 'suspect'],
      [320 + 640, 'confirm'],
    ]);
  });

  it('without words, only a second of speech confirms', () => {
    expect(decisions([{ silence: 320 }, { speech: 1280 }])).toEqual([
      [320, 'suspect'],
      [320 + 31 * FRAME, 'confirm'],
    ]);
  });

  it('a backchannel ("mm-hmm", 700 ms) pauses the reply and never cuts it: it resumes 160 ms after', () => {
    expect(decisions([{ silence: 320 }, { speech: 704 }, { silence: 640 }], {}, undefined, [[320 + 480, 'backchannel']])).toEqual([
      [320, 'suspect'],
      [320 + 704 + 4 * FRAME, 'release'],
    ]);
  });

  it('real words then silence hold the pause for the turn decision, resuming after 2 s if none comes', () => {
    expect(decisions([{ silence: 320 }, { speech: 320 }, { silence: 2560 }], {}, undefined, [[320 + 288, 'words']])).toEqual([
      [320, 'suspect'],
      [320 + 320 + Math.ceil(2000 / FRAME - 1) * FRAME, 'release'],
    ]);
  });

  it('releases a short noise (a cough) so the reply resumes', () => {
    expect(decisions([{ silence: 320 }, { speech: 96 }, { silence: 320 }])).toEqual([
      [320, 'suspect'],
      [320 + 96 + 4 * FRAME, 'release'],
    ]);
  });

  it('with onsetFrames 2, ignores isolated speech frames', () => {
    expect(decisions([{ speech: 32 }, { silence: 64 }, { speech: 32 }, { silence: 320 }], { onsetFrames: 2 })).toEqual([]);
  });

  it('echo guard: speech-like frames far quieter than the playback do not count', () => {
    // The mic at 0.01 RMS while 0.2 RMS plays: -26 dB, an echo canceller's leftovers.
    expect(decisions([{ speech: 640 }], {}, () => 0.01)).toEqual([]);
    // The same with the guard relaxed counts.
    expect(decisions([{ speech: 1280 }], { echoGain: 0.01 }, () => 0.01).map(([, d]) => d)).toEqual(['suspect', 'confirm']);
  });

  it('pauses on a soft onset (p 0.4) but needs confident speech to confirm', () => {
    expect(decisions([{ speech: 128, p: 0.4 }, { silence: 320 }])).toEqual([
      [0, 'suspect'],
      [128 + 4 * FRAME, 'release'],
    ]);
    expect(decisions([{ speech: 64, p: 0.4 }, { speech: 1280 }])).toEqual([
      [0, 'suspect'],
      [64 + 31 * FRAME, 'confirm'],
    ]);
  });

  it('honours thresholds and counts', () => {
    expect(decisions([{ speech: 640, p: 0.55 }], { threshold: 0.6, onsetThreshold: 0.6 })).toEqual([]);
    expect(decisions([{ speech: 1280, p: 0.55 }]).map(([, d]) => d)).toEqual(['suspect', 'confirm']);
    expect(decisions([{ speech: 640 }], { onsetFrames: 4, confirmWithoutWordsMs: 128 })).toEqual([[3 * FRAME, 'confirm']]);
  });
});
