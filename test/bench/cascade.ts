// Cascade benchmarks (issue: cascade): engine overhead with zero-latency fake providers,
// voice-to-voice against the sum of stage latencies with realistic fake latencies, and barge-in
// reaction with real Silero VAD on real speech.
import { ClockedSink } from '../../electron/engine/audio/playout.js';
import { BargeInDetector } from '../../electron/engine/cascade/barge-in.js';
import type { EngineEvent } from '../../electron/engine/events/conversation-events.js';
import { CascadeSession } from '../../electron/engine/cascade/session.js';
import { systemClock, type Clock } from '../../electron/engine/clock.js';
import type { TurnLatencyReport } from '../../electron/engine/metrics/latency.js';
import { OpenAiChatLlm, OpenAiChatSettingsSchema } from '../../electron/engine/providers/llm/openai-chat.js';
import { DeepgramSettingsSchema, DeepgramStt } from '../../electron/engine/providers/stt/deepgram.js';
import { OpenAiSpeechSettingsSchema, OpenAiSpeechTts } from '../../electron/engine/providers/tts/openai-speech.js';
import { SILERO_FRAME_SAMPLES, type SileroVadModel } from '../../electron/engine/vad/silero.js';
import { startFakeDeepgram } from '../fakes/deepgram.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { concat, rmsOf, silence, sine } from '../helpers/signals.js';
import { paddedSpeech } from '../helpers/speech.js';
import { summarize, type Summary } from './stats.js';

export const FILES = ['librivox-ss01-0880.wav', 'librivox-ss01-0890.wav', 'librivox-ss01-0870.wav'];

/** What the fake STT "hears" for each turn: complete questions, as a user asks them. */
export const QUESTIONS = ['What is the weather like today?', 'Can you set a timer for ten minutes?', 'Who wrote Sense and Sensibility?', 'How far away is the moon?', 'What should I cook tonight?', 'Why is the sky blue?'];

export interface TurnMeasurement {
  report: TurnLatencyReport;
  /** When the last sample of speech was pushed (the true end of speech), clock ms. */
  trueSpeechEndAt: number;
  llmRequestAt: number;
  ttsRequestAt: number;
}

/** Runs spoken turns through a full session against in-process fakes with the given latencies. */
export async function measureTurns(vad: SileroVadModel, latency: { sttFinalDelayMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number }, repeats: number): Promise<TurnMeasurement[]> {
  const files = Array.from({ length: repeats }, (_, i) => FILES[i % FILES.length]!);
  const deepgram = await startFakeDeepgram({ utterances: files.map((_, i) => QUESTIONS[i % QUESTIONS.length]!), finalDelayMs: latency.sttFinalDelayMs });
  const openai = await startFakeOpenAi({ llm: () => ({ text: 'Sure. Here is a short answer for you.', firstTokenMs: latency.llmFirstTokenMs, tokenMs: 25 }), tts: { msPerChar: 2, firstByteMs: latency.ttsFirstByteMs } });
  const clock = systemClock;
  const session = new CascadeSession({
    stt: new DeepgramStt(DeepgramSettingsSchema.parse({ baseUrl: deepgram.url }), deepgram.key, { clock }),
    llm: new OpenAiChatLlm(OpenAiChatSettingsSchema.parse({ baseUrl: openai.baseUrl }), openai.key),
    tts: new OpenAiSpeechTts(OpenAiSpeechSettingsSchema.parse({ baseUrl: openai.baseUrl, prefetch: 0 }), openai.key),
    vad,
    sink: new ClockedSink(24000, clock),
    clock,
  });
  const reports: TurnLatencyReport[] = [];
  session.subscribe((e: EngineEvent) => e.type === 'latency' && reports.push(e.report));
  if (process.env.BENCH_DEBUG) session.subscribe((e) => console.error(performance.now().toFixed(0), JSON.stringify(e).slice(0, 160)));
  await session.start();
  let ends: number[];
  try {
    ends = await speakTurns(session, files);
  } finally {
    await session.stop();
    await deepgram.close();
    await openai.close();
  }
  return pairWithRequests(reports, ends, openai.requests);
}

/**
 * Says each recording as one turn, in real time in 20 ms blocks (0.3 s of silence before, `tailS`
 * (1.8 s) after), waiting for the session to finish answering before the next. Returns when each turn's
 * speech truly ended: the clock time its last voiced sample was pushed.
 */
export async function speakTurns(session: { pushAudio(samples: Float32Array): Promise<void>; idle(): Promise<void> }, files: string[], o: { clock?: Clock; tailS?: number } = {}): Promise<number[]> {
  const clock = o.clock ?? systemClock;
  const ends: number[] = [];
  for (const file of files) {
    const { audio, speechMs, startMs } = await paddedSpeech(file, 0.3, o.tailS ?? 1.8);
    const speechEndSample = Math.round(((startMs + speechMs) / 1000) * 16000);
    const t0 = clock.now();
    for (let i = 0; i < audio.length; i += 320) {
      await session.pushAudio(audio.subarray(i, i + 320));
      if (i < speechEndSample && i + 320 >= speechEndSample) ends.push(clock.now());
      const wait = t0 + ((i + 320) / 16000) * 1000 - clock.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await session.idle();
  }
  return ends;
}

/**
 * Pairs each turn with its requests: the LLM request that answered it (the last one to arrive before
 * its first token: with preemptive generation it may come before the end of turn was decided), and
 * the first TTS request after its first sentence.
 */
export function pairWithRequests(reports: TurnLatencyReport[], speechEnds: number[], requests: { path: string; at: number }[]): TurnMeasurement[] {
  const firstAfter = (path: string, t: number) => requests.find((r) => r.path === path && r.at >= t)?.at ?? NaN;
  const lastBefore = (path: string, t: number) => requests.filter((r) => r.path === path && r.at <= t).at(-1)?.at ?? NaN;
  return reports.map((report, i) => {
    const origin = report.originAt ?? 0;
    return {
      report,
      trueSpeechEndAt: speechEnds[i]!,
      llmRequestAt: lastBefore('/v1/chat/completions', origin + (report.spans.llmFirstToken ?? 0)),
      ttsRequestAt: firstAfter('/v1/audio/speech', origin + (report.spans.firstSentence ?? 0)),
    };
  });
}

export function overheadStats(turns: TurnMeasurement[]) {
  const at = (t: TurnMeasurement, k: keyof TurnLatencyReport['spans']) => (t.report.originAt ?? 0) + (t.report.spans[k] ?? NaN);
  return {
    /** The last provider event (TTS first byte) to audio handed to the sink. */
    ttsFirstByteToSink: summarize(turns.map((t) => at(t, 'firstAudioPlayed') - at(t, 'ttsFirstByte'))),
    /** End of turn decided to the LLM request arriving at the server. */
    endOfTurnToLlmRequest: summarize(turns.map((t) => t.llmRequestAt - at(t, 'endOfTurn'))),
    /** First speakable sentence to the TTS request arriving at the server. */
    firstSentenceToTtsRequest: summarize(turns.map((t) => t.ttsRequestAt - at(t, 'firstSentence'))),
    /** The engine's speech end (last voiced frame) to end of turn decided: the turn detector's wait. */
    speechEndToEndOfTurn: summarize(turns.map((t) => (t.report.spans.endOfTurn ?? NaN) - (t.report.spans.speechEnd ?? NaN))),
    /** STT final to end of turn decided (turn-taking logic). */
    sttFinalToEndOfTurn: summarize(turns.map((t) => at(t, 'endOfTurn') - at(t, 'sttFinal'))),
    voiceToVoice: summarize(turns.map((t) => at(t, 'firstAudioPlayed') - t.trueSpeechEndAt)),
    /** When the STT's final actually arrived, after the true end of speech. */
    sttFinalAfterSpeechEnd: summarize(turns.map((t) => at(t, 'sttFinal') - t.trueSpeechEndAt)),
    /** First audio minus STT final: the LLM and TTS latencies plus everything the engine adds. */
    sttFinalToFirstAudio: summarize(turns.map((t) => at(t, 'firstAudioPlayed') - at(t, 'sttFinal'))),
  };
}

/**
 * Barge-in reaction in stream time: real speech starts while the assistant plays (its echo leaks
 * into the mic 30 dB down); the reaction is from the first speech sample to the end of the VAD
 * frame whose decision pauses playback, plus the measured inference time of that frame. Onsets are
 * shifted across the 32 ms frame grid.
 */
export async function bargeInReaction(vad: SileroVadModel): Promise<{ reactionMs: Summary; fromVoicingMs: Summary; misses: number; falseTriggers: number }> {
  const rate = 16000;
  const playback = sine(220, rate, 6, 0.3);
  const playbackRms = rmsOf(playback);
  const reactions: number[] = [];
  const fromVoicing: number[] = [];
  let misses = 0;
  let falseTriggers = 0;
  for (const file of ['librivox-ss01-0880.wav', 'librivox-ss01-0890.wav', 'librivox-ss01-0870.wav', 'jfk.wav']) {
    const { audio: speech } = await paddedSpeech(file, 0, 0);
    // Breath and soft consonants come first (above -40 dBFS); voicing is the first 10 ms above -30 dBFS.
    const voicing = firstWindowAbove(speech, rate, -30);
    for (let shift = 0; shift < 32; shift += 4) {
      const lead = 0.6 + shift / 1000;
      const user = concat(silence(rate, lead), speech.subarray(0, rate * 1.5));
      const onset = Math.round(lead * rate);
      const mic = new Float32Array(user.length);
      for (let i = 0; i < mic.length; i++) mic[i] = user[i]! + 0.03 * playback[i % playback.length]!;
      vad.reset();
      const detector = new BargeInDetector({ frameMs: 32 });
      let reacted = false;
      for (let f = 0; (f + 1) * SILERO_FRAME_SAMPLES <= mic.length; f++) {
        const frame = mic.subarray(f * SILERO_FRAME_SAMPLES, (f + 1) * SILERO_FRAME_SAMPLES);
        const t = performance.now();
        const p = await vad.process(frame);
        const decision = detector.process(p, rmsOf(frame), playbackRms);
        const compute = performance.now() - t;
        if (decision === 'suspect' || decision === 'confirm') {
          const frameEnd = (f + 1) * SILERO_FRAME_SAMPLES;
          if (frameEnd <= onset) falseTriggers++;
          else {
            reactions.push(((frameEnd - onset) / rate) * 1000 + compute);
            fromVoicing.push(((frameEnd - onset - voicing) / rate) * 1000 + compute);
          }
          reacted = true;
          break;
        }
      }
      if (!reacted) misses++;
    }
  }
  return { reactionMs: summarize(reactions), fromVoicingMs: summarize(fromVoicing), misses, falseTriggers };
}

/** Where voicing starts: the first 10 ms window at or above `db` dBFS (its first sample). */
export function firstWindowAbove(x: Float32Array, rate: number, db: number): number {
  const win = Math.round(rate * 0.01);
  for (let i = 0; i + win <= x.length; i += win) if (20 * Math.log10(rmsOf(x.subarray(i, i + win)) || 1e-9) >= db) return i;
  return 0;
}
