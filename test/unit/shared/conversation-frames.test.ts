import { describe, expect, it } from 'vitest';
import { MAX_AUDIO_FRAME_BYTES, decodeAudioFrame, encodeMicrophoneFrame, encodePlaybackFrame } from '../../../electron/shared/conversation.js';

describe('conversation audio frames (binary, both transports)', () => {
  it('round-trips microphone and playback frames, also from a view at an odd offset', () => {
    const samples = Int16Array.from([0, 1, -1, 32767, -32768]);
    expect(decodeAudioFrame(encodeMicrophoneFrame(samples))).toEqual({ kind: 'microphone', samples });
    const playback = new Uint8Array(encodePlaybackFrame(7, 42, samples));
    // As a Node Buffer slice from a socket would be: inside a bigger buffer, at an odd offset.
    const big = new Uint8Array(playback.length + 3);
    big.set(playback, 3);
    expect(decodeAudioFrame(big.subarray(3))).toEqual({ kind: 'playback', epoch: 7, block: 42, samples });
  });

  it('refuses unknown kinds, truncated or odd-length frames and oversized ones', () => {
    expect(() => decodeAudioFrame(new Uint8Array([9, 0, 0, 0]))).toThrow(/unknown audio frame kind 9/);
    expect(() => decodeAudioFrame(new Uint8Array([]))).toThrow(/unknown/);
    expect(() => decodeAudioFrame(new Uint8Array([2, 0, 0, 0, 1]))).toThrow(/truncated/);
    expect(() => decodeAudioFrame(new Uint8Array([1, 0, 0, 0, 1]))).toThrow(/truncated/);
    expect(() => decodeAudioFrame(new Uint8Array(MAX_AUDIO_FRAME_BYTES + 2))).toThrow(/too large/);
  });
});
