import { expect, it } from 'vitest';
import type { ManualClock } from '../../electron/engine/clock.js';
import type { SttEvent, SttStream } from '../../electron/engine/providers/types.js';
import { concat, silence, sine } from './signals.js';

/** The STT stream tests' audio: 16 kHz, pushed in 20 ms frames. */
export const STT_RATE = 16000;
const FRAME = STT_RATE / 50;

/**
 * Pushes `audio` in 20 ms frames, each `voiced` as a VAD would say, moving the manual clock with
 * the audio (so the stream's watchdog ticks every second of it) and letting sockets run between.
 */
export async function speakFrames(stream: SttStream, clock: ManualClock, audio: Float32Array, voiced: boolean | ((frame: Float32Array) => boolean), between?: (atMs: number) => void): Promise<void> {
  for (let i = 0; i < audio.length; i += FRAME) {
    const frame = audio.subarray(i, i + FRAME);
    stream.push(frame, typeof voiced === 'function' ? voiced(frame) : voiced);
    clock.advance(20);
    between?.(((i + FRAME) / STT_RATE) * 1000);
    await new Promise((r) => setImmediate(r));
  }
}

export const tone = (s: number) => sine(220, STT_RATE, s, 0.3);
/** The error codes of the 'retrying' statuses, in order. */
export const retries = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'status' && e.status.state === 'retrying' ? [e.status.reason.code] : []));
/** The non-empty final transcripts, in order. */
export const finals = (events: SttEvent[]) => events.flatMap((e) => (e.type === 'final' && e.text ? [e.text] : []));

/** What a stall scenario asks of a fake STT server, in its own fault vocabulary. */
export type StallFault = { kind: 'stall' | 'dead' | 'unknown-type'; afterAudioMs: number };

/** A stream opened on a fresh fake server for one scenario. */
export interface SttScenarioRun {
  fake: { stats: { attempts: number; openSockets: number } };
  clock: ManualClock;
  logs: string[];
  stream: SttStream;
  events: SttEvent[];
  done: Promise<void>;
}

/**
 * The scenarios every reconnecting WebSocket STT stream must pass against its fake: silence is not
 * a stall, unanswered speech is (reconnect, replay, words kept), a dead connection is found in
 * silence, an unknown message type is ignored (logged once). Call inside a describe().
 */
export function sttStallScenarios(providerId: string, setup: (options: { utterances?: string[]; faults?: StallFault[] }) => Promise<SttScenarioRun>): void {
  it('30 s of silence with not a word back keeps the one connection (the server need not answer silence)', async () => {
    const { fake, clock, stream, events, done } = await setup({});
    await speakFrames(stream, clock, silence(STT_RATE, 30), false);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // The one connection is still open: never dropped to "recover" from silence.
    expect(fake.stats.openSockets).toBe(1);
    expect(fake.stats.attempts).toBe(1);
    expect(retries(events)).toEqual([]);
    stream.close();
    await done;
  });

  it('speech answered by nothing for 10 s is a stall: reconnect, replay, and the words still arrive', async () => {
    const { fake, clock, stream, events, done } = await setup({ utterances: ['a long thought'], faults: [{ kind: 'stall', afterAudioMs: 500 }] });
    await speakFrames(stream, clock, tone(12), true);
    await speakFrames(stream, clock, silence(STT_RATE, 2), false);
    await stream.end();
    await done;
    expect(fake.stats.attempts).toBe(2);
    expect(retries(events)).toEqual(['provider/timeout']);
    expect(finals(events)).toEqual(['a long thought']);
  });

  it('a dead connection (no answer to a ping) is found even while the user is silent', async () => {
    const { fake, clock, stream, events, done } = await setup({ faults: [{ kind: 'dead', afterAudioMs: 500 }] });
    await speakFrames(stream, clock, silence(STT_RATE, 20), false);
    expect(retries(events)).toEqual(['provider/timeout']);
    expect(fake.stats.attempts).toBe(2);
    expect(events.filter((e) => e.type === 'status').at(-1)).toMatchObject({ status: { state: 'ok' } });
    stream.close();
    await done;
  });

  it('a message of an unknown type is ignored (logged once), not treated as malformed', async () => {
    const { fake, clock, logs, stream, events, done } = await setup({ utterances: ['hello there'], faults: [{ kind: 'unknown-type', afterAudioMs: 300 }] });
    await speakFrames(stream, clock, concat(silence(STT_RATE, 0.5), tone(1.5), silence(STT_RATE, 1.5)), false);
    await stream.end();
    await done;
    expect(fake.stats.attempts).toBe(1);
    expect(events.filter((e) => e.type === 'error' || (e.type === 'status' && e.status.state === 'retrying'))).toEqual([]);
    expect(finals(events)).toEqual(['hello there']);
    expect(logs).toEqual([`${providerId}: ignoring messages of unknown type 'SomethingNew'`]);
  });
}
