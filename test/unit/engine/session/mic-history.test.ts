import { describe, expect, it } from 'vitest';
import { MicHistory } from '../../../../electron/engine/session/mic-history.js';

const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('MicHistory', () => {
  it('before it is full: everything heard, in order', () => {
    const mic = new MicHistory(10, 1);
    mic.write(ramp(0, 4));
    mic.write(ramp(4, 3));
    expect([...mic.recording()]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('once it wraps: the last seconds only, oldest first (also across a write bigger than the ring)', () => {
    const mic = new MicHistory(10, 1);
    mic.write(ramp(0, 7));
    mic.write(ramp(7, 6));
    expect([...mic.recording()]).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    mic.write(ramp(100, 25));
    expect([...mic.recording()]).toEqual([...ramp(115, 10)]);
  });

  it('empty before anything was heard', () => {
    expect(new MicHistory(16000, 30).recording()).toHaveLength(0);
  });
});
