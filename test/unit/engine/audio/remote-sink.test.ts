import { describe, expect, it } from 'vitest';
import { RemoteAudioSink } from '../../../../electron/engine/audio/remote-sink.js';
import { ManualClock } from '../../../../electron/engine/clock.js';

function sink(staleReportMs = 2000) {
  const clock = new ManualClock();
  const sent: { epoch: number; block: number; samples: number }[] = [];
  const controls: string[] = [];
  const s = new RemoteAudioSink(1000, { block: (epoch, block, samples) => void sent.push({ epoch, block, samples: samples.length }), control: (op, epoch) => void controls.push(`${op}@${epoch}`) }, clock, { staleReportMs });
  return { s, clock, sent, controls };
}

describe('RemoteAudioSink (the UI player as an AudioSink)', () => {
  it('sends numbered blocks, fires onStart when the player reports them, and interpolates played() between reports', () => {
    const { s, clock, sent } = sink();
    const started: number[] = [];
    s.write(new Float32Array(100), () => started.push(0));
    s.write(new Float32Array(100), () => started.push(1));
    expect(sent).toEqual([
      { epoch: 0, block: 0, samples: 100 },
      { epoch: 0, block: 1, samples: 100 },
    ]);
    expect(s.played()).toBe(0);
    s.blockStarted(0, 0);
    expect(started).toEqual([0]);
    clock.advance(40); // 1000 Hz: 40 samples later
    expect(s.played()).toBe(40);
    s.progress(0, 30, false); // the report wins over the estimate
    clock.advance(10);
    expect(s.played()).toBe(40);
    // A coalesced report: block 1 started means nothing earlier is still pending.
    s.blockStarted(0, 1);
    expect(started).toEqual([0, 1]);
    clock.advance(1000);
    expect(s.played()).toBe(200); // never more than was written
  });

  it('pause freezes played(); flush starts a new epoch and ignores late reports of the old one', async () => {
    const { s, clock, controls } = sink();
    s.write(new Float32Array(500));
    s.blockStarted(0, 0);
    clock.advance(100);
    s.pause();
    clock.advance(300);
    expect(s.played()).toBe(100);
    s.resume();
    clock.advance(50);
    expect(s.played()).toBe(150);
    s.flush();
    expect(controls).toEqual(['pause@0', 'resume@0', 'flush@1']);
    s.progress(0, 400, true);
    expect(s.played()).toBe(0);
    expect(s.written()).toBe(0);
  });

  it("drain() resolves on the player's drained report, on flush, and when the player goes silent", async () => {
    const { s, clock } = sink(20);
    s.write(new Float32Array(10));
    let drained = false;
    const d = s.drain().then(() => (drained = true));
    s.progress(0, 5, false);
    await Promise.resolve();
    expect(drained).toBe(false);
    s.progress(0, 10, true);
    await d;
    expect(drained).toBe(true);

    s.write(new Float32Array(10));
    const flushed = s.drain();
    s.flush();
    await flushed;

    // No reports at all: after the audio's own duration (10 ms) plus the stale margin (20 ms) of clock time.
    s.write(new Float32Array(10));
    let silent = false;
    const stale = s.drain().then(() => (silent = true));
    clock.advance(29);
    await Promise.resolve();
    expect(silent).toBe(false);
    clock.advance(1);
    await stale;
    expect(silent).toBe(true);
  });

  it('after detach nothing waits: writes start at once and drain resolves', async () => {
    const { s, sent } = sink();
    s.detach();
    let started = false;
    s.write(new Float32Array(10), () => (started = true));
    expect(started).toBe(true);
    expect(sent).toEqual([]);
    await s.drain();
  });
});
