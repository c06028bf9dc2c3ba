// A provider's end-of-turn signal played from the labels, shaped like Deepgram Flux's
// end_of_turn_confidence or Gradium's inactivity probability: low while the user speaks, rising after
// speech stops, to a high plateau at a real turn end and a low one in a mid-turn pause. A real model
// errs, so a fixed share of pauses is misjudged (a mid-turn pause rated as an end, an end rated slowly),
// picked by a seeded hash. It is a script, not a measurement of any provider.
import { seedOf, type TurnLabels } from './corpus.js';

export interface ScriptedProviderOptions {
  /** How often the provider reports (Gradium `step`: 80 ms). */
  stepMs?: number;
  /** Probability at which it declares end of turn (Flux's default eot_threshold 0.7). */
  endOfTurnThreshold?: number;
  /** Share of mid-turn pauses rated as a turn end (eot-bench puts Flux at 12.9% false cut-offs at 300 ms). */
  misjudgedPauseRate?: number;
  /** Share of real turn ends the provider is slow to recognise. */
  slowEndRate?: number;
}

interface Rise {
  fromMs: number;
  untilMs: number;
  plateau: number;
  tauMs: number;
}

/** Model latency before the curve moves: the provider needs some silence to see. */
const LAG_MS = 60;

export class ScriptedProvider {
  readonly stepMs: number;
  readonly threshold: number;
  private readonly rises: Rise[];

  constructor(labels: TurnLabels, options: ScriptedProviderOptions = {}) {
    this.stepMs = options.stepMs ?? 80;
    this.threshold = options.endOfTurnThreshold ?? 0.7;
    const misjudged = options.misjudgedPauseRate ?? 0.13;
    const slow = options.slowEndRate ?? 0.1;
    const chance = (what: string) => seedOf(`${labels.id.replace(/@.*/, '')}/${what}`) / 0xffffffff;
    this.rises = labels.chunks.map((chunk, i) => {
      const untilMs = labels.chunks[i + 1]?.startMs ?? Infinity;
      if (chunk.midTurnPause) {
        const wrong = chance(`pause-${i}`) < misjudged;
        return { fromMs: chunk.endMs + LAG_MS, untilMs, plateau: wrong ? 0.9 : 0.25 + 0.2 * chance(`level-${i}`), tauMs: 180 };
      }
      return { fromMs: chunk.endMs + LAG_MS, untilMs, plateau: 0.97, tauMs: chance('end') < slow ? 700 : 150 };
    });
  }

  /** The provider's end-of-turn probability at stream time `atMs`. */
  probability(atMs: number): number {
    const rise = this.rises.find((r) => atMs >= r.fromMs && atMs < r.untilMs);
    if (!rise) return 0.02;
    return Math.max(0.02, rise.plateau * (1 - Math.exp(-(atMs - rise.fromMs) / rise.tauMs)));
  }

  /** The next report time after `atMs`. */
  nextStepAtMs(atMs: number): number {
    return (Math.floor(atMs / this.stepMs) + 1) * this.stepMs;
  }
}
