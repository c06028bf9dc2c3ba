import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../../../../electron/engine/clock.js';
import { ElevenLabsSettingsSchema, ElevenLabsTts } from '../../../../electron/engine/providers/tts/elevenlabs.js';
import type { TtsEvent } from '../../../../electron/engine/providers/types.js';
import { startFakeElevenLabs, type FakeElevenLabsOptions } from '../../../fakes/elevenlabs.js';
import { untilTrue } from '../../../helpers/event-loop.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function speak(options: FakeElevenLabsOptions, texts: string[], stallTimeoutMs = 10_000, clock: Clock = systemClock) {
  const fake = await startFakeElevenLabs({ msPerChar: 5, ...options });
  closers.push(fake.close);
  const stream = new ElevenLabsTts(ElevenLabsSettingsSchema.parse({ baseUrl: fake.url, stallTimeoutMs }), fake.key, { baseDelayMs: 5, maxDelayMs: 20 }, clock).open({});
  for (const t of texts) stream.push(t);
  stream.end();
  const events: TtsEvent[] = [];
  const done = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { fake, events, done };
}

/** The audio of one segment as the bytes the service generated (little-endian 16-bit). */
function bytesOf(events: TtsEvent[], segment: number): Buffer {
  const parts = events.flatMap((e) => (e.type === 'audio' && e.segment === segment ? [Buffer.from(e.pcm.buffer, e.pcm.byteOffset, e.pcm.byteLength)] : []));
  return Buffer.concat(parts);
}

describe('ElevenLabs TTS: audio as it arrives', () => {
  it('chunks cut inside samples (a 1-byte chunk) give back exactly the samples sent, not shifted noise', async () => {
    const { fake, events, done } = await speak({ oddChunks: true }, ['Hello there.', 'How are you today?']);
    await done;
    expect(fake.stats.generated).toHaveLength(2);
    expect(bytesOf(events, 0).equals(fake.stats.generated[0]!.pcm)).toBe(true);
    expect(bytesOf(events, 1).equals(fake.stats.generated[1]!.pcm)).toBe(true);
  });

  it('audio that is not base64 is a typed protocol error, not noise', async () => {
    const { done } = await speak({ faults: [{ kind: 'malformed', after: 1 }] }, ['Hello there.']);
    await expect(done).rejects.toMatchObject({ code: 'provider/protocol', message: 'ElevenLabs sent audio that is not valid base64' });
  });

  it('a service that never says isFinal: the stream ends once every segment is aligned, with all its audio and no error', async () => {
    // Its clock never moves: the stream ends on the alignment itself, not when the stall timer gives up on the quiet.
    const clock = new ManualClock();
    const { fake, events, done } = await speak({ noFinal: true }, ['Hello there.', 'How are you today?'], undefined, clock);
    await done;
    expect(clock.pendingTimers).toBe(0);
    expect(events.filter((e) => e.type === 'segment-done').map((e) => e.segment)).toEqual([0, 1]);
    expect(bytesOf(events, 1).equals(fake.stats.generated[1]!.pcm)).toBe(true);
    await untilTrue(() => fake.stats.openSockets === 0, 'the socket closed at the server');
  });
});
