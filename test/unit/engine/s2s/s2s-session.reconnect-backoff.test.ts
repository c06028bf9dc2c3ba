import { describe, expect, it } from 'vitest';
import { ClockedSink } from '../../../../electron/engine/audio/playout.js';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { ParleyError } from '../../../../electron/engine/errors.js';
import type { EngineEvent } from '../../../../electron/engine/events/conversation-events.js';
import type { S2sClient, S2sEvent } from '../../../../electron/engine/providers/s2s/types.js';
import { S2sSession } from '../../../../electron/engine/s2s/session.js';
import { AsyncQueue } from '../../../../electron/engine/util/async-queue.js';
import { settleTurns } from '../../../helpers/event-loop.js';

/**
 * Connections of a scripted model, in memory: each reopen() makes the next one; `refuse` lists the
 * connections (1-based) whose connect fails as an unreachable server would.
 */
function scriptedModel(refuse: number[] = []) {
  const connections: { connectedAt: number | undefined; events: AsyncQueue<S2sEvent> }[] = [];
  const open = (clock: ManualClock): S2sClient => {
    const n = connections.length + 1;
    const connection = { connectedAt: undefined as number | undefined, events: new AsyncQueue<S2sEvent>() };
    connections.push(connection);
    return {
      id: 'scripted',
      displayName: 'Scripted',
      sampleRate: 16000,
      acceptsTextHistory: false,
      paced: false,
      transcribesUser: false,
      connect: async () => {
        connection.connectedAt = clock.now();
        if (refuse.includes(n)) throw new ParleyError('provider/unreachable', `connection ${n} refused`);
      },
      pushAudio: () => undefined,
      events: () => connection.events,
      close: async () => connection.events.end(),
      reopen: () => open(clock),
    };
  };
  return { connections, open };
}

const silentVad = { sampleRate: 16000, frameSamples: 512, process: async () => 0, reset: () => undefined };

describe('speech-to-speech session: reconnect backoff on the session clock', () => {
  it('waits 250 ms, then 500 ms between attempts (clock time, not wall time), then goes on with the call', async () => {
    const clock = new ManualClock(10_000);
    const model = scriptedModel([2]);
    const session = new S2sSession({ client: model.open(clock), vad: silentVad, sink: new ClockedSink(16000, clock), clock });
    const events: EngineEvent[] = [];
    session.subscribe((e) => events.push(e));
    await session.start();
    model.connections[0]!.events.push({ type: 'error', error: new ParleyError('provider/disconnected', 'Scripted closed the connection mid-call'), fatal: true });
    await settleTurns();
    expect(model.connections).toHaveLength(2);

    await clock.advanceAsync(249);
    expect(model.connections[1]!.connectedAt).toBeUndefined(); // still backing off
    await clock.advanceAsync(1);
    expect(model.connections[1]!.connectedAt).toBe(10_250); // refused: the next attempt backs off twice as long
    await settleTurns();
    expect(model.connections).toHaveLength(3);
    await clock.advanceAsync(499);
    expect(model.connections[2]!.connectedAt).toBeUndefined();
    await clock.advanceAsync(1);
    expect(model.connections[2]!.connectedAt).toBe(10_750);
    await settleTurns();

    const notices = events.filter((e) => e.type === 'notice').map((e) => (e as { message: string }).message);
    expect(notices).toContain('Scripted closed the connection mid-call; reconnecting to Scripted');
    expect(notices).toContainEqual(expect.stringMatching(/^Reconnected to Scripted after 0\.\d s\./));
    expect(session.failure).toBeUndefined();
    await session.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('stopping the call during a backoff cancels it: no further attempt, no timer left', async () => {
    const clock = new ManualClock();
    const model = scriptedModel();
    const session = new S2sSession({ client: model.open(clock), vad: silentVad, sink: new ClockedSink(16000, clock), clock });
    await session.start();
    model.connections[0]!.events.push({ type: 'error', error: new ParleyError('provider/disconnected', 'dropped'), fatal: true });
    await settleTurns();
    expect(clock.pendingTimers).toBe(1); // the backoff
    await session.stop();
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(10_000);
    expect(model.connections[1]!.connectedAt).toBeUndefined();
  });
});
