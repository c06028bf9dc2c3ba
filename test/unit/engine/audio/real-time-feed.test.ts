import { describe, expect, it } from 'vitest';
import { feedInRealTime } from '../../../../electron/engine/audio/real-time-feed.js';
import { ManualClock } from '../../../../electron/engine/clock.js';

describe('feedInRealTime', () => {
  it('stops mid-recording once the listener is gone (a dead call is not fed the rest of the file)', async () => {
    const clock = new ManualClock();
    const pushed: number[] = [];
    let dead = false;
    // Each push takes exactly one block of time, so the feed never has to wait on a timer.
    await feedInRealTime(
      async (block) => {
        pushed.push(block.length);
        clock.advance(20);
        if (pushed.length === 5) dead = true;
      },
      new Float32Array(16000), // 1 s: 50 blocks
      clock,
      () => true,
      () => dead,
    );
    expect(pushed).toEqual([320, 320, 320, 320, 320]);
  });

  it('plays the whole recording, then silence until the listener says it is done', async () => {
    const clock = new ManualClock();
    let blocks = 0;
    await feedInRealTime(
      async () => {
        blocks++;
        clock.advance(20);
      },
      new Float32Array(3200), // 10 blocks
      clock,
      (tailMs) => tailMs >= 100,
    );
    expect(blocks).toBe(15);
  });
});
