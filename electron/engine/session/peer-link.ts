import { encodePlaybackFrame, type ConversationEvent, type ConversationMessage, type SessionStatus } from '../../shared/conversation.js';
import { RemoteAudioSink, type PlaybackLink } from '../audio/remote-sink.js';
import type { Clock } from '../clock.js';
import { ReplayBuffer } from './replay-buffer.js';

/** One connected UI (the Electron window's MessagePort, or a served page's WebSocket). */
export interface ConversationPeer {
  send(message: ConversationMessage): void;
  sendAudio(frame: ArrayBuffer): void;
  close(): void;
}

/**
 * The link to the UI: one peer at a time (a newer one takes over), the session status it shows,
 * the transcript replayed to a page that reconnects, and the player the sessions' voices go to.
 * Everything sent goes to whichever peer is attached at that moment.
 */
export class PeerLink {
  private peer: ConversationPeer | undefined;
  private current: SessionStatus = { state: 'idle' };
  private readonly replay: ReplayBuffer;
  /** Counts the UIs attached so far: a session started for an earlier one does not put its problems in front of a newer one. */
  private attached = 0;
  /** The player's epoch as the last sink left it (sinks on the same player must not reuse one). */
  private lastEpoch = 0;

  constructor(replay = new ReplayBuffer()) {
    this.replay = replay;
  }

  /** Attaches a UI: it gets the status and the transcript so far. Returns the UI it replaced. */
  attach(peer: ConversationPeer): ConversationPeer | undefined {
    const previous = this.peer;
    this.peer = peer;
    this.attached++;
    // A failed start belonged to the page that pressed Start; a fresh page starts from idle.
    if (this.current.state === 'failed') this.current = { state: 'idle' };
    peer.send({ type: 'session', status: this.current });
    for (const event of this.replay.events) peer.send({ type: 'event', event, replayed: true });
    return previous;
  }

  isCurrent(peer: ConversationPeer): boolean {
    return this.peer === peer;
  }

  /** The UI went away (true when it was the attached one). */
  detach(peer: ConversationPeer): boolean {
    if (this.peer !== peer) return false;
    this.peer = undefined;
    return true;
  }

  /** Which UI is attached (a number that changes with each attach). */
  get generation(): number {
    return this.attached;
  }

  send(message: ConversationMessage): void {
    this.peer?.send(message);
  }

  /** A conversation event: shown now, and replayed to a later page if it belongs to the transcript. */
  emit(event: ConversationEvent): void {
    this.replay.record(event);
    this.peer?.send({ type: 'event', event });
  }

  get status(): SessionStatus {
    return this.current;
  }

  setStatus(status: SessionStatus): void {
    this.current = status;
    this.peer?.send({ type: 'session', status });
  }

  /** A sink that plays through the UI's player, on epochs after every earlier sink's. */
  sinkAt(rate: number, clock: Clock): RemoteAudioSink {
    const player: PlaybackLink = {
      block: (epoch, block, samples) => this.peer?.sendAudio(encodePlaybackFrame(epoch, block, samples)),
      control: (op, epoch) => this.peer?.send({ type: 'playback', op, epoch }),
    };
    return new RemoteAudioSink(rate, player, clock, { firstEpoch: ++this.lastEpoch });
  }

  /** A sink lets go of the player (flushing what it queued when another session takes over). */
  releaseSink(sink: RemoteAudioSink, flushPlayer: boolean): void {
    sink.detach();
    if (flushPlayer) sink.flush();
    this.lastEpoch = sink.currentEpoch;
  }
}
