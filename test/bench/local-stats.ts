// Pure helpers of the local speech benchmark (local-speech.ts): attributing STT partials to the
// audio blocks that produced them, pairing spoken turns with the session's latency reports, and
// the real-time factor. Tested in test/unit/bench/local-stats.test.ts.
import type { TurnLatencyReport } from '../../electron/engine/metrics/latency.js';

/** What the STT worker's channel carried, in order: an audio block sent, a block decoded, a partial. */
export type ChannelEntry = { kind: 'push' | 'accepted' | 'partial'; at: number };

/**
 * Partial latency per partial: the worker decodes each block as it arrives and sends the partial
 * that block produced before acknowledging it (`accepted`), so a partial belongs to the oldest
 * block sent and not yet acknowledged. Its latency is from that block's send to the partial.
 */
export function partialLatencies(log: readonly ChannelEntry[]): number[] {
  const unacked: number[] = [];
  const out: number[] = [];
  for (const e of log) {
    if (e.kind === 'push') unacked.push(e.at);
    else if (e.kind === 'accepted') unacked.shift();
    else if (unacked.length) out.push(e.at - unacked[0]!);
  }
  return out;
}

/** A turn's voice-to-voice: its first audio handed to the sink after its true end of speech. */
export interface OfflineTurn {
  trueSpeechEndAt: number;
  report?: TurnLatencyReport;
  /** firstAudioPlayed - true speech end, ms (undefined: no answer was spoken). */
  voiceToVoiceMs?: number;
}

/**
 * Pairs each spoken turn (the clock time its speech truly ended) with the session's latency report
 * for it: the first unused report whose speech end the engine placed within `toleranceMs` of it.
 * A turn with no such report, or one that spoke no audio, has no voice-to-voice (never guessed).
 */
export function pairTurns(trueEnds: readonly number[], reports: readonly TurnLatencyReport[], toleranceMs = 1500): OfflineTurn[] {
  const used = new Set<number>();
  return trueEnds.map((end) => {
    const i = reports.findIndex((r, j) => !used.has(j) && r.originAt !== undefined && r.spans.speechEnd !== undefined && Math.abs(r.originAt + r.spans.speechEnd - end) <= toleranceMs);
    if (i < 0) return { trueSpeechEndAt: end };
    used.add(i);
    const report = reports[i]!;
    const played = report.spans.firstAudioPlayed;
    return played === undefined ? { trueSpeechEndAt: end, report } : { trueSpeechEndAt: end, report, voiceToVoiceMs: report.originAt! + played - end };
  });
}

/** Real-time factor: processing time over audio time (below 1: faster than real time). */
export function realTimeFactor(processingMs: number, audioSeconds: number): number {
  return processingMs / 1000 / audioSeconds;
}
