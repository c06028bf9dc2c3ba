// `npm run bench -- --only local [--models <dir>] [--stt-model <dir>] [--tts-model <dir>] [--gguf <file>]`:
// the embedded speech engines and offline voice-to-voice (local-speech.ts), printed as a table and
// saved as bench/results/local-speech.json, local-speech.png and local-v2v-waterfall.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SileroVadModel } from '../../electron/engine/vad/silero.js';
import { ROOT } from '../paths.js';
import { barChartSvg, waterfallSvg, writePng } from './chart.js';
import { chooseLocalModels } from './local-models.js';
import { describeModels, offlineVoiceToVoice, sttBench, ttsBench } from './local-speech.js';
import { table, type Summary } from './stats.js';

const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const f = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
const arg = (argv: string[], name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const row = (label: string, s: Summary | null, d = 1, tail = ''): string[] => [label, f(s?.p50, d), f(s?.p90, d), f(s?.p99, d), f(s?.max, d), s ? String(s.n) : '0', tail];

/** The conversation's states, as the lateness is grouped by them. */
const STATES = [
  ['user-speaking', 'of which while the user speaks (STT decoding)'],
  ['thinking', 'of which while thinking (STT final, LLM until its first sentence)'],
  ['assistant-speaking', 'of which while the assistant speaks (LLM, TTS, playback)'],
  ['listening', 'of which while listening (silence)'],
] as const;

export async function localSpeech(out: string, argv: string[]): Promise<void> {
  // The load average says how busy the machine was (other work on the same cores shows in every tail).
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}`, loadAverageAtStart: os.loadavg() };
  const models = chooseLocalModels({ sttModel: arg(argv, '--stt-model'), ttsModel: arg(argv, '--tts-model'), gguf: arg(argv, '--gguf'), modelsDir: arg(argv, '--models') });
  const standIn = { stt: models.stt.standIn, llm: models.llm.standIn, tts: models.tts.standIn };
  const anyStandIn = standIn.stt || standIn.llm || standIn.tts;
  const warning = anyStandIn
    ? `STAND-IN MODELS (${(['stt', 'llm', 'tts'] as const).filter((t) => standIn[t]).join(', ')}): generated or random-weight test models, not real ones. Their timings measure the engine, its processes and IPC around a model that does almost nothing; they say nothing about a real model's speed. Give real models with --models <dir> or --stt-model <dir> --tts-model <dir> --gguf <file>.`
    : undefined;
  for (const line of describeModels(models)) progress(`local: ${line}`);

  progress('Local STT (sherpa-onnx, its own process, 1 thread): real-time factor and partial latency on 4 recordings...');
  const stt = await sttBench(models.stt);
  progress('Local TTS (sherpa-onnx, its own process): time to first audio and real-time factor per sentence...');
  const tts = await ttsBench(models.tts);
  progress('Offline voice-to-voice: sherpa-onnx STT + llama.cpp + sherpa-onnx TTS through the real session, 6 turns in real time...');
  const vad = await SileroVadModel.load({ threads: 1 });
  const v2v = await offlineVoiceToVoice(models, vad, 2).finally(() => vad.release());

  console.log('\nLocal speech engines and offline voice-to-voice (ms unless said)');
  for (const line of describeModels(models)) console.log(`  ${line}`);
  if (warning) console.log(`\n  !!! ${warning}\n`);
  const tag = (t: 'stt' | 'llm' | 'tts') => (standIn[t] ? ' [stand-in]' : '');
  const v2vTag = anyStandIn ? ' [stand-ins]' : '';
  const wers = stt.files.flatMap((x) => (x.wordErrorRate === undefined ? [] : [x.wordErrorRate]));
  console.log(
    table(
      ['metric', 'p50', 'p90', 'p99', 'max', 'n', 'note'],
      [
        ['STT model load', f(stt.loadMs), '', '', '', '1', tag('stt')],
        row(`STT real-time factor (whole file as fast as it goes)${tag('stt')}`, stt.realTimeFactor, 4),
        row(`STT partial latency: 20 ms block fed -> its partial back${tag('stt')}`, stt.partialLatencyMs, 2, 'compute + IPC; the model\'s chunk wait comes on top'),
        row(`STT first partial after the voicing onset was fed, per recording${tag('stt')}`, stt.firstPartialAfterOnsetMs, 0, 'includes the first word and the chunk wait'),
        ['STT word error rate, mean', wers.length ? f((wers.reduce((a, b) => a + b, 0) / wers.length) * 100) + ' %' : 'n/a', '', '', '', String(wers.length), standIn.stt ? 'not measured: the stand-in says gibberish' : ''],
        ['TTS model load', f(tts.loadMs), '', '', '', '1', `${tts.numThreads} threads${tag('tts')}`],
        row(`TTS time to first audio, per sentence${tag('tts')}`, tts.firstAudioMs),
        row(`TTS real-time factor, per sentence${tag('tts')}`, tts.realTimeFactor, 4),
        row(`offline voice-to-voice: true speech end -> first audio to the sink${v2vTag}`, v2v.voiceToVoiceMs, 0, `${v2v.answered}/${v2v.turns.length} turns answered`),
        row('  of which speech end -> end of turn decided (turn detector wait)', v2v.endOfTurnWaitMs, 0),
        row(`  of which end of turn -> first audio (STT final, LLM, TTS, engine)${v2vTag}`, v2v.endOfTurnToFirstAudioMs, 0),
        row('20 ms audio timer lateness on the engine\'s event loop, idle', v2v.audioTimerLatenessMs.idle, 2),
        row(`20 ms audio timer lateness, while the offline turns run${v2vTag}`, v2v.audioTimerLatenessMs.offlineTurns, 2, 'VAD here; STT, LLM, TTS in their processes'),
        ...STATES.map(([state, label]) => row(`  ${label}`, v2v.audioTimerLatenessMs.byState[state] ?? null, 2)),
      ],
    ),
  );
  console.log(`machine load average (1 min) at start / end: ${f(machine.loadAverageAtStart[0], 2)} / ${f(os.loadavg()[0], 2)} on ${machine.cpus} cores`);
  if (v2v.errors.length) console.log(`session errors: ${v2v.errors.join(' | ')}`);

  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'local-speech.json'),
    JSON.stringify(
      {
        benchmark: 'local-speech',
        date: new Date().toISOString(),
        machine: { ...machine, loadAverageAtEnd: os.loadavg() },
        standIn,
        ...(warning ? { warning } : {}),
        models,
        definitions: {
          sttRealTimeFactor: 'processing time / audio time, a whole recording pushed as fast as it goes then finalized (worker process, IPC included)',
          sttPartialLatencyMs: 'per partial, recordings fed in real time in 20 ms blocks: the block whose decode yields the partial sent -> the partial back in the engine. Compute + IPC only: the recognizer waits for a whole chunk of audio before it can decode a word, and that wait (which needs word timings to measure) comes on top',
          sttFirstPartialAfterOnsetMs: 'per recording, fed in real time: the 20 ms block holding the voicing onset (first 10 ms at -30 dBFS or louder) sent -> the first partial after it. Includes how long the first word takes to say and the recognizer\'s chunk wait: an upper bound of what a user sees before their first word appears',
          ttsFirstAudioMs: 'per sentence, model loaded: text pushed -> first audio out of the provider',
          ttsRealTimeFactor: 'per sentence: time to synthesize it all / length of its audio',
          voiceToVoiceMs: 'per turn, recordings played in real time into the session createLiveSession builds with sherpa-onnx STT, llama.cpp and sherpa-onnx TTS (Silero VAD, semantic end of turn without Smart Turn, a clocked sink): clock time the last voiced sample was pushed -> first audio handed to the sink. The first turn (loading the models) is not counted',
          audioTimerLatenessMs: 'lateness of each tick of a 20 ms interval timer on the engine process\'s event loop (where the audio path runs), idle and while the offline turns run',
        },
        stt,
        tts,
        voiceToVoice: v2v,
      },
      null,
      2,
    ) + '\n',
  );
  const title = (what: string) => (anyStandIn ? `${what}: STAND-IN MODELS` : what);
  await writePng(
    barChartSvg(title('Local speech, offline voice-to-voice, p50 ms'), 'ms', [
      { label: 'STT partial latency', value: stt.partialLatencyMs.p50 },
      { label: 'TTS first audio / sentence', value: tts.firstAudioMs.p50 },
      { label: 'offline voice-to-voice', value: v2v.voiceToVoiceMs?.p50 ?? 0 },
      { label: '  turn detector wait', value: v2v.endOfTurnWaitMs?.p50 ?? 0 },
      { label: '  end of turn -> audio', value: v2v.endOfTurnToFirstAudioMs?.p50 ?? 0 },
      { label: 'timer lateness p99, idle', value: v2v.audioTimerLatenessMs.idle.p99 },
      { label: 'timer lateness p99, offline', value: v2v.audioTimerLatenessMs.offlineTurns.p99 },
    ], anyStandIn ? 'stand-in models: the engine, its processes and IPC around models that do almost nothing; not real models\' figures' : 'real models, this machine'),
    path.join(out, 'local-speech.png'),
  );
  const labels: Record<string, string> = { speechEnd: 'speech end (VAD)', endOfTurn: 'end of turn decided', sttFinal: 'STT final (sherpa-onnx)', llmFirstToken: 'LLM first token (llama.cpp)', firstSentence: 'first sentence', ttsFirstByte: 'TTS first audio (sherpa-onnx)', firstAudioPlayed: 'first audio to the sink' };
  await writePng(
    waterfallSvg(
      title('Offline voice-to-voice, p50 of each mark'),
      Object.entries(v2v.marksP50).map(([k, ms]) => ({ label: labels[k] ?? k, startMs: 0, endMs: Math.max(0, ms) })),
      anyStandIn ? 'ms after the true end of speech; stand-in models: says nothing about real ones' : 'ms after the true end of speech',
    ),
    path.join(out, 'local-v2v-waterfall.png'),
  );
  progress(`wrote ${path.relative(ROOT, out)}/local-speech.json, local-speech.png and local-v2v-waterfall.png`);
}
