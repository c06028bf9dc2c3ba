import type { ErrorInfo } from '../../shared/errors.js';
import type { Settings } from '../../shared/settings.js';
import { ClockedSink } from '../audio/playout.js';
import { feedInRealTime } from '../audio/real-time-feed.js';
import type { EngineEvent } from '../events/conversation-events.js';
import type { Clock } from '../clock.js';
import { toErrorInfo } from '../errors.js';
import type { TurnLatencyReport } from '../metrics/latency.js';
import type { SecretStore } from '../settings/secret-store.js';
import { detectSpeechSegments } from '../vad/segments.js';
import type { SpeechProbabilityModel } from '../vad/silero.js';
import { createLiveSession, type Architecture, type LocalInference } from './session-factory.js';

export type ReleasableVad = SpeechProbabilityModel & { release?(): Promise<void> };

export interface CompareResult {
  architecture: Architecture;
  providers: Record<string, string>;
  user: string;
  assistant: string;
  latency?: TurnLatencyReport;
  error?: ErrorInfo;
}

const RATE = 16000;
/** After the utterance: silence until the answer is done, at most this long. */
const MAX_WAIT_MS = 15_000;
/** An answer with no new words or voice for this long is over (full-duplex models never say so). */
const QUIET_MS = 1500;

/** The last stretch of speech in a recording (16 kHz), with a little silence kept around it. */
export async function lastUtterance(audio: Float32Array, vad: SpeechProbabilityModel): Promise<Float32Array | undefined> {
  const { segments } = await detectSpeechSegments({ sampleRate: RATE, channels: [audio] }, vad);
  const last = segments.at(-1);
  if (!last) return undefined;
  const from = Math.max(0, Math.floor(((last.startMs - 150) * RATE) / 1000));
  const to = Math.min(audio.length, Math.ceil(((last.endMs + 100) * RATE) / 1000));
  return audio.slice(from, to);
}

/**
 * Plays one recorded utterance through both architectures at once, in real time, each in a fresh
 * conversation (same context for both), and returns what each answered and its latency. The
 * answers are not played aloud (the side-by-side view shows them); each runs against a clocked sink
 * so its timing is that of a real speaker.
 */
export async function compareArchitectures(o: { utterance: Float32Array; settings: Settings; secrets: SecretStore; env: NodeJS.ProcessEnv; clock: Clock; loadVad: () => Promise<ReleasableVad>; local?: LocalInference }): Promise<CompareResult[]> {
  return Promise.all((['cascade', 's2s'] as const).map((architecture) => runOne(architecture, o)));
}

async function runOne(architecture: Architecture, o: Parameters<typeof compareArchitectures>[0]): Promise<CompareResult> {
  const result: CompareResult = { architecture, providers: {}, user: '', assistant: '' };
  const vad = await o.loadVad();
  let built;
  try {
    built = await createLiveSession(o.settings, architecture, { secrets: o.secrets, env: o.env, clock: o.clock, vad: () => vad, sinkAt: (rate) => new ClockedSink(rate, o.clock), history: [], ...(o.local ? { local: o.local } : {}) });
  } catch (e) {
    await vad.release?.();
    return { ...result, error: toErrorInfo(e) };
  }
  result.providers = built.providers;
  const { session } = built;
  let lastActivity = o.clock.now();
  let answered = false;
  let done = false;
  session.subscribe((e: EngineEvent) => {
    if (e.type === 'user-final') result.user = e.text;
    else if (e.type === 'assistant-chunk') {
      answered = true;
      lastActivity = o.clock.now();
    } else if (e.type === 'assistant-done') {
      result.assistant = e.text;
      done = true;
    } else if (e.type === 'latency') result.latency = e.report;
    else if (e.type === 'error' && !result.error) result.error = e.error.toInfo();
  });
  try {
    await session.start();
    const input = new Float32Array(Math.round(RATE * 0.3) + o.utterance.length);
    input.set(o.utterance, Math.round(RATE * 0.3));
    await feedInRealTime((b) => session.pushAudio(b), input, o.clock, (waited) => done || waited > MAX_WAIT_MS || (answered && o.clock.now() - lastActivity > QUIET_MS));
  } catch (e) {
    result.error ??= toErrorInfo(e);
  } finally {
    await session.stop();
    built.timers.dispose();
    await vad.release?.();
  }
  if (!result.assistant && !result.error) result.error = { code: 'provider/timeout', message: `no answer within ${MAX_WAIT_MS / 1000} s` };
  return result;
}

