import { ConversationCommandSchema, decodeAudioFrame, type ConversationCommand } from '../../shared/conversation.js';
import type { Settings } from '../../shared/settings.js';
import type { TurnAudioScorer } from '../cascade/session.js';
import { systemClock, type Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { EngineEvent } from '../events/conversation-events.js';
import type { TranscriptLog } from '../events/transcript.js';
import type { SecretStore } from '../settings/secret-store.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import type { ReleasableVad } from './compare.js';
import { CompareRunner } from './compare-runner.js';
import { InputGate, STT_RATE } from './input-gate.js';
import { LocalServerSupervisor } from './local-server-supervisor.js';
import { MicHistory } from './mic-history.js';
import { PeerLink, type ConversationPeer } from './peer-link.js';
import { createLiveSession, type Architecture, type LiveSession, type LocalInference } from './session-factory.js';
import { SessionSupervisor } from './session-supervisor.js';
import { TurnNumbering } from './turn-numbering.js';
import { toWire } from './wire-events.js';

export type { ConversationPeer } from './peer-link.js';
export { toWire } from './wire-events.js';

export interface ConversationHostOptions {
  /** The saved settings, read when a session starts or restarts. */
  settings: () => Settings;
  secrets: SecretStore;
  /** The loaded VAD model; throws a ParleyError while it is loading or after it failed. */
  vadModel: () => SpeechProbabilityModel;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  log?: TranscriptLog;
  /** Where the engine's own warnings go (provider logs). */
  warn?: (message: string) => void;
  /** A fresh VAD model for side work (the comparison), released after use. Without it, no comparison. */
  loadVad?: () => Promise<ReleasableVad>;
  /**
   * Asks the user, outside the renderer, to allow running a local server's launch command (a
   * native dialog in the app; an opt-in flag for `parley serve`). Settings come from the UI, so a
   * command is never run on the UI's word alone. Without it, launch commands are refused.
   */
  approveLaunch?: (command: string) => Promise<boolean>;
  /** The installed audio turn model (Smart Turn), if any: scored at each pause of the cascade. */
  turnModel?: () => Promise<TurnAudioScorer | undefined>;
  /** Local inference processes and models (the app injects utilityProcess; default: child_process.fork). */
  local?: LocalInference;
}

/** The microphone audio kept for the comparison (its last utterance is replayed), in seconds. */
const MIC_HISTORY_S = 30;

export interface PeerHandle {
  /** A message from the UI: a binary audio frame or a JSON command (as text or already parsed). */
  receive(data: unknown): void;
  /** The UI went away: its conversation stops (it had the microphone and the speaker). */
  detach(): void;
}

/**
 * The live conversation of the desktop app (and of `parley serve`): builds a session from the
 * saved settings and keys, feeds it the UI's microphone frames, plays its voice through the UI's
 * player, and forwards its events. Settings changes apply without a restart: the session is
 * rebuilt at the next quiet moment with the conversation carried over.
 *
 * A coordinator: the UI link (PeerLink), the microphone gate (InputGate), the session's life
 * (SessionSupervisor), the local model server (LocalServerSupervisor), the comparison
 * (CompareRunner over MicHistory) and turn ids (TurnNumbering) each live in their own module.
 */
export class ConversationHost {
  private readonly link = new PeerLink();
  private readonly gate: InputGate;
  private readonly sessions: SessionSupervisor;
  private readonly localServer: LocalServerSupervisor;
  private readonly mic = new MicHistory(STT_RATE, MIC_HISTORY_S);
  private readonly comparison: CompareRunner;
  private readonly turns = new TurnNumbering();

  constructor(private readonly options: ConversationHostOptions) {
    const clock = options.clock ?? systemClock;
    const env = options.env ?? process.env;
    this.gate = new InputGate({ clock, mode: () => options.settings().mode, warn: options.warn, dropped: (frames, droppedMs) => this.link.send({ type: 'audio-dropped', frames, droppedMs }) });
    this.localServer = new LocalServerSupervisor({ approveLaunch: options.approveLaunch, notify: (message) => this.notice(message) });
    this.comparison = new CompareRunner({ settings: options.settings, secrets: options.secrets, env, clock, loadVad: options.loadVad, ...(options.local ? { local: options.local } : {}), recording: () => this.mic.recording(), send: (message) => this.link.send(message) });
    this.sessions = new SessionSupervisor({
      clock,
      settings: options.settings,
      audience: () => this.link.generation,
      build: (settings, history) =>
        createLiveSession(settings, settings.architecture, {
          secrets: options.secrets,
          env,
          clock,
          // The engine's one VAD model: the live session is the only user (restarts reset it).
          vad: () => {
            const vad = options.vadModel();
            vad.reset();
            return vad;
          },
          sinkAt: (rate) => this.link.sinkAt(rate, clock),
          history,
          log: options.log,
          warn: options.warn,
          ...(options.turnModel ? { turnModel: options.turnModel } : {}),
          ...(options.local ? { local: options.local } : {}),
          notice: (m) => this.notice(m),
          device: (device) => this.link.emit({ type: 'device', device }),
          beforeS2s: (provider) => this.localServer.prepare(provider),
        }),
      hooks: {
        starting: (inputRate) => {
          this.link.setStatus({ state: 'starting' });
          this.gate.open(inputRate);
          this.turns.nextSession();
        },
        started: ({ providers, sink, architecture }) => {
          this.link.setStatus({ state: 'running', architecture, providers, playbackRate: sink.sampleRate, mode: options.settings().mode, muted: this.gate.muted, talking: this.gate.talking });
        },
        startFailed: (outcome) => this.link.setStatus(outcome),
        event: (session, e) => this.onSessionEvent(session, e),
        releaseSink: (sink, flushPlayer) => this.link.releaseSink(sink, flushPlayer),
        notice: (message) => this.notice(message),
      },
    });
  }

  attach(peer: ConversationPeer): PeerHandle {
    // One UI at a time: a newer one (a reload, a second tab) takes over.
    const previous = this.link.attach(peer);
    if (previous) void this.stop().then(() => previous.close());
    return {
      receive: (data) => {
        if (this.link.isCurrent(peer)) this.receive(data);
      },
      detach: () => {
        if (this.link.detach(peer)) void this.stop();
      },
    };
  }

  get muted(): boolean {
    return this.gate.muted;
  }

  setMuted(muted: boolean): void {
    this.gate.setMuted(muted);
    this.updateRunningStatus();
    // Muting mid-sentence ends the sentence (the VAD will hear nothing more).
    if (muted) this.sessions.queueAudio((r) => r.session.endUserSpeech());
  }

  /** Push-to-talk: pressed = the user talks (cutting the assistant off); released = answer now. */
  setTalking(pressed: boolean): void {
    if (!this.gate.setTalking(pressed)) return;
    this.updateRunningStatus();
    if (pressed) this.sessions.running?.session.interruptReply();
    else this.sessions.queueAudio((r) => r.session.endUserSpeech());
  }

  /** The global shortcut (it has no key-up): press once to talk, again to send. */
  toggleTalking(): void {
    this.setTalking(!this.gate.talking);
  }

  /** The local server's recent output, for the UI (empty when Parley runs none). */
  serverLogs(): { running: boolean; lines: string[] } {
    return this.localServer.logs();
  }

  /** Quit: the conversation ends and a server Parley started is stopped. */
  async shutdown(): Promise<void> {
    await this.stop();
    await this.localServer.shutdown();
  }

  /** Tells the user something in the conversation view (e.g. the transcript log cannot be written). */
  notice(message: string): void {
    this.link.emit({ type: 'notice', message });
  }

  /**
   * Settings or keys changed: the mode applies at once; a change to what the session was built
   * from (providers, keys, prompt, tools, turn-taking) rebuilds it at the next quiet moment.
   */
  settingsChanged(what: 'settings' | 'keys' = 'settings'): void {
    if (!this.sessions.running) return;
    this.updateRunningStatus();
    this.sessions.settingsChanged(what);
  }

  /** The switch of architectures the toggle asks for (saved in settings first). */
  get architecture(): Architecture | undefined {
    return this.sessions.running?.architecture;
  }

  async stop(): Promise<void> {
    if (!(await this.sessions.stop())) return;
    this.gate.close();
    this.link.setStatus({ state: 'idle' });
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer || data instanceof Uint8Array) return this.onAudio(data);
    let command: ConversationCommand;
    try {
      command = ConversationCommandSchema.parse(typeof data === 'string' ? JSON.parse(data) : data);
    } catch (e) {
      this.link.emit({ type: 'error', stage: 'session', error: { code: 'session/invalid-message', message: `refused a malformed message from the UI: ${describeError(e).slice(0, 200)}` } });
      return;
    }
    this.onCommand(command);
  }

  private onCommand(command: ConversationCommand): void {
    const running = this.sessions.running;
    switch (command.type) {
      case 'start':
        this.sessions.start(command.inputRate);
        return;
      case 'stop':
        void this.stop();
        return;
      case 'mute':
        this.setMuted(command.muted);
        return;
      case 'talk':
        this.setTalking(command.pressed);
        return;
      case 'interrupt':
        running?.session.interruptReply();
        return;
      case 'compare':
        void this.comparison.run();
        return;
      case 'block-started':
        running?.sink.blockStarted(command.epoch, command.block);
        return;
      case 'played':
        running?.sink.progress(command.epoch, command.samples, command.drained);
        return;
    }
  }

  private onAudio(data: ArrayBuffer | Uint8Array): void {
    const running = this.sessions.running;
    if (!running) return;
    let frame;
    try {
      frame = decodeAudioFrame(data);
    } catch (e) {
      this.link.emit({ type: 'error', stage: 'session', error: { code: 'session/invalid-message', message: `refused an audio frame: ${describeError(e)}` } });
      return;
    }
    if (frame.kind !== 'microphone') return;
    const passed = this.gate.pass(frame.samples, running.continuous);
    if (!passed) return;
    if (passed.heard) this.mic.write(passed.audio);
    this.sessions.queueAudio((r) => r.session.pushAudio(passed.audio));
  }

  private onSessionEvent(session: LiveSession, engineEvent: EngineEvent): void {
    const e = this.turns.renumber(engineEvent);
    this.link.emit(toWire(e));
    // The model's connection is gone: end the session and say so (the transcript stays; Try again restarts).
    const failure = session.failure;
    if (e.type === 'error' && failure && this.sessions.running?.session === session) void this.stop().then(() => this.link.setStatus({ state: 'failed', error: failure.toInfo() }));
  }

  private updateRunningStatus(): void {
    const status = this.link.status;
    if (status.state !== 'running') return;
    const next = { ...status, mode: this.options.settings().mode, muted: this.gate.muted, talking: this.gate.talking };
    if (next.mode !== status.mode || next.muted !== status.muted || next.talking !== status.talking) this.link.setStatus(next);
  }
}
