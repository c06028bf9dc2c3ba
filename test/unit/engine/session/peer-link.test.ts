import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { PeerLink, type ConversationPeer } from '../../../../electron/engine/session/peer-link.js';
import { decodeAudioFrame, type ConversationMessage } from '../../../../electron/shared/conversation.js';

class RecordingPeer implements ConversationPeer {
  readonly messages: ConversationMessage[] = [];
  readonly frames: ArrayBuffer[] = [];
  closed = false;
  send = (m: ConversationMessage) => void this.messages.push(m);
  sendAudio = (f: ArrayBuffer) => void this.frames.push(f);
  close = () => void (this.closed = true);
}

describe('PeerLink', () => {
  it('a reconnecting UI gets the status and the transcript, marked as replayed; a failed start is not carried over', () => {
    const link = new PeerLink();
    const first = new RecordingPeer();
    expect(link.attach(first)).toBeUndefined();
    link.emit({ type: 'user-final', turnId: 1, text: 'hello' });
    link.emit({ type: 'state', state: 'thinking' });
    link.setStatus({ state: 'failed', error: { code: 'session/not-ready', message: 'no' } });
    const second = new RecordingPeer();
    expect(link.attach(second)).toBe(first);
    expect(second.messages).toEqual([
      { type: 'session', status: { state: 'idle' } },
      { type: 'event', event: { type: 'user-final', turnId: 1, text: 'hello' }, replayed: true },
    ]);
    expect(link.isCurrent(first)).toBe(false);
    expect(link.detach(first)).toBe(false);
    expect(link.detach(second)).toBe(true);
    link.emit({ type: 'notice', message: 'nobody listening' });
    expect(second.messages).toHaveLength(2);
  });

  it('each new sink plays on epochs after the last sink left the player', () => {
    const link = new PeerLink();
    const peer = new RecordingPeer();
    link.attach(peer);
    const clock = new ManualClock();
    const first = link.sinkAt(16000, clock);
    expect(first.currentEpoch).toBe(1);
    // Each barge-in flushes the player: a new epoch.
    first.flush();
    first.flush();
    // Taken over by another session: flushed once more as it lets go.
    link.releaseSink(first, true);
    expect(first.currentEpoch).toBe(4);
    const second = link.sinkAt(16000, clock);
    expect(second.currentEpoch).toBe(5);
    expect(peer.messages.filter((m) => m.type === 'playback')).toEqual([1, 2, 3, 4, 5].map((epoch) => ({ type: 'playback', op: 'flush', epoch })));
    // A detached sink sends nothing more; the new one's audio goes to whichever UI is attached when it plays.
    first.write(new Float32Array(160));
    const later = new RecordingPeer();
    link.attach(later);
    second.write(new Float32Array(160));
    expect(peer.frames).toEqual([]);
    expect(later.frames).toHaveLength(1);
    const frame = decodeAudioFrame(later.frames[0]!);
    expect(frame).toMatchObject({ kind: 'playback', epoch: second.currentEpoch });
  });
});
