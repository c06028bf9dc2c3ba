// Replays one labelled case through the engine's TurnDetector on a simulated clock: the real Silero
// VAD's frame probabilities (computed once per case), the scripted STT and provider, and Smart Turn
// scored when the detector asks. Event-driven: the clock jumps to the next thing due.
import { ManualClock } from '../../../electron/engine/clock.js';
import type { TurnSttEvent as SttEvent } from '../../../electron/engine/turn/turn-detector.js';
import { TurnDetector, type TurnAction, type TurnDetectorOptions } from '../../../electron/engine/turn/turn-detector.js';
import { SILERO_FRAME_MS, SILERO_FRAME_SAMPLES, type SileroVadModel } from '../../../electron/engine/vad/silero.js';
import { RATE, seedOf, type LabelledTurnCase } from './corpus.js';
import { ScriptedProvider } from './scripted-provider.js';
import { ScriptedStt } from './scripted-stt.js';

export interface PolicySpec {
  id: string;
  label: string;
  /** Which signals reach the detector (the STT always runs: a turn is answered on its words). */
  uses: { semantics: boolean; smartTurn: boolean; provider: boolean };
  options: Omit<TurnDetectorOptions, 'frameMs' | 'semantics' | 'smartTurn'>;
}

/** One end-of-turn decision, in stream time. */
export interface Decision {
  atMs: number;
  speechEndMs: number;
  turnClass: string;
  by: string;
  text: string;
  preempted: boolean;
}

export interface ReplayResult {
  decisions: Decision[];
  /** Stretches of sound that ended without words (nothing answered). */
  noWords: number;
  finalizeRequests: number;
  /** Replies prepared before the end of turn (`preempt`), and how many were cancelled. */
  preempts: number;
  preemptCancels: number;
}

/** What a replay needs beyond the case: the VAD's per-frame probabilities and a Smart Turn scorer. */
export interface ReplayInputs {
  vad: Float32Array;
  /** Smart Turn probability for the audio up to this sample (the last 8 s). */
  smartTurn?: (endSample: number) => Promise<number>;
}

/** Simulated Smart Turn cost per call (features + inference on a CPU core). */
export const SMART_TURN_LATENCY_MS = 50;
/** Flux-style eager end of turn: a reply may be prepared from this provider probability. */
const EAGER_THRESHOLD = 0.5;

/** Silero's speech probability for every 32 ms frame of the case. */
export async function vadProbabilities(vad: SileroVadModel, audio: Float32Array): Promise<Float32Array> {
  vad.reset();
  const frames = Math.floor(audio.length / SILERO_FRAME_SAMPLES);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = await vad.process(audio.subarray(i * SILERO_FRAME_SAMPLES, (i + 1) * SILERO_FRAME_SAMPLES));
  return out;
}

export async function replayCase(c: LabelledTurnCase, policy: PolicySpec, inputs: ReplayInputs): Promise<ReplayResult> {
  const { labels } = c;
  const clock = new ManualClock(0);
  const detector = new TurnDetector({ ...policy.options, frameMs: SILERO_FRAME_MS, semantics: policy.uses.semantics, smartTurn: policy.uses.smartTurn });
  const stt = new ScriptedStt(labels, seedOf(labels.id));
  const provider = policy.uses.provider ? new ScriptedProvider(labels) : undefined;
  const result: ReplayResult = { decisions: [], noWords: 0, finalizeRequests: 0, preempts: 0, preemptCancels: 0 };

  let frame = 0;
  const smartTurnDue: Array<{ atMs: number; pauseId: number; probability: number }> = [];
  let nextProviderStep = provider ? provider.nextStepAtMs(0) : Infinity;
  let providerEnded = false;
  let providerEager = false;
  let lastTickAt = -Infinity;

  const act = async (actions: TurnAction[]) => {
    for (const a of actions) {
      switch (a.type) {
        case 'finalize-stt':
          result.finalizeRequests++;
          stt.finalize(a.atMs);
          break;
        case 'score-turn':
          if (inputs.smartTurn) {
            const probability = await inputs.smartTurn(Math.round((a.atMs * RATE) / 1000));
            smartTurnDue.push({ atMs: a.atMs + SMART_TURN_LATENCY_MS, pauseId: a.pauseId, probability });
          }
          break;
        case 'preempt':
          result.preempts++;
          break;
        case 'preempt-cancel':
          result.preemptCancels++;
          break;
        case 'end-of-turn':
          result.decisions.push({ atMs: a.atMs, speechEndMs: a.speechEndMs, turnClass: a.turnClass, by: Array.isArray(a.by) ? a.by.join('+') : a.by, text: a.text, preempted: a.preempted });
          break;
        case 'no-words':
          result.noWords++;
          break;
        case 'speech-start':
          break;
      }
    }
  };
  const sttEvent = (atMs: number, event: SttEvent) => act(detector.update({ type: 'stt', atMs, event }));

  const frames = inputs.vad.length;
  const endMs = frames * SILERO_FRAME_MS;
  for (;;) {
    const nextFrameAt = frame < frames ? (frame + 1) * SILERO_FRAME_MS : Infinity;
    const wakeAt = detector.wakeAtMs;
    const next = Math.min(nextFrameAt, wakeAt !== undefined && wakeAt > lastTickAt ? wakeAt : Infinity, stt.nextAtMs(clock.now()), nextProviderStep, smartTurnDue[0]?.atMs ?? Infinity);
    if (next === Infinity || next > endMs) break;
    // Anything already overdue happens now.
    const now = Math.max(clock.now(), next);
    clock.set(now);

    for (const event of stt.poll(now)) await sttEvent(now, event);
    while (smartTurnDue.length > 0 && smartTurnDue[0]!.atMs <= now) {
      const { pauseId, probability } = smartTurnDue.shift()!;
      await act(detector.update({ type: 'smart-turn', atMs: now, pauseId, probability }));
    }
    if (provider && now >= nextProviderStep) {
      nextProviderStep = provider.nextStepAtMs(now);
      const probability = provider.probability(now);
      await sttEvent(now, { type: 'turn-probability', probability });
      // Like Flux: EagerEndOfTurn, then EndOfTurn once per pause, TurnResumed if the user goes on after an eager one.
      if (probability >= EAGER_THRESHOLD && !providerEager && detector.transcript) {
        providerEager = true;
        await sttEvent(now, { type: 'eager-end-of-turn', text: detector.transcript, probability });
      }
      if (probability >= provider.threshold && !providerEnded) {
        providerEnded = true;
        await sttEvent(now, { type: 'end-of-turn', probability });
      }
      if (probability < EAGER_THRESHOLD && (providerEager || providerEnded)) {
        if (providerEager && !providerEnded) await sttEvent(now, { type: 'turn-resumed' });
        providerEager = false;
        providerEnded = false;
      }
    }
    const wake = detector.wakeAtMs;
    if (wake !== undefined && wake <= now && wake > lastTickAt) {
      lastTickAt = now;
      await act(detector.update({ type: 'tick', atMs: now }));
    }
    if (now >= nextFrameAt) {
      await act(detector.update({ type: 'frame', atMs: now, streamMs: now, probability: inputs.vad[frame]! }));
      frame++;
    }
  }
  return result;
}
