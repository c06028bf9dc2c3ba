// The embedded speech engines and the whole offline cascade, measured on this machine:
// - STT (sherpa-onnx streaming transducer, in its worker process): real-time factor on the
//   reference recordings, and partial latency: from feeding the 20 ms block whose decode yields a
//   partial to that partial reaching the engine (compute + IPC, per partial; the recognizer's own
//   chunk wait before a word can be decoded comes on top and needs word timings to measure).
// - TTS (sherpa-onnx OfflineTts, in its worker process): time to first audio and real-time factor,
//   per sentence.
// - Offline voice-to-voice: the real session built from settings (createLiveSession) with all
//   three embedded engines (sherpa-onnx STT, llama.cpp, sherpa-onnx TTS), Silero VAD, a clocked
//   sink, recordings played in real time: true end of speech -> first audio handed to the sink,
//   and the lateness of a 20 ms audio timer on the engine's event loop while those turns run.
// Models: see local-models.ts. With the generated stand-ins every figure is the engine's and the
// IPC's cost around a model that does almost nothing: it says nothing about a real model.
import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { ClockedSink } from '../../electron/engine/audio/playout.js';
import { feedInRealTime } from '../../electron/engine/audio/real-time-feed.js';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import { CascadeSession } from '../../electron/engine/cascade/session.js';
import { systemClock } from '../../electron/engine/clock.js';
import type { EngineEvent } from '../../electron/engine/events/conversation-events.js';
import type { TurnLatencyReport } from '../../electron/engine/metrics/latency.js';
import type { LocalProcessHost } from '../../electron/engine/local/host.js';
import { newSherpaHost } from '../../electron/engine/providers/sherpa/host.js';
import { SherpaOnnxStt, SherpaSttSettingsSchema } from '../../electron/engine/providers/stt/sherpa-onnx.js';
import { SherpaOnnxTts, SherpaTtsSettingsSchema } from '../../electron/engine/providers/tts/sherpa-onnx.js';
import { forkSpawner, type Spawner } from '../../electron/engine/local/spawner.js';
import { createLiveSession } from '../../electron/engine/session/session-factory.js';
import { MemorySecretStore } from '../../electron/engine/settings/secret-store.js';
import type { SileroVadModel } from '../../electron/engine/vad/silero.js';
import { defaultSettings } from '../../electron/shared/settings.js';
import { speakTimed, transcribeAtFullSpeed, wordErrorRate } from '../../scripts/check-local.js';
import { ROOT, speechFile } from '../paths.js';
import { firstWindowAbove, speakTurns } from './cascade.js';
import type { LocalModelChoice, LocalTask } from './local-models.js';
import { timerLateness } from './local-llm.js';
import { pairTurns, partialLatencies, realTimeFactor, type ChannelEntry, type OfflineTurn } from './local-stats.js';
import { summarize, type Summary } from './stats.js';

/** The reference recordings with transcripts (../shared/models/speech). */
export const STT_FILES = ['jfk.wav', 'librivox-ss01-0880.wav', 'librivox-ss01-0890.wav', 'librivox-ss01-0870.wav'];
/** Sentences as an answer streams them to the voice: short and long. */
export const TTS_SENTENCES = [
  'Sure.',
  'Sure, I can help with that.',
  'It will be sunny this afternoon, with a light breeze from the west.',
  'The meeting is moved to three thirty tomorrow afternoon, in the small room on the second floor.',
  'Ten minutes, starting now.',
  'Sense and Sensibility was written by Jane Austen and published in eighteen eleven.',
];

// ---------- STT ----------

/**
 * sherpa-onnx worker processes (hosts of their own, closed after the benchmark) whose channel is
 * logged, to attribute partials to blocks: an `sttAccept` call is a block pushed, its result the
 * block decoded, a `partial` event of the stream what it produced.
 */
function loggedHosts(log: ChannelEntry[]): { host: (kind: 'stt' | 'tts') => LocalProcessHost; closeAll: () => void } {
  const hosts: LocalProcessHost[] = [];
  const spawn: Spawner = (o) => {
    const child = compiledSpawner(o);
    const accepts = new Set<number>();
    child.onMessage((m) => {
      const msg = m as { type?: string; id?: number; data?: { type?: string } };
      if (msg.type === 'event' && msg.data?.type === 'partial') log.push({ kind: 'partial', at: performance.now() });
      else if (msg.type === 'result' && msg.id !== undefined && accepts.delete(msg.id)) log.push({ kind: 'accepted', at: performance.now() });
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => {
        const msg = m as { type?: string; id?: number; method?: string };
        if (msg.type === 'call' && msg.method === 'sttAccept' && msg.id !== undefined) {
          accepts.add(msg.id);
          log.push({ kind: 'push', at: performance.now() });
        }
        child.send(m);
      },
      onMessage: (l) => child.onMessage(l),
      onExit: (l) => child.onExit(l),
      kill: () => child.kill(),
      ...(child.setBusy ? { setBusy: (busy: boolean) => child.setBusy!(busy) } : {}),
    };
  };
  return {
    host: (kind) => {
      const h = newSherpaHost(kind, { spawn });
      hosts.push(h);
      return h;
    },
    closeAll: () => hosts.splice(0).forEach((h) => h.close()),
  };
}

export interface SttBench {
  loadMs: number;
  files: { file: string; audioS: number; realTimeFactor: number; finalizeMs: number; wordErrorRate?: number; transcript: string; partials: number; firstPartialAfterOnsetMs?: number }[];
  realTimeFactor: Summary;
  /** Per partial, fed in real time: block sent -> partial back, ms. */
  partialLatencyMs: Summary;
  /** Per recording, fed in real time: the block holding the voicing onset sent -> the first partial (the first word's length and the model's chunk wait included). */
  firstPartialAfterOnsetMs: Summary | null;
}

async function drain<T>(events: AsyncIterable<T>, each: (e: T) => void = () => undefined): Promise<void> {
  for await (const e of events) each(e);
}

export async function sttBench(model: LocalModelChoice): Promise<SttBench> {
  const log: ChannelEntry[] = [];
  const hosts = loggedHosts(log);
  const provider = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ model: model.id, modelDir: model.path }), {}, { host: hosts.host('stt') });
  try {
    const t0 = performance.now();
    const warm = await provider.open({ sampleRate: 16000 });
    const loadMs = performance.now() - t0;
    await Promise.all([drain(warm), warm.end()]);

    const files: SttBench['files'] = [];
    const latencies: number[] = [];
    for (const file of STT_FILES) {
      const wav = await readWavFile(speechFile(file));
      const audio = wav.channels[0]!;
      const audioS = audio.length / wav.sampleRate;
      // As fast as it goes: the real-time factor, and the words for the word error rate.
      const { transcript, totalMs, finalizeMs } = await transcribeAtFullSpeed(provider, audio, wav.sampleRate);
      const reference = speechFile(file.replace(/\.wav$/, '.txt'));
      // Fed in real time, as a microphone does: each partial's latency.
      const from = log.length;
      const live = await provider.open({ sampleRate: wav.sampleRate });
      const liveReading = drain(live);
      // Voicing onset: the first word starts there, so the first partial after it includes the recognizer's chunk wait.
      const onset = firstWindowAbove(audio, wav.sampleRate, -30);
      let fed = 0;
      let onsetFedAt: number | undefined;
      await feedInRealTime(
        async (b) => {
          live.push(b, true);
          fed += b.length;
          if (onsetFedAt === undefined && fed > onset) onsetFedAt = performance.now();
        },
        audio,
        systemClock,
        (tailMs) => tailMs >= 1000,
      );
      await live.end();
      await liveReading;
      const mine = partialLatencies(log.slice(from));
      const firstPartialAt = log.slice(from).find((e) => e.kind === 'partial' && e.at >= (onsetFedAt ?? Infinity))?.at;
      latencies.push(...mine);
      files.push({
        file,
        audioS,
        realTimeFactor: realTimeFactor(totalMs, audioS),
        finalizeMs,
        ...(existsSync(reference) && !model.standIn ? { wordErrorRate: wordErrorRate(readFileSync(reference, 'utf8'), transcript) } : {}),
        transcript: transcript.slice(0, 120),
        partials: mine.length,
        ...(firstPartialAt !== undefined && onsetFedAt !== undefined ? { firstPartialAfterOnsetMs: firstPartialAt - onsetFedAt } : {}),
      });
    }
    const firsts = files.flatMap((x) => (x.firstPartialAfterOnsetMs === undefined ? [] : [x.firstPartialAfterOnsetMs]));
    return { loadMs, files, realTimeFactor: summarize(files.map((f) => f.realTimeFactor)), partialLatencyMs: summarize(latencies), firstPartialAfterOnsetMs: firsts.length ? summarize(firsts) : null };
  } finally {
    hosts.closeAll();
  }
}

// ---------- TTS ----------

export interface TtsBench {
  loadMs: number;
  numThreads: number;
  sentences: { text: string; firstAudioMs: number; realTimeFactor: number; audioS: number }[];
  firstAudioMs: Summary;
  realTimeFactor: Summary;
}

export async function ttsBench(model: LocalModelChoice, repeats = 2): Promise<TtsBench> {
  const hosts = loggedHosts([]);
  const settings = SherpaTtsSettingsSchema.parse({ model: model.id, modelDir: model.path });
  const provider = new SherpaOnnxTts(settings, {}, { host: hosts.host('tts') });
  try {
    // Loading is not part of an answer's latency (the app loads the voice when the session starts).
    const t0 = performance.now();
    await provider.warmUp();
    const loadMs = performance.now() - t0;
    await speakTimed(provider, 'Hello.');
    const sentences: TtsBench['sentences'] = [];
    for (let r = 0; r < repeats; r++) {
      for (const text of TTS_SENTENCES) {
        const s = await speakTimed(provider, text);
        sentences.push({ text, firstAudioMs: s.firstAudioMs, realTimeFactor: realTimeFactor(s.totalMs, s.audioS), audioS: s.audioS });
      }
    }
    return { loadMs, numThreads: settings.numThreads, sentences, firstAudioMs: summarize(sentences.map((s) => s.firstAudioMs)), realTimeFactor: summarize(sentences.map((s) => s.realTimeFactor)) };
  } finally {
    hosts.closeAll();
  }
}

// ---------- offline voice-to-voice ----------

/** Recordings said as turns (each a question-length utterance). */
export const V2V_FILES = ['librivox-ss01-0880.wav', 'librivox-ss01-0890.wav', 'librivox-ss01-0870.wav'];

export interface OfflineV2vBench {
  providers: Record<string, string>;
  llm: { maxTokens: number; temperature: number; threads: number };
  turns: (OfflineTurn & { user: string; assistant: string; decision?: string })[];
  answered: number;
  voiceToVoiceMs: Summary | null;
  /** Speech end (engine's) -> end of turn decided: the turn detector's wait. */
  endOfTurnWaitMs: Summary | null;
  /** End of turn decided -> first audio handed to the sink: the three models and the engine. */
  endOfTurnToFirstAudioMs: Summary | null;
  /** p50 of each latency mark, ms after the true end of speech (for the waterfall). */
  marksP50: Record<string, number>;
  /** Also by the conversation's state at each tick: user-speaking (STT decoding), thinking (LLM until its first sentence), assistant-speaking (LLM and TTS running, audio playing). */
  audioTimerLatenessMs: { idle: Summary; offlineTurns: Summary; byState: Record<string, Summary> };
  eventLoopDelayMs: { idle: { p50: number; p99: number; max: number }; offlineTurns: { p50: number; p99: number; max: number } };
  errors: string[];
}

/**
 * Local inference processes run the compiled worker modules (as shipped; `npm run bench` builds
 * out/node first): the benchmark itself runs the engine from its sources, beside which there are no .js files.
 */
const compiledSpawner: Spawner = (o) => {
  // compiledOrSource hands a source path (.ts) when run under tsx; the compiled tree holds .js.
  const compiled = (p: string) =>
    p.startsWith(path.join(ROOT, 'electron') + path.sep) ? path.join(ROOT, 'out', 'node', path.relative(ROOT, p)).replace(/\.ts$/, '.js') : p;
  return forkSpawner({ ...o, entry: compiled(o.entry), args: o.args.map(compiled) });
};

const orNull = (values: number[]) => (values.length ? summarize(values) : null);

export async function offlineVoiceToVoice(models: Record<LocalTask, LocalModelChoice>, vad: SileroVadModel, rounds = 2): Promise<OfflineV2vBench> {
  const llm = { maxTokens: 48, temperature: 0, threads: 1 };
  const settings = defaultSettings();
  settings.architecture = 'cascade';
  settings.offlineOnly = true;
  settings.cascade = { ...settings.cascade, stt: 'sherpa-onnx', llm: 'llama-cpp', tts: 'sherpa-onnx' };
  settings.providers.stt['sherpa-onnx'] = { model: models.stt.id, modelDir: models.stt.path };
  settings.providers.llm['llama-cpp'] = { model: models.llm.id, modelPath: models.llm.path, ...llm };
  settings.providers.tts['sherpa-onnx'] = { model: models.tts.id, modelDir: models.tts.path };
  const clock = systemClock;
  const built = await createLiveSession(settings, 'cascade', { secrets: new MemorySecretStore(), env: {}, clock, vad: () => vad, sinkAt: (rate) => new ClockedSink(rate, clock), history: [], local: { spawner: compiledSpawner } });
  const session = built.session;
  if (!(session instanceof CascadeSession)) throw new Error('expected a cascade session');
  const reports: TurnLatencyReport[] = [];
  const reportTurn = new Map<TurnLatencyReport, number>();
  const texts = new Map<number, { user: string; assistant: string }>();
  const textOf = (turnId: number) => texts.get(turnId) ?? texts.set(turnId, { user: '', assistant: '' }).get(turnId)!;
  const errors: string[] = [];
  let state = 'idle';
  session.subscribe((e: EngineEvent) => {
    if (e.type === 'state') state = e.state;
    else if (e.type === 'latency') {
      reportTurn.set(e.report, e.turnId);
      reports.push(e.report);
    } else if (e.type === 'user-final') textOf(e.turnId).user = e.text;
    else if (e.type === 'assistant-done') textOf(e.turnId).assistant = e.text;
    else if (e.type === 'error') errors.push(`${e.error.code}: ${e.error.message}`);
  });
  if (process.env.BENCH_DEBUG) session.subscribe((e) => console.error(performance.now().toFixed(0), JSON.stringify(e).slice(0, 160)));
  const idle = await timerLateness(() => new Promise((r) => setTimeout(r, 3000)));
  await session.start();
  let running: Awaited<ReturnType<typeof timerLateness<number[]>>>;
  try {
    // A first turn loads the three models (the app loads them as the session starts): not counted.
    await speakTurns(session, [V2V_FILES[0]!], { tailS: 3.5 });
    reports.length = 0;
    const files = Array.from({ length: rounds }, () => V2V_FILES).flat();
    // A tail longer than the turn detector's longest wait (3 s), so each turn is decided and answered before the next.
    running = await timerLateness(() => speakTurns(session, files, { tailS: 3.5 }), () => state);
  } finally {
    await session.stop();
    built.timers.dispose();
  }
  const turns = pairTurns(running.result, reports).map((t) => {
    const text = t.report ? texts.get(reportTurn.get(t.report)!) : undefined;
    return { ...t, user: text?.user ?? '', assistant: (text?.assistant ?? '').slice(0, 120), ...(t.report?.decision ? { decision: `${t.report.decision.by} (${t.report.decision.turnClass}, waited ${Math.round(t.report.decision.delayMs)} ms)` } : {}) };
  });
  const answered = turns.filter((t) => t.voiceToVoiceMs !== undefined);
  const mark = (t: OfflineTurn, k: keyof TurnLatencyReport['spans']) => (t.report?.originAt ?? NaN) + (t.report?.spans[k] ?? NaN) - t.trueSpeechEndAt;
  const marksP50: Record<string, number> = {};
  for (const k of ['speechEnd', 'endOfTurn', 'sttFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstByte', 'firstAudioPlayed'] as const) {
    const v = answered.map((t) => mark(t, k)).filter(Number.isFinite);
    if (v.length) marksP50[k] = summarize(v).p50;
  }
  return {
    providers: built.providers,
    llm,
    turns,
    answered: answered.length,
    voiceToVoiceMs: orNull(answered.map((t) => t.voiceToVoiceMs!)),
    endOfTurnWaitMs: orNull(answered.map((t) => (t.report!.spans.endOfTurn ?? NaN) - (t.report!.spans.speechEnd ?? NaN)).filter(Number.isFinite)),
    endOfTurnToFirstAudioMs: orNull(answered.map((t) => (t.report!.spans.firstAudioPlayed ?? NaN) - (t.report!.spans.endOfTurn ?? NaN)).filter(Number.isFinite)),
    marksP50,
    audioTimerLatenessMs: { idle: summarize(idle.lateMs), offlineTurns: summarize(running.lateMs), byState: Object.fromEntries(Object.entries(running.byPhase).map(([k, v]) => [k, summarize(v)])) },
    eventLoopDelayMs: { idle: idle.loop, offlineTurns: running.loop },
    errors,
  };
}

/** Where the models came from, one line each, for the table's heading. */
export function describeModels(models: Record<LocalTask, LocalModelChoice>): string[] {
  return (['stt', 'llm', 'tts'] as const).map((t) => `${t.toUpperCase()}: ${models[t].description} [${models[t].source}: ${path.relative(process.cwd(), models[t].path) || models[t].path}]`);
}
