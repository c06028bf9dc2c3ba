import { afterEach } from 'vitest';
import { ClockedSink } from '../../electron/engine/audio/playout.js';
import type { EngineEvent } from '../../electron/engine/events/conversation-events.js';
import { systemClock } from '../../electron/engine/clock.js';
import { S2sSession, type S2sSessionOptions } from '../../electron/engine/s2s/session.js';
import type { S2sClient } from '../../electron/engine/providers/s2s/types.js';
import { speakInRealTime } from './speech.js';
import { useSileroVad } from './vad.js';

/**
 * For a test file: a speech-to-speech session on real Silero and a real-time recording sink around
 * the client a test builds (against its fake server), closed after each test.
 */
export function useS2sHarness() {
  const silero = useSileroVad();
  const open: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of open.splice(0)) await close();
  });
  return <C extends S2sClient>(client: C, server: { close(): Promise<void> }, options: Partial<S2sSessionOptions> = {}) => {
    const sink = new ClockedSink(client.sampleRate, systemClock, true);
    const vad = silero();
    vad.reset();
    const session = new S2sSession({ client, vad, sink, ...options });
    const events: EngineEvent[] = [];
    session.subscribe((e) => events.push(e));
    open.push(async () => {
      await session.stop();
      await server.close();
    });
    return { client, session, sink, events, speak: (audio: Float32Array) => speakInRealTime((b) => session.pushAudio(b), audio) };
  };
}
