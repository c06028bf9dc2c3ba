import type { ErrorInfo } from '../../shared/errors.js';
import type { Settings } from '../../shared/settings.js';
import type { RemoteAudioSink } from '../audio/remote-sink.js';
import type { Clock } from '../clock.js';
import { toErrorInfo } from '../errors.js';
import type { EngineEvent } from '../events/conversation-events.js';
import type { ChatMessage } from '../providers/types.js';
import type { BuiltSession, LiveSession } from './session-factory.js';

/** A live session as the supervisor runs it. */
export interface RunningSession extends BuiltSession<RemoteAudioSink> {
  /** The rate of the microphone frames it is fed. */
  inputRate: number;
  /** The settings it was built from (see sessionFingerprint). */
  fingerprint: string;
}

/** What the supervisor tells its owner (the ConversationHost). */
export interface SessionSupervisorHooks {
  /** A session is about to be built (throwing fails the start). */
  starting(inputRate: number): void;
  started(running: RunningSession): void;
  /** A start failed: `failed` for the UI that asked for it, `idle` when a newer UI has attached since. */
  startFailed(outcome: { state: 'idle' } | { state: 'failed'; error: ErrorInfo }): void;
  /** An event of the running session, or of one still stopping (its last turn still reports). */
  event(session: LiveSession, e: EngineEvent): void;
  /** A retired session's sink lets go of the player (flushing it when another session takes over). */
  releaseSink(sink: RemoteAudioSink, flushPlayer: boolean): void;
  notice(message: string): void;
}

export interface SessionSupervisorOptions {
  clock: Clock;
  /** The saved settings, read when a session starts or restarts. */
  settings: () => Settings;
  /** Builds a session from the settings, carrying the conversation so far. */
  build: (settings: Settings, history: ChatMessage[]) => Promise<BuiltSession<RemoteAudioSink>>;
  /** Which UI is attached (changes with each attach). */
  audience: () => number;
  hooks: SessionSupervisorHooks;
}

/**
 * The life of the live session: starts it, stops it, and rebuilds it when the settings it was
 * built from change, at the next quiet moment (at once for a switch of architecture), with the
 * conversation carried over. Audio work runs in order, on the session it was meant for.
 */
export class SessionSupervisor {
  private current: RunningSession | undefined;
  private starting: Promise<void> | undefined;
  /** Sessions being stopped: their closing events still count. */
  private readonly stopping = new Set<LiveSession>();
  private history: ChatMessage[] = [];
  private restartPending = false;
  private audioChain: Promise<void> = Promise.resolve();

  constructor(private readonly options: SessionSupervisorOptions) {}

  get running(): RunningSession | undefined {
    return this.current;
  }

  /** Starts a session fed frames at `inputRate`, unless one runs or is starting. */
  start(inputRate: number): void {
    if (this.current || this.starting) return;
    this.starting = this.launch(inputRate).finally(() => (this.starting = undefined));
  }

  /** Stops the running session (after a start in progress); false when none ran. */
  async stop(): Promise<boolean> {
    await this.starting;
    const running = this.current;
    if (!running) return false;
    await this.retire(running, false);
    return true;
  }

  /**
   * Settings or keys changed: a change to what the session was built from (providers, keys,
   * prompt, tools, turn-taking) rebuilds it at the next quiet moment.
   */
  settingsChanged(what: 'settings' | 'keys'): void {
    if (!this.current) return;
    if (what === 'settings' && sessionFingerprint(this.options.settings()) === this.current.fingerprint) return;
    this.restartPending = true;
    this.maybeRestart();
  }

  /** Queues audio work for the running session; dropped if another session runs by then. */
  queueAudio(work: (running: RunningSession) => Promise<void>): void {
    const running = this.current;
    if (!running) return;
    this.audioChain = this.audioChain.then(() => (this.current === running ? work(running) : undefined)).catch(() => undefined);
  }

  private async launch(inputRate: number): Promise<void> {
    const audience = this.options.audience();
    const { hooks } = this.options;
    try {
      hooks.starting(inputRate);
      this.current = await this.build(inputRate);
      await this.current.session.start();
      hooks.started(this.current);
    } catch (e) {
      const running = this.current;
      this.current = undefined;
      await running?.session.stop();
      running?.timers.dispose();
      // A start the previous UI asked for is not the newer UI's failure.
      hooks.startFailed(audience === this.options.audience() ? { state: 'failed', error: toErrorInfo(e) } : { state: 'idle' });
    }
  }

  private async build(inputRate: number): Promise<RunningSession> {
    const settings = this.options.settings();
    const built = await this.options.build(settings, this.history);
    const session = built.session;
    const audience = this.options.audience();
    session.subscribe((e) => {
      // The problems of a session started for an earlier UI (being stopped now) are not the newer UI's.
      if (e.type === 'error' && e.turnId === undefined && audience !== this.options.audience()) return;
      this.onSessionEvent(session, e);
    });
    return { ...built, inputRate, fingerprint: sessionFingerprint(settings) };
  }

  private onSessionEvent(session: LiveSession, e: EngineEvent): void {
    // A stopping session still reports its last turn (its final text and latency).
    if (this.current?.session !== session && !this.stopping.has(session)) return;
    this.options.hooks.event(session, e);
    if (e.type === 'state') this.maybeRestart();
  }

  /** Ends a session; its conversation is kept for the next. */
  private async retire(running: RunningSession, flushPlayer: boolean): Promise<void> {
    this.current = undefined;
    this.options.hooks.releaseSink(running.sink, flushPlayer);
    this.stopping.add(running.session);
    try {
      await running.session.stop();
    } finally {
      this.stopping.delete(running.session);
    }
    running.timers.dispose();
    this.history = running.session.conversation();
  }

  /**
   * Applies changed settings between turns (never while the user speaks or the assistant answers),
   * except a switch of architecture, which happens at once: the user asked for the other one now.
   */
  private maybeRestart(): void {
    const running = this.current;
    if (!this.restartPending || !running) return;
    const switching = running.architecture !== this.options.settings().architecture;
    if (!switching && running.session.conversationState !== 'listening') return;
    this.restartPending = false;
    const { clock, hooks } = this.options;
    const began = clock.now();
    this.starting = (async () => {
      await this.retire(running, true);
      await this.launch(running.inputRate);
      const now = this.current as RunningSession | undefined;
      if (!now) return;
      const ms = Math.round(clock.now() - began);
      // A model that takes no text has already said it starts fresh: claim nothing more.
      const target = now.architecture === 's2s' ? `speech-to-speech (${now.providers.s2s})` : 'the cascade';
      if (switching) hooks.notice(`Switched to ${target} in ${ms} ms${now.carriesHistory ? '; the conversation so far came along' : ''}.`);
      else hooks.notice(`Settings applied: ${Object.values(now.providers).join(' → ')}.`);
    })().finally(() => (this.starting = undefined));
  }
}

/** The settings a running session depends on (the listening mode and audio devices are not among them). */
export function sessionFingerprint(s: Settings): string {
  return JSON.stringify([s.architecture, s.cascade, s.s2s, s.providers, s.systemPrompt, s.toolsEnabled, s.turnTaking, s.offlineOnly]);
}
