import { decodeAudioFrame, type ConversationCommand, type ConversationEvent, type ConversationMessage } from '../../electron/shared/conversation.js';
import type { ConversationPeer, PeerHandle } from '../../electron/engine/session/conversation-host.js';

/**
 * The UI's side of the conversation, in Node: records the engine's messages and plays playback
 * frames in real time like the playout worklet (block-started when a block begins, progress every
 * 40 ms, drained when the queue runs dry; flush/pause/resume by epoch).
 */
export class RemotePlayer implements ConversationPeer {
  readonly messages: ConversationMessage[] = [];
  readonly controls: string[] = [];
  samplesReceived = 0;
  samplesPlayed = 0;
  closed = false;
  handle!: PeerHandle;
  private queue: { block: number; samples: number; started: boolean }[] = [];
  private epoch = 0;
  private played = 0;
  private paused = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private headOffset = 0;
  private rate = 24000;
  private lastTick = 0;

  send(message: ConversationMessage): void {
    this.messages.push(message);
    if (message.type === 'session' && message.status.state === 'running') this.rate = message.status.playbackRate;
    if (message.type !== 'playback') return;
    this.controls.push(message.op);
    if (message.op === 'flush') {
      this.epoch = message.epoch;
      this.queue = [];
      this.headOffset = 0;
      this.played = 0;
      this.paused = false;
    } else if (message.epoch === this.epoch) this.paused = message.op === 'pause';
  }

  sendAudio(frame: ArrayBuffer): void {
    const f = decodeAudioFrame(frame);
    if (f.kind !== 'playback' || f.epoch !== this.epoch) return;
    this.samplesReceived += f.samples.length;
    const idle = this.queue.length === 0;
    const item = { block: f.block, samples: f.samples.length, started: false };
    this.queue.push(item);
    if (idle) {
      // Like the worklet, an idle player starts a block at once (within one render quantum).
      this.lastTick = performance.now();
      if (!this.paused) {
        item.started = true;
        this.handle.receive({ type: 'block-started', epoch: this.epoch, block: item.block });
      }
    }
    this.timer ??= setInterval(() => this.tick(), 10);
  }

  close(): void {
    this.closed = true;
    this.stop();
  }

  command(c: ConversationCommand): void {
    this.handle.receive(c);
  }

  events<T extends ConversationEvent['type']>(type: T): Extract<ConversationEvent, { type: T }>[] {
    return this.messages.flatMap((m) => (m.type === 'event' && m.event.type === type ? [m.event as Extract<ConversationEvent, { type: T }>] : []));
  }

  /** Resolves when a message matching `pred` arrived (or already had). */
  async waitFor(pred: (m: ConversationMessage) => boolean, timeoutMs = 10_000): Promise<ConversationMessage> {
    const started = Date.now();
    for (;;) {
      const hit = this.messages.find(pred);
      if (hit) return hit;
      if (Date.now() - started > timeoutMs) {
        const seen = this.messages.map((m) => (m.type === 'event' ? (m.event.type === 'error' || m.event.type === 'notice' ? `${m.event.type}(${m.event.type === 'error' ? m.event.error.message : m.event.message})` : m.event.type) : m.type === 'session' ? `session:${m.status.state}${m.status.state === 'failed' ? `(${m.status.error.message})` : ''}` : m.type === 'compare' ? `compare:${m.state}` : m.type === 'audio-dropped' ? `audio-dropped:${m.frames}` : m.op));
        throw new Error(`timed out; got ${seen.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    let budget = Math.round(((now - this.lastTick) * this.rate) / 1000);
    this.lastTick = now;
    if (this.paused || this.queue.length === 0) return;
    let advanced = 0;
    while (budget > 0 && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!head.started) {
        head.started = true;
        this.handle.receive({ type: 'block-started', epoch: this.epoch, block: head.block });
      }
      const take = Math.min(budget, head.samples - this.headOffset);
      this.headOffset += take;
      budget -= take;
      advanced += take;
      if (this.headOffset === head.samples) {
        this.queue.shift();
        this.headOffset = 0;
      }
    }
    this.played += advanced;
    this.samplesPlayed += advanced;
    this.handle.receive({ type: 'played', epoch: this.epoch, samples: this.played, drained: this.queue.length === 0 });
  }
}
