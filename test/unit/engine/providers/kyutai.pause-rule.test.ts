import { describe, expect, it } from 'vitest';
import { UnmutePauseRule } from '../../../../electron/engine/providers/stt/kyutai.js';
import { loadMsgpack, packAudio, unpackMessage } from '../../../../electron/engine/providers/kyutai-moshi.js';

await loadMsgpack();
import { decode, encode } from '@msgpack/msgpack';

/** Unmute's ExponentialMovingAverage(attack_time=0.01, release_time=0.01) over 80 ms steps. */
const ALPHA = 1 - Math.exp((-0.08 / 0.01) * Math.log(2));

describe("Kyutai STT: Unmute's end-of-turn rule", () => {
  it('skips the first 12 steps of a connection, then smooths prs[2] with a 0.01 s half-life from 1.0', () => {
    const rule = new UnmutePauseRule();
    for (let i = 0; i < 12; i++) expect(rule.step(0.2)).toBeUndefined();
    expect(rule.step(0.2)).toBeCloseTo((1 - ALPHA) * 1 + ALPHA * 0.2, 12);
    rule.restart();
    expect(rule.step(0.9)).toBeUndefined();
  });

  it('ends the turn once the average passes 0.6 while the user speaks, once per turn', () => {
    const rule = new UnmutePauseRule();
    for (let i = 0; i < 12; i++) rule.step(1);
    // No word yet: a high pause prediction in leading silence ends nothing.
    rule.step(0.99);
    expect(rule.endOfTurn()).toBe(false);
    rule.word();
    // The first word restarts the average from 0: one step of 0.55 stays below the threshold.
    expect(rule.value).toBe(0);
    rule.step(0.55);
    expect(rule.endOfTurn()).toBe(false);
    rule.step(0.65);
    expect(rule.value).toBeGreaterThan(0.6);
    expect(rule.endOfTurn()).toBe(true);
    rule.step(0.9);
    expect(rule.endOfTurn()).toBe(false);
    // The next word starts the next turn.
    rule.word();
    rule.step(0.9);
    expect(rule.endOfTurn()).toBe(true);
  });

  it('a final closes the turn: no end of turn until the next word', () => {
    const rule = new UnmutePauseRule();
    for (let i = 0; i < 12; i++) rule.step(0);
    rule.word();
    rule.reset();
    rule.step(0.95);
    expect(rule.endOfTurn()).toBe(false);
  });
});

describe('Kyutai moshi-server framing', () => {
  it('Audio frames carry every sample as a MessagePack float32, zeros included', () => {
    const pcm = new Float32Array([0, 0.5, -1, 0.25]);
    const bytes = packAudio(pcm);
    expect(decode(bytes)).toEqual({ type: 'Audio', pcm: [0, 0.5, -1, 0.25] });
    // 4 float32 (0xca) entries, none as an integer.
    expect([...bytes].filter((b) => b === 0xca)).toHaveLength(4);
    // map(1) "type"(5) "Audio"(6) "pcm"(4) array32(5) = 21 bytes, then 5 per sample.
    expect(bytes.length).toBe(21 + 4 * 5);
  });

  it('server frames must be binary MessagePack maps with a type', () => {
    expect(unpackMessage(Buffer.from(encode({ type: 'Ready' })), true)).toEqual({ type: 'Ready' });
    expect(() => unpackMessage(Buffer.from(encode({ type: 'Ready' })), false)).toThrow(/text frame/);
    expect(() => unpackMessage(Buffer.from([0xc1]), true)).toThrow();
    expect(() => unpackMessage(Buffer.from(encode([1, 2])), true)).toThrow(/type/);
    expect(() => unpackMessage(Buffer.from(encode({ kind: 'Ready' })), true)).toThrow(/type/);
  });
});
