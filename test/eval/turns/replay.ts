// Replays one labelled case through a turn policy on a simulated clock: the real Silero VAD's frame
// probabilities (computed once per case), the endpointer, the scripted STT and provider, and Smart
// Turn scored when the VAD hears a pause. Event-driven: the clock jumps to the next thing due.
import { ManualClock } from '../../../electron/engine/clock.js';
import { EndOfTurnPolicy, type EndOfTurnDecision, type EndOfTurnOptions, type TurnSignal } from '../../../electron/engine/turn/end-of-turn-policy.js';
import { Endpointer } from '../../../electron/engine/vad/endpointer.js';
import { SILERO_FRAME_MS, SILERO_FRAME_SAMPLES, type SileroVadModel } from '../../../electron/engine/vad/silero.js';
import { RATE, seedOf, type LabelledTurnCase } from './corpus.js';
import { ScriptedProvider } from './scripted-provider.js';
import { ScriptedStt } from './scripted-stt.js';

export interface PolicySpec {
  id: string;
  label: string;
  /** Which signals reach the policy. */
  uses: { semantics: boolean; smartTurn: boolean; provider: boolean };
  options: EndOfTurnOptions;
}

/** One end-of-turn decision, in stream time. */
export interface Decision {
  atMs: number;
  speechEndMs: number;
  turnClass: string;
  by: string;
  text: string;
}

export interface ReplayResult {
  decisions: Decision[];
  finalizeRequests: number;
}

/** What a replay needs beyond the case: the VAD's per-frame probabilities and a Smart Turn scorer. */
export interface ReplayInputs {
  vad: Float32Array;
  /** Smart Turn probability for the audio up to this sample (the last 8 s). */
  smartTurn?: (endSample: number) => Promise<number>;
}

/** The endpointer the turn policy listens to: short hangover, so the policy (not the VAD) decides the wait. */
export const TURN_ENDPOINTER = { frameMs: SILERO_FRAME_MS, minSilenceMs: 96, minSpeechMs: 64, preRollMs: 0 } as const;
/** Simulated Smart Turn cost per call (features + inference on a CPU core). */
export const SMART_TURN_LATENCY_MS = 50;

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
  const eot = new EndOfTurnPolicy(policy.options);
  const endpointer = new Endpointer(TURN_ENDPOINTER);
  const stt = policy.uses.semantics ? new ScriptedStt(labels, seedOf(labels.id)) : undefined;
  const provider = policy.uses.provider ? new ScriptedProvider(labels) : undefined;
  const decisions: Decision[] = [];
  let finalizeRequests = 0;

  let frame = 0;
  let deadline = Infinity;
  let finalizeAt = Infinity;
  let finalizedFor: number | undefined;
  let currentEnd: number | undefined;
  let smartTurnDue: { atMs: number; probability: number } | undefined;
  let nextProviderStep = provider ? provider.nextStepAtMs(0) : Infinity;
  let lastProviderEnd = false;
  // The turn's transcript as the pipeline sees it: finals so far plus the latest partial.
  let finals: string[] = [];
  let partial = '';

  const apply = (signal: TurnSignal) => {
    const decision: EndOfTurnDecision = eot.update(signal);
    if (decision.type === 'wait-until') {
      deadline = decision.atMs;
      if (decision.finalizeSttAtMs !== undefined && finalizedFor !== currentEnd) finalizeAt = Math.max(clock.now(), decision.finalizeSttAtMs);
    } else if (decision.type === 'end-of-turn') {
      decisions.push({ atMs: decision.atMs, speechEndMs: decision.speechEndMs, turnClass: decision.turnClass, by: Array.isArray(decision.by) ? decision.by.join('+') : decision.by, text: turnText() });
      deadline = Infinity;
      finalizeAt = Infinity;
      finals = [];
      partial = '';
    } else {
      deadline = Infinity;
      finalizeAt = Infinity;
    }
  };
  const turnText = () => [...finals, partial].filter(Boolean).join(' ');

  const frames = inputs.vad.length;
  const endMs = frames * SILERO_FRAME_MS;
  for (;;) {
    const nextFrameAt = frame < frames ? (frame + 1) * SILERO_FRAME_MS : Infinity;
    // Anything already overdue (a finalize time that passed while the VAD's hangover ran) happens now.
    const now = Math.max(clock.now(), Math.min(nextFrameAt, deadline, finalizeAt, stt?.nextAtMs(clock.now()) ?? Infinity, nextProviderStep, smartTurnDue?.atMs ?? Infinity));
    if (now === Infinity || now > endMs) break;
    clock.set(now);

    if (now >= finalizeAt) {
      finalizeAt = Infinity;
      finalizedFor = currentEnd;
      finalizeRequests++;
      stt?.finalize(now);
    }
    if (now >= nextFrameAt) {
      for (const event of endpointer.process(inputs.vad[frame]!)) {
        if (event.type === 'speech-start') {
          currentEnd = undefined;
          smartTurnDue = undefined;
          apply({ type: 'speech-start', atMs: now });
        } else if (event.type === 'speech-end') {
          currentEnd = event.endMs;
          apply({ type: 'speech-end', atMs: now, speechEndMs: event.endMs });
          if (policy.uses.smartTurn && inputs.smartTurn) {
            const probability = await inputs.smartTurn(Math.round((now * RATE) / 1000));
            smartTurnDue = { atMs: now + SMART_TURN_LATENCY_MS, probability };
          }
        }
      }
      frame++;
    }
    if (stt) {
      for (const event of stt.poll(now)) {
        if (event.type === 'partial') partial = event.text;
        else {
          if (event.text) finals.push(event.text);
          partial = '';
        }
        apply({ type: 'transcript', atMs: now, text: turnText(), final: event.type === 'final' });
      }
    }
    if (provider && now >= nextProviderStep) {
      nextProviderStep = provider.nextStepAtMs(now);
      const probability = provider.probability(now);
      const endOfTurn = probability >= provider.threshold;
      // Like Flux, the provider speaks when its view changes (EndOfTurn once, then a new turn), and its probability every step.
      if (endOfTurn || lastProviderEnd) apply({ type: 'provider', atMs: now, endOfTurn, probability });
      lastProviderEnd = endOfTurn;
    }
    if (smartTurnDue && now >= smartTurnDue.atMs) {
      const { probability } = smartTurnDue;
      smartTurnDue = undefined;
      apply({ type: 'smart-turn', atMs: now, probability });
    }
    if (now >= deadline) apply({ type: 'tick', atMs: now });
  }
  return { decisions, finalizeRequests };
}
