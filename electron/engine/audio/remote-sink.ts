import type { Clock, ClockTimer } from '../clock.js';
import { float32ToInt16 } from './pcm.js';
import type { AudioSink } from './playout.js';

/** Where a RemoteAudioSink sends audio and control (the conversation transport to the UI's player). */
export interface PlaybackLink {
  block(epoch: number, block: number, samples: Int16Array): void;
  control(op: 'flush' | 'pause' | 'resume', epoch: number): void;
}

export interface RemoteAudioSinkOptions {
  /**
   * With audio outstanding and no progress report for this long (ms), the player is taken to be
   * gone: drain() resolves instead of hanging the turn. Default 2000.
   */
  staleReportMs?: number;
  /**
   * The epoch to start at. A sink replacing another on the same player (a restart, a switch of
   * architecture) starts after the old one's last epoch and flushes the player to it first.
   */
  firstEpoch?: number;
}

/**
 * The AudioSink of the desktop app: audio plays in the UI's AudioWorklet, in another process. The
 * engine knows what was played only from the player's reports (block started, samples played so
 * far), interpolated by the clock between reports, so barge-in truncation and text-in-step-with-
 * audio follow the real speaker, not the network. Each flush starts a new epoch; reports and
 * frames of an older epoch are ignored on both sides.
 */
export class RemoteAudioSink implements AudioSink {
  private epoch = 0;
  private nextBlock = 0;
  private writtenCount = 0;
  private reported = 0;
  private reportedAt = 0;
  /** The player is producing sound (a block started and it has not drained since). */
  private playing = false;
  private paused = false;
  private detached = false;
  private readonly starts = new Map<number, () => void>();
  private waiters: (() => void)[] = [];
  private staleTimer: ClockTimer | undefined;
  private readonly staleMs: number;

  constructor(
    readonly sampleRate: number,
    private readonly link: PlaybackLink,
    private readonly clock: Clock,
    options: RemoteAudioSinkOptions = {},
  ) {
    this.staleMs = options.staleReportMs ?? 2000;
    if (options.firstEpoch !== undefined) {
      this.epoch = options.firstEpoch;
      link.control('flush', this.epoch);
    }
  }

  /** The current epoch (a successor sink starts after it). */
  get currentEpoch(): number {
    return this.epoch;
  }

  write(samples: Float32Array, onStart?: () => void): void {
    if (this.detached || samples.length === 0) {
      onStart?.();
      return;
    }
    const block = this.nextBlock++;
    if (onStart) this.starts.set(block, onStart);
    this.writtenCount += samples.length;
    this.link.block(this.epoch, block, float32ToInt16(samples));
    this.armStaleTimer();
  }

  flush(): void {
    this.epoch++;
    this.link.control('flush', this.epoch);
    this.writtenCount = 0;
    this.reported = 0;
    this.playing = false;
    this.paused = false;
    this.starts.clear();
    this.settle();
  }

  pause(): void {
    if (this.paused) return;
    this.reported = this.played();
    this.reportedAt = this.clock.now();
    this.paused = true;
    this.link.control('pause', this.epoch);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.reportedAt = this.clock.now();
    this.link.control('resume', this.epoch);
  }

  played(): number {
    if (!this.playing || this.paused) return Math.min(this.reported, this.writtenCount);
    const since = ((this.clock.now() - this.reportedAt) * this.sampleRate) / 1000;
    return Math.min(this.writtenCount, Math.floor(this.reported + Math.max(0, since)));
  }

  written(): number {
    return this.writtenCount;
  }

  drain(): Promise<void> {
    if (this.detached || this.reported >= this.writtenCount) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The player says a block began to sound. */
  blockStarted(epoch: number, block: number): void {
    if (epoch !== this.epoch) return;
    this.playing = true;
    this.reportedAt = this.clock.now();
    // Blocks start in order: any earlier one still waiting has started too (reports can coalesce).
    for (const [id, start] of this.starts) {
      if (id > block) break;
      this.starts.delete(id);
      start();
    }
    this.armStaleTimer();
  }

  /** The player's progress: samples played in this epoch, and whether its queue ran dry. */
  progress(epoch: number, samples: number, drained: boolean): void {
    if (epoch !== this.epoch) return;
    this.reported = Math.max(this.reported, samples);
    this.reportedAt = this.clock.now();
    if (drained) this.playing = false;
    this.armStaleTimer();
    if (this.reported >= this.writtenCount) this.settle();
  }

  /** The player went away: nothing more will play; nothing waits for it. */
  detach(): void {
    this.detached = true;
    this.clock.clearTimeout(this.staleTimer);
    for (const start of this.starts.values()) start();
    this.starts.clear();
    this.settle();
  }

  private armStaleTimer(): void {
    this.clock.clearTimeout(this.staleTimer);
    if (this.reported >= this.writtenCount || this.detached) return;
    // Outstanding audio, so a report is due within its remaining duration (plus the stale margin).
    const remainingMs = ((this.writtenCount - this.reported) * 1000) / this.sampleRate;
    this.staleTimer = this.clock.setTimeout(
      () => {
        if (this.paused) return this.armStaleTimer();
        this.reported = this.writtenCount;
        this.playing = false;
        this.settle();
      },
      remainingMs + this.staleMs,
      { background: true },
    );
  }

  private settle(): void {
    this.clock.clearTimeout(this.staleTimer);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
