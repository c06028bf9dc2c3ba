import { describe, expect, it } from 'vitest';
import { feedInRealTime } from '../../../../electron/engine/audio/real-time-feed.js';
import { ManualClock } from '../../../../electron/engine/clock.js';

describe('feedInRealTime', () => {
  it('pulls a streamed recording one block at a time, as it plays, then sends silence until told to stop', async () => {
    const clock = new ManualClock();
    let pulled = 0;
    async function* recording() {
      for (let i = 0; i < 50; i++) {
        pulled++;
        yield new Float32Array(320).fill(0.5);
      }
    }
    const sent: Float32Array[] = [];
    const aheadAtPush: number[] = [];
    // Each push takes the block's own 20 ms, as a real-time consumer would: no timer ever waits.
    const push = async (block: Float32Array) => {
      aheadAtPush.push(pulled - sent.length);
      sent.push(block);
      clock.advance((block.length / 16000) * 1000);
    };
    await feedInRealTime(push, recording(), clock, (tailMs) => tailMs >= 100);
    // Never more than the block being played was read ahead: memory stays flat for any length.
    expect(Math.max(...aheadAtPush)).toBe(1);
    expect(sent.slice(0, 50).every((b) => b[0] === 0.5)).toBe(true);
    expect(sent.slice(50).every((b) => b.every((x) => x === 0))).toBe(true);
    expect(sent.length).toBe(50 + 5); // 100 ms of silence after 1 s of recording
  });

  it('plays an in-memory recording in 20 ms blocks', async () => {
    const clock = new ManualClock();
    const sizes: number[] = [];
    await feedInRealTime(async (b) => (sizes.push(b.length), clock.advance(20)), new Float32Array(1000), clock, () => true);
    expect(sizes).toEqual([320, 320, 320, 40]);
  });

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

  it('waits on its clock between blocks when pushing takes no time: 20 ms of clock time per block, no wall time', async () => {
    const clock = new ManualClock(500);
    const pushedAt: number[] = [];
    let done = false;
    const feeding = feedInRealTime(async () => void pushedAt.push(clock.now()), new Float32Array(320 * 10), clock, () => true).then(() => (done = true));
    await clock.advanceAsync(100);
    expect(pushedAt).toEqual([500, 520, 540, 560, 580, 600]);
    await clock.advanceAsync(1000);
    await feeding;
    expect(done).toBe(true);
    expect(pushedAt).toEqual([500, 520, 540, 560, 580, 600, 620, 640, 660, 680]);
  });
});
