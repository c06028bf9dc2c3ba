import { create } from 'zustand';
import { decodeAudioFrame, encodeMicrophoneFrame, type ConversationMessage } from '../../../electron/shared/conversation';
import { MicrophoneError, openMicrophone, type Microphone } from '../audio/microphone';
import { Player } from '../audio/player';
import type { PlayoutReport } from '../audio/worklet-messages';
import { getApi } from '../store';
import { openConversationChannel, type LiveChannel } from './channel';
import { clearBanners, dismissProblem, emptyConversation, reduceConversation, type ConversationView } from './model';

interface LiveState {
  view: ConversationView;
  /** The conversation channel to the engine is open. */
  linked: boolean;
  /** The engine went away (its process ended): nothing works until it is started again. */
  engineGone: boolean;
  /** Why the channel closed when the engine is still there (e.g. another window took over). */
  closedReason?: string;
  mic: 'off' | 'opening' | 'on';
  micError?: string;
  /** Microphone and assistant levels (RMS, 0-1) for the meters. */
  micLevel: number;
  outLevel: number;
  muted: boolean;
  /** Push-to-talk is held. */
  talking: boolean;
  /** The side-by-side comparison of both architectures on the last utterance. */
  compare?: Extract<ConversationMessage, { type: 'compare' }>;
  requestCompare(): void;
  connect(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  setMuted(muted: boolean): void;
  setTalking(pressed: boolean): void;
  interrupt(): void;
  dismiss(problemId: number): void;
  /** The listening mode or architecture changed: the banners of before no longer apply. */
  settingsChanged(): void;
}

let channel: LiveChannel | undefined;
let microphone: Microphone | undefined;
let player: Player | undefined;
let playerRate = 0;
let playerOpening: Promise<void> | undefined;
/** Playback frames that arrive while the player is still opening. */
let pendingFrames: ArrayBuffer[] = [];
/** The engine's playback epoch (a new sink announces its own with a flush, maybe before the player exists). */
let playbackEpoch = 0;
/** Microphone frames since the level was last drawn. */
let levelFrames = 0;

/**
 * The live conversation: the channel to the engine, the microphone and the player. The engine
 * decides everything (turns, barge-in, latency); this side captures, plays, reports playback and
 * renders what the engine says.
 */
export const useLiveStore = create<LiveState>((set, get) => ({
  view: emptyConversation,
  linked: false,
  engineGone: false,
  mic: 'off',
  micLevel: 0,
  outLevel: 0,
  muted: false,
  talking: false,

  connect() {
    if (channel) return;
    channel = openConversationChannel();
    if (!channel) return;
    set({ linked: true });
    channel.onMessage((m) => onMessage(m));
    channel.onAudio((frame) => onPlaybackFrame(frame));
    channel.onClose(({ reason, engineGone }) => {
      channel = undefined;
      void closeAudio();
      const stopped = (s: LiveState) => reduceConversation(s.view, { type: 'session', status: { state: 'idle' } });
      // The engine gone is one problem, said once (with how to restart): the others died with it.
      if (engineGone) set((s) => ({ linked: false, engineGone: true, mic: 'off', micError: undefined, micLevel: 0, outLevel: 0, view: clearBanners(stopped(s)) }));
      else set((s) => ({ linked: false, closedReason: reason, mic: 'off', micLevel: 0, outLevel: 0, view: stopped(s) }));
    });
  },

  async start() {
    if (!channel || get().mic !== 'off') return;
    set({ mic: 'opening', micError: undefined });
    try {
      const settings = await getApi()?.getSettings();
      const c = channel;
      microphone = await openMicrophone({
        deviceId: settings?.audio.inputDeviceId,
        onFrame: (frame) => {
          c.sendAudio(encodeMicrophoneFrame(new Int16Array(frame.pcm)));
          // Frames come at 50 Hz; the level is drawn at 25 Hz at most (every other frame), and only when it moved.
          levelFrames = (levelFrames + 1) % 2;
          if (levelFrames === 0 && Math.abs(frame.level - get().micLevel) > 0.005) set({ micLevel: frame.level });
        },
        onEnded: () => {
          void get().stop();
          set({ micError: 'The microphone was disconnected. Plug it back in (or pick another in Settings) and start again.' });
        },
      });
      set({ mic: 'on' });
      c.send({ type: 'start', inputRate: microphone.sampleRate });
    } catch (e) {
      set({ mic: 'off', micError: e instanceof MicrophoneError ? e.message : `The microphone could not start: ${String(e)}` });
    }
  },

  async stop() {
    channel?.send({ type: 'stop' });
    await closeAudio();
    set({ mic: 'off', micLevel: 0, outLevel: 0, talking: false });
  },

  setMuted(muted) {
    channel?.send({ type: 'mute', muted });
    set({ muted, ...(muted ? { micLevel: 0 } : {}) });
  },

  setTalking(pressed) {
    if (get().talking === pressed) return;
    channel?.send({ type: 'talk', pressed });
    set({ talking: pressed });
  },

  interrupt() {
    channel?.send({ type: 'interrupt' });
  },

  requestCompare() {
    channel?.send({ type: 'compare' });
    set({ compare: { type: 'compare', state: 'running' } });
  },

  dismiss(problemId) {
    set((s) => ({ view: dismissProblem(s.view, problemId) }));
  },

  settingsChanged() {
    set((s) => ({ micError: undefined, view: clearBanners(s.view) }));
  },
}));

function onMessage(message: ConversationMessage): void {
  if (message.type === 'compare') {
    useLiveStore.setState({ compare: message });
    return;
  }
  if (message.type === 'playback') {
    player?.control(message.op, message.epoch);
    if (message.op === 'flush') {
      playbackEpoch = message.epoch;
      pendingFrames = [];
    }
    return;
  }
  if (message.type === 'session') {
    const status = message.status;
    if (status.state === 'running') {
      void ensurePlayer(status.playbackRate);
      useLiveStore.setState({ muted: status.muted });
    } else if (status.state !== 'starting') {
      // The engine stopped (or could not start): release the microphone too.
      void closeAudio();
      useLiveStore.setState({ mic: 'off', micLevel: 0, outLevel: 0, talking: false });
    }
  }
  useLiveStore.setState((s) => ({ view: reduceConversation(s.view, message) }));
}

function ensurePlayer(rate: number): Promise<void> {
  if (player && playerRate === rate) return Promise.resolve();
  playerOpening ??= (async () => {
    await player?.close();
    player = undefined;
    const settings = await getApi()?.getSettings();
    player = await Player.open({ sampleRate: rate, deviceId: settings?.audio.outputDeviceId, onReport });
    player.control('flush', playbackEpoch);
    playerRate = rate;
    for (const f of pendingFrames.splice(0)) playFrame(f);
  })()
    .catch((e: unknown) => useLiveStore.setState({ micError: `The speaker could not start: ${String(e)}` }))
    .finally(() => (playerOpening = undefined));
  return playerOpening;
}

function onPlaybackFrame(frame: ArrayBuffer): void {
  if (!player || playerOpening) pendingFrames.push(frame);
  else playFrame(frame);
}

function playFrame(data: ArrayBuffer): void {
  try {
    const frame = decodeAudioFrame(data);
    if (frame.kind === 'playback') player?.play(frame.epoch, frame.block, frame.samples);
  } catch {
    // A malformed frame is dropped; the engine's sink notices the missing progress.
  }
}

function onReport(report: PlayoutReport): void {
  if (report.type === 'block-started') channel?.send({ type: 'block-started', epoch: report.epoch, block: report.block });
  else {
    channel?.send({ type: 'played', epoch: report.epoch, samples: report.samples, drained: report.drained });
    useLiveStore.setState({ outLevel: report.drained ? 0 : report.level });
  }
}

async function closeAudio(): Promise<void> {
  const mic = microphone;
  const out = player;
  microphone = undefined;
  player = undefined;
  playerRate = 0;
  pendingFrames = [];
  await Promise.all([mic?.stop(), out?.close()]).catch(() => undefined);
}
