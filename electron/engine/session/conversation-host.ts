import {
  ConversationCommandSchema,
  decodeAudioFrame,
  encodePlaybackFrame,
  type ConversationCommand,
  type ConversationEvent,
  type ConversationMessage,
  type SessionStatus,
} from '../../shared/conversation.js';
import type { ErrorInfo } from '../../shared/errors.js';
import type { Settings } from '../../shared/settings.js';

import { int16ToFloat32 } from '../audio/pcm.js';
import { RealtimeBudget } from '../audio/realtime-budget.js';
import { RemoteAudioSink } from '../audio/remote-sink.js';
import { Resampler } from '../audio/resampler.js';
import type { EngineEvent } from '../events/conversation-events.js';
import { LocalServer } from '../s2s/local-server.js';
import { moshiChatUrl } from '../providers/s2s/moshi.js';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError, describeError, toErrorInfo } from '../errors.js';
import type { ChatMessage } from '../providers/types.js';
import type { SecretStore } from '../settings/secret-store.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import { compareArchitectures, lastUtterance, type ReleasableVad } from './compare.js';
import { createLiveSession, type Architecture, type BuiltSession, type LiveSession, type LocalInference } from './session-factory.js';
import type { TranscriptLog } from '../events/transcript.js';

/** One connected UI (the Electron window's MessagePort, or a served page's WebSocket). */
export interface ConversationPeer {
  send(message: ConversationMessage): void;
  sendAudio(frame: ArrayBuffer): void;
  close(): void;
}

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
  /** Local inference processes and models (the app injects utilityProcess; default: child_process.fork). */
  local?: LocalInference;
}

/** The microphone audio kept for the comparison (its last utterance is replayed), in seconds. */
const MIC_HISTORY_S = 30;

const STT_RATE = 16000;
/** Events kept to rebuild the transcript in a UI that reconnects (a reload, a new window). */
const REPLAYED: ReadonlySet<ConversationEvent['type']> = new Set(['user-final', 'assistant-done', 'tool-call', 'tool-result', 'latency', 'error', 'notice']);
const MAX_REPLAY = 5000;

interface Running extends BuiltSession<RemoteAudioSink> {
  resampler: Resampler | undefined;
  inputRate: number;
  /** The settings it was built from (see sessionFingerprint). */
  fingerprint: string;
}

export interface PeerHandle {
  /** A message from the UI: a binary audio frame or a JSON command (as text or already parsed). */
  receive(data: unknown): void;
  /** The UI went away: its conversation stops (it had the microphone and the speaker). */
  detach(): void;
}

/**
 * The live conversation of the desktop app (and of `parley serve`): builds a CascadeSession from
 * the saved settings and keys, feeds it the UI's microphone frames, plays its voice through the
 * UI's player (RemoteAudioSink), and forwards its events. Settings changes apply without a
 * restart: the session is rebuilt at the next quiet moment with the conversation carried over.
 */
export class ConversationHost {
  private peer: ConversationPeer | undefined;
  private running: Running | undefined;
  private starting: Promise<void> | undefined;
  private status: SessionStatus = { state: 'idle' };
  private history: ChatMessage[] = [];
  private readonly replay: ConversationEvent[] = [];
  private mutedNow = false;
  private talkPressed = false;
  private restartPending = false;
  private server: { key: string; instance: LocalServer } | undefined;
  private readonly approved = new Set<string>();
  /** The last MIC_HISTORY_S of the user's (ungated) microphone at 16 kHz, as a ring. */
  private readonly micHistory = new Float32Array(STT_RATE * MIC_HISTORY_S);
  private micWritten = 0;
  private comparing = false;
  /** Sessions being stopped: their closing events still count. */
  private readonly stopping = new Set<LiveSession>();
  /** Turn ids already used by earlier sessions (see onSessionEvent). */
  private turnBase = 0;
  private maxTurnId = 0;
  /** The player's epoch as the last sink left it (sinks on the same player must not reuse one). */
  private lastEpoch = 0;
  private audioChain: Promise<void> = Promise.resolve();
  /** Counts the UIs attached so far: a session started for an earlier one does not put its problems in front of a newer one. */
  private peerGeneration = 0;
  private readonly clock: Clock;
  /** Microphone audio may not arrive faster than real time (see onAudio); one budget per started session. */
  private micBudget: RealtimeBudget | undefined;
  private lastDropReport = -Infinity;

  constructor(private readonly o: ConversationHostOptions) {
    this.clock = o.clock ?? systemClock;
  }

  attach(peer: ConversationPeer): PeerHandle {
    // One UI at a time: a newer one (a reload, a second tab) takes over.
    if (this.peer) {
      const old = this.peer;
      void this.stop().then(() => old.close());
    }
    this.peer = peer;
    this.peerGeneration++;
    // A failed start belonged to the page that pressed Start; a fresh page starts from idle.
    if (this.status.state === 'failed') this.status = { state: 'idle' };
    peer.send({ type: 'session', status: this.status });
    for (const event of this.replay) peer.send({ type: 'event', event, replayed: true });
    return {
      receive: (data) => {
        if (this.peer === peer) this.receive(data);
      },
      detach: () => {
        if (this.peer !== peer) return;
        this.peer = undefined;
        void this.stop();
      },
    };
  }

  get muted(): boolean {
    return this.mutedNow;
  }

  setMuted(muted: boolean): void {
    this.mutedNow = muted;
    this.updateRunningStatus();
    // Muting mid-sentence ends the sentence (the VAD will hear nothing more).
    if (muted) this.queueAudio((r) => r.session.endUserSpeech());
  }

  /** Push-to-talk: pressed = the user talks (cutting the assistant off); released = answer now. */
  setTalking(pressed: boolean): void {
    if (pressed === this.talkPressed) return;
    this.talkPressed = pressed;
    this.updateRunningStatus();
    if (pressed) this.running?.session.interruptReply();
    else this.queueAudio((r) => r.session.endUserSpeech());
  }

  /** The global shortcut (it has no key-up): press once to talk, again to send. */
  toggleTalking(): void {
    this.setTalking(!this.talkPressed);
  }

  /** The local model server Parley runs (one at a time); a new command or URL replaces it. */
  private localServerFor(command: string, baseUrl: string, startTimeoutMs: number): LocalServer {
    const url = new URL(moshiChatUrl(baseUrl));
    const key = `${command}\n${url.host}`;
    if (this.server?.key !== key) {
      void this.server?.instance.stop();
      const instance = new LocalServer({ command, host: url.hostname, port: Number(url.port || 80), startTimeoutMs, notify: (message) => this.notice(message) });
      this.server = { key, instance };
    }
    return this.server.instance;
  }

  /** A launch command runs only once the user allowed it outside the renderer (remembered per command). */
  private async approve(command: string): Promise<void> {
    if (this.approved.has(command)) return;
    if (!this.o.approveLaunch) {
      throw new ParleyError('settings/invalid', 'Starting a local server needs your approval, which this mode cannot ask for: start the Moshi server yourself and set its URL (or run `parley serve --allow-launch`).', { provider: 'moshi' });
    }
    if (!(await this.o.approveLaunch(command))) throw new ParleyError('settings/invalid', `You did not allow Parley to run: ${command}`, { provider: 'moshi' });
    this.approved.add(command);
  }

  /** The local server's recent output, for the UI (empty when Parley runs none). */
  serverLogs(): { running: boolean; lines: string[] } {
    return { running: this.server?.instance.running ?? false, lines: this.server?.instance.logs() ?? [] };
  }

  /** Quit: the conversation ends and a server Parley started is stopped. */
  async shutdown(): Promise<void> {
    await this.stop();
    await this.server?.instance.stop();
    this.server = undefined;
  }

  private rememberMic(audio: Float32Array): void {
    for (let i = 0; i < audio.length; i++) this.micHistory[(this.micWritten + i) % this.micHistory.length] = audio[i]!;
    this.micWritten += audio.length;
  }

  /** The remembered microphone audio, oldest first. */
  private micRecording(): Float32Array {
    const n = Math.min(this.micWritten, this.micHistory.length);
    const out = new Float32Array(n);
    const start = this.micWritten - n;
    for (let i = 0; i < n; i++) out[i] = this.micHistory[(start + i) % this.micHistory.length]!;
    return out;
  }

  /** Replays the user's last utterance through both architectures and sends both results. */
  private async compare(): Promise<void> {
    if (this.comparing) return;
    const fail = (error: ErrorInfo) => this.peer?.send({ type: 'compare', state: 'failed', error });
    if (!this.o.loadVad) return fail({ code: 'session/not-ready', message: 'Comparing is not available in this build.' });
    this.comparing = true;
    try {
      const vad = await this.o.loadVad();
      const utterance = await lastUtterance(this.micRecording(), vad).finally(() => vad.release?.());
      if (!utterance) return fail({ code: 'session/not-ready', message: 'Nothing to compare yet: say something first, then compare.' });
      const utteranceMs = Math.round((utterance.length / STT_RATE) * 1000);
      this.peer?.send({ type: 'compare', state: 'running', utteranceMs });
      const results = await compareArchitectures({ utterance, settings: this.o.settings(), secrets: this.o.secrets, env: this.o.env ?? process.env, clock: this.clock, loadVad: this.o.loadVad, ...(this.o.local ? { local: this.o.local } : {}) });
      this.peer?.send({ type: 'compare', state: 'done', utteranceMs, results });
    } catch (e) {
      fail(toErrorInfo(e));
    } finally {
      this.comparing = false;
    }
  }

  /** Tells the user something in the conversation view (e.g. the transcript log cannot be written). */
  notice(message: string): void {
    this.emitEvent({ type: 'notice', message });
  }

  /**
   * Settings or keys changed: the mode applies at once; a change to what the session was built
   * from (providers, keys, prompt, tools, turn-taking) rebuilds it at the next quiet moment.
   */
  settingsChanged(what: 'settings' | 'keys' = 'settings'): void {
    if (!this.running) return;
    this.updateRunningStatus();
    if (what === 'settings' && sessionFingerprint(this.o.settings()) === this.running.fingerprint) return;
    this.restartPending = true;
    this.maybeRestart();
  }

  /** The switch of architectures the toggle asks for (saved in settings first). */
  get architecture(): Architecture | undefined {
    return this.running?.architecture;
  }

  async stop(): Promise<void> {
    await this.starting;
    const running = this.running;
    if (!running) return;
    await this.retire(running, false);
    this.reportDroppedAudio();
    this.setStatus({ state: 'idle' });
  }

  /**
   * Ends a running session: its sink lets go of the player (flushing it when another session takes
   * over), its last turn still reports while it stops, and the conversation is kept for the next.
   */
  private async retire(running: Running, flushPlayer: boolean): Promise<void> {
    this.running = undefined;
    running.sink.detach();
    if (flushPlayer) running.sink.flush();
    this.lastEpoch = running.sink.currentEpoch;
    this.stopping.add(running.session);
    try {
      await running.session.stop();
    } finally {
      this.stopping.delete(running.session);
    }
    running.timers.dispose();
    this.history = running.session.conversation();
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer || data instanceof Uint8Array) return this.onAudio(data);
    let command: ConversationCommand;
    try {
      command = ConversationCommandSchema.parse(typeof data === 'string' ? JSON.parse(data) : data);
    } catch (e) {
      this.emitEvent({ type: 'error', stage: 'session', error: { code: 'session/invalid-message', message: `refused a malformed message from the UI: ${describeError(e).slice(0, 200)}` } });
      return;
    }
    this.onCommand(command);
  }

  private onCommand(command: ConversationCommand): void {
    const running = this.running;
    switch (command.type) {
      case 'start':
        if (!running && !this.starting) this.starting = this.start(command.inputRate).finally(() => (this.starting = undefined));
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
        void this.compare();
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
    const running = this.running;
    if (!running) return;
    let frame;
    try {
      frame = decodeAudioFrame(data);
    } catch (e) {
      this.emitEvent({ type: 'error', stage: 'session', error: { code: 'session/invalid-message', message: `refused an audio frame: ${describeError(e)}` } });
      return;
    }
    if (frame.kind !== 'microphone') return;
    // Without this, a client pushing audio faster than real time fills every queue behind it.
    if (this.micBudget && !this.micBudget.admit((frame.samples.length / running.inputRate) * 1000)) return this.audioTooFast(this.micBudget);
    const gated = this.mutedNow || (this.o.settings().mode === 'push-to-talk' && !this.talkPressed);
    if (gated && !running.continuous) return;
    const samples = gated ? new Float32Array(frame.samples.length) : int16ToFloat32(frame.samples);
    const audio = running.resampler ? running.resampler.process(samples) : samples;
    if (!gated) this.rememberMic(audio);
    this.queueAudio((r) => r.session.pushAudio(audio));
  }

  private audioTooFast(budget: RealtimeBudget): void {
    const { frames, ms } = budget.dropped;
    if (frames === 1) this.o.warn?.('microphone audio is arriving faster than real time: dropping the excess');
    const now = this.clock.now();
    if (now - this.lastDropReport < 1000) return;
    this.lastDropReport = now;
    this.peer?.send({ type: 'audio-dropped', frames, droppedMs: ms });
  }

  /** Logs once, when the session ends, how much audio came too fast. */
  private reportDroppedAudio(): void {
    const dropped = this.micBudget?.dropped;
    this.micBudget = undefined;
    this.lastDropReport = -Infinity;
    if (!dropped?.frames) return;
    const amount = dropped.ms >= 60_000 ? `${(dropped.ms / 60_000).toFixed(1)} min` : `${(dropped.ms / 1000).toFixed(1)} s`;
    this.o.warn?.(`dropped ${amount} of microphone audio (${dropped.frames} frames) that arrived faster than real time`);
  }

  /** Audio work runs in order, on the session it was meant for. */
  private queueAudio(work: (running: Running) => Promise<void>): void {
    const running = this.running;
    if (!running) return;
    this.audioChain = this.audioChain.then(() => (this.running === running ? work(running) : undefined)).catch(() => undefined);
  }

  private async start(inputRate: number): Promise<void> {
    const generation = this.peerGeneration;
    this.setStatus({ state: 'starting' });
    this.micBudget = new RealtimeBudget(this.clock);
    this.turnBase = this.maxTurnId;
    try {
      this.running = await this.build(inputRate);
      await this.running.session.start();
      const { providers, sink, architecture } = this.running;
      this.setStatus({ state: 'running', architecture, providers, playbackRate: sink.sampleRate, mode: this.o.settings().mode, muted: this.mutedNow, talking: this.talkPressed });
    } catch (e) {
      const running = this.running;
      this.running = undefined;
      await running?.session.stop();
      running?.timers.dispose();
      // A start the previous UI asked for is not the newer UI's failure.
      this.setStatus(generation === this.peerGeneration ? { state: 'failed', error: toErrorInfo(e) } : { state: 'idle' });
    }
  }

  private async build(inputRate: number): Promise<Running> {
    const settings = this.o.settings();
    const built = await createLiveSession(settings, settings.architecture, {
      secrets: this.o.secrets,
      env: this.o.env ?? process.env,
      clock: this.clock,
      ...(this.o.local ? { local: this.o.local } : {}),
      // The engine's one VAD model: the live session is the only user (restarts reset it).
      vad: () => {
        const vad = this.o.vadModel();
        vad.reset();
        return vad;
      },
      sinkAt: (rate) =>
        new RemoteAudioSink(rate, { block: (epoch, block, samples) => this.peer?.sendAudio(encodePlaybackFrame(epoch, block, samples)), control: (op, epoch) => this.peer?.send({ type: 'playback', op, epoch }) }, this.clock, {
          firstEpoch: ++this.lastEpoch,
        }),
      history: this.history,
      log: this.o.log,
      warn: this.o.warn,
      notice: (m) => this.notice(m),
      beforeS2s: async ({ id, settings: s }) => {
        const launch = s.launchCommand;
        if (id !== 'moshi' || typeof launch !== 'string' || !launch.trim()) return;
        await this.approve(launch.trim());
        await this.localServerFor(launch, String(s.baseUrl), Number(s.startTimeoutMs)).ensureRunning();
      },
    });
    const session = built.session;
    const generation = this.peerGeneration;
    session.subscribe((e) => {
      // The problems of a session started for an earlier UI (being stopped now) are not the newer UI's.
      if (e.type === 'error' && e.turnId === undefined && generation !== this.peerGeneration) return;
      this.onSessionEvent(session, e);
    });
    return { ...built, inputRate, resampler: inputRate === STT_RATE ? undefined : new Resampler({ inputRate, outputRate: STT_RATE }), fingerprint: sessionFingerprint(settings) };
  }

  private onSessionEvent(session: LiveSession, e: EngineEvent): void {
    // A stopping session still reports its last turn (its final text and latency).
    if (this.running?.session !== session && !this.stopping.has(session)) return;
    // Each session counts its turns from 1; the UI needs them unique across restarts and switches.
    if ('turnId' in e && e.turnId !== undefined) {
      const turnId = e.turnId + this.turnBase;
      this.maxTurnId = Math.max(this.maxTurnId, turnId);
      e = { ...e, turnId } as EngineEvent;
    }
    this.emitEvent(toWire(e));
    if (e.type === 'state') this.maybeRestart();
    // The model's connection is gone: end the session and say so (the transcript stays; Try again restarts).
    const failure = session.failure;
    if (e.type === 'error' && failure && this.running?.session === session) void this.stop().then(() => this.setStatus({ state: 'failed', error: failure.toInfo() }));
  }

  /**
   * Applies changed settings between turns (never while the user speaks or the assistant answers),
   * except a switch of architecture, which happens at once: the user asked for the other one now.
   */
  private maybeRestart(): void {
    const running = this.running;
    if (!this.restartPending || !running) return;
    const switching = running.architecture !== this.o.settings().architecture;
    if (!switching && running.session.conversationState !== 'listening') return;
    this.restartPending = false;
    const inputRate = running.inputRate;
    const began = this.clock.now();
    this.starting = (async () => {
      await this.retire(running, true);
      await this.start(inputRate);
      const now = this.running as Running | undefined;
      if (!now) return;
      const ms = Math.round(this.clock.now() - began);
      // A model that takes no text has already said it starts fresh: claim nothing more.
      const target = now.architecture === 's2s' ? `speech-to-speech (${now.providers.s2s})` : 'the cascade';
      if (switching) this.emitEvent({ type: 'notice', message: `Switched to ${target} in ${ms} ms${now.carriesHistory ? '; the conversation so far came along' : ''}.` });
      else this.emitEvent({ type: 'notice', message: `Settings applied: ${Object.values(now.providers).join(' → ')}.` });
    })().finally(() => (this.starting = undefined));
  }

  private emitEvent(event: ConversationEvent): void {
    // Problems outside a turn are banners of their moment, not part of the transcript: a fresh page does not get them.
    const banner = event.type === 'error' && event.turnId === undefined;
    if (REPLAYED.has(event.type) && !banner) {
      this.replay.push(event);
      if (this.replay.length > MAX_REPLAY) this.replay.splice(0, this.replay.length - MAX_REPLAY);
    }
    this.peer?.send({ type: 'event', event });
  }

  private updateRunningStatus(): void {
    if (this.status.state !== 'running') return;
    const next = { ...this.status, mode: this.o.settings().mode, muted: this.mutedNow, talking: this.talkPressed };
    if (next.mode !== this.status.mode || next.muted !== this.status.muted || next.talking !== this.status.talking) this.setStatus(next);
  }

  private setStatus(status: SessionStatus): void {
    this.status = status;
    this.peer?.send({ type: 'session', status });
  }
}

/** The settings a running session depends on (the listening mode and audio devices are not among them). */
function sessionFingerprint(s: Settings): string {
  return JSON.stringify([s.architecture, s.cascade, s.s2s, s.providers, s.systemPrompt, s.toolsEnabled, s.turnTaking, s.offlineOnly]);
}


/** A cascade event as it crosses to the UI. */
export function toWire(e: EngineEvent): ConversationEvent {
  switch (e.type) {
    case 'error':
      return { type: 'error', stage: e.stage, error: e.error.toInfo(), ...(e.turnId !== undefined ? { turnId: e.turnId } : {}) };
    case 'barge-in':
      return { type: 'barge-in', turnId: e.turnId, phase: e.phase };
    case 'latency':
      return { type: 'latency', turnId: e.turnId, report: e.report };
    case 'stt-status': {
      const st = e.status;
      const status = st.state === 'retrying' ? { ...st, reason: st.reason.toInfo() } : st.state === 'stopped' ? { state: st.state, error: st.error.toInfo() } : st;
      return { type: 'stt-status', provider: e.provider, status };
    }
    default:
      return e;
  }
}
