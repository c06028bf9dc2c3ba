// npm run bench: foundation benchmarks (VAD and resampler), printed as tables and saved as JSON and
// PNG charts under bench/results/. Compare numbers from one run on one machine, not across machines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Resampler } from '../../electron/engine/audio/resampler.js';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import type { TurnLatencyReport } from '../../electron/engine/metrics/latency.js';
import { SILERO_FRAME_MS, SileroVadModel } from '../../electron/engine/vad/silero.js';
import { ROOT, speechFile } from '../paths.js';
import { whiteNoise } from '../helpers/signals.js';
import { bargeInReaction, measureTurns, overheadStats } from './cascade.js';
import { measureDesktopTurns } from './desktop.js';
import { codecPerFrame, moshiClientOverhead, toggleTime } from './s2s.js';
import { barChartSvg, waterfallSvg, writePng } from './chart.js';
import { summarize, table } from './stats.js';
import { appStartToListening, cliStart } from './startup.js';
import { smartTurnPerCall } from './turn.js';
import { TINY_GGUF, localLlmBench } from './local-llm.js';
import { localSpeech } from './local-speech-section.js';

const OUT = path.join(ROOT, 'bench', 'results');
const TARGET_FRAME_MS = 0.5;
const TARGET_COLD_START_MS = 300;
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const f = (v: number, d = 3) => v.toFixed(d);

async function vadFrames() {
  progress('Silero: per-frame latency on 60 s of speech (1 thread)...');
  const model = await SileroVadModel.load({ threads: 1 });
  const wav = await readWavFile(speechFile('silero-test-60s.wav'));
  const samples = wav.channels[0]!;
  const frames = Math.floor(samples.length / 512);
  // Warm up (first runs allocate), then measure two passes.
  for (let i = 0; i < 50; i++) await model.process(samples.subarray(i * 512, i * 512 + 512));
  const times: number[] = [];
  const started = performance.now();
  for (let pass = 0; pass < 2; pass++) {
    model.reset();
    for (let i = 0; i < frames; i++) {
      const t = performance.now();
      await model.process(samples.subarray(i * 512, i * 512 + 512));
      times.push(performance.now() - t);
    }
  }
  const wall = performance.now() - started;
  await model.release();
  return { frameMs: summarize(times), realTimeFactor: wall / (2 * frames * SILERO_FRAME_MS), frames: times.length };
}

async function sessionCreate() {
  progress('Silero: session create time (10 loads)...');
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const m = await SileroVadModel.load();
    times.push(m.onnx.createMs);
    await m.release();
  }
  return summarize(times);
}

function coldStart() {
  progress('Engine cold start in fresh processes (5 runs)...');
  const silero = pathToFileURL(path.join(ROOT, 'out', 'node', 'electron', 'engine', 'vad', 'silero.js')).href;
  const script = `
    const t0 = performance.now();
    const { SileroVadModel } = await import(${JSON.stringify(silero)});
    const model = await SileroVadModel.load();
    await model.process(new Float32Array(512));
    const t = performance.now();
    process.stdout.write(JSON.stringify({ sinceProcessStartMs: t, sinceEngineImportMs: t - t0, rssMb: process.memoryUsage().rss / 2 ** 20 }));`;
  const runs = Array.from({ length: 5 }, () => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })));
  return {
    sinceProcessStartMs: summarize(runs.map((r) => r.sinceProcessStartMs)),
    sinceEngineImportMs: summarize(runs.map((r) => r.sinceEngineImportMs)),
    rssMb: summarize(runs.map((r) => r.rssMb)),
  };
}

function resamplerThroughput() {
  progress('Resampler throughput...');
  const pairs: [number, number][] = [
    [48000, 16000],
    [44100, 16000],
    [22050, 16000],
    [8000, 16000],
    [16000, 24000],
    [48000, 24000],
  ];
  return pairs.map(([from, to]) => {
    const input = whiteNoise(from, 10, 0.5);
    const r = new Resampler({ inputRate: from, outputRate: to });
    // Stream it in 20 ms blocks, as a microphone would deliver it.
    const block = Math.round(from * 0.02);
    const t = performance.now();
    for (let i = 0; i < input.length; i += block) r.process(input.subarray(i, i + block));
    r.flush();
    const ms = performance.now() - t;
    return { from, to, msPerSecondOfAudio: ms / 10, timesRealTime: 10_000 / ms };
  });
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const runFoundation = only === undefined || only === 'foundation';
const runCascade = only === undefined || only === 'cascade';
const runDesktop = only === undefined || only === 'desktop';
const runS2s = only === undefined || only === 's2s';
const runStartup = only === undefined || only === 'startup';
const runLocalLlm = only === undefined || only === 'llm';
const runLocalSpeech = only === undefined || only === 'local';
/** --gguf <file>: the model the local LLM benchmark runs (default: the tiny random-weight test model). */
const ggufArg = process.argv.includes('--gguf') ? process.argv[process.argv.indexOf('--gguf') + 1] : undefined;
if (runFoundation) await foundation();

async function foundation() {
const vad = await vadFrames();
const create = await sessionCreate();
const cold = coldStart();
const resampler = resamplerThroughput();
progress('Smart Turn: log-mel features and one runner call (stand-in model), 40 calls on 8 s windows...');
const smartTurn = await smartTurnPerCall();

console.log('\nSilero VAD v6.2, onnxruntime CPU, 1 thread, 32 ms frames');
console.log(
  table(
    ['metric', 'value', 'target'],
    [
      ['frame latency mean (ms)', f(vad.frameMs.mean), `< ${TARGET_FRAME_MS}`],
      ['frame latency p50 (ms)', f(vad.frameMs.p50), ''],
      ['frame latency p99 (ms)', f(vad.frameMs.p99), ''],
      ['real-time factor', f(vad.realTimeFactor, 4), ''],
      ['session create p50 (ms)', f(create.p50, 1), ''],
      ['engine cold start: import -> first frame scored, p50 (ms)', f(cold.sinceEngineImportMs.p50, 1), `< ${TARGET_COLD_START_MS}`],
      ['same, counted from Node process start, p50 (ms)', f(cold.sinceProcessStartMs.p50, 1), ''],
      ['resident memory with VAD loaded (MB)', f(cold.rssMb.p50, 1), ''],
    ],
  ),
);
console.log('\nResampler (streamed in 20 ms blocks)');
console.log(
  table(
    ['rates', 'ms per s of audio', 'x real time'],
    resampler.map((r) => [`${r.from} -> ${r.to}`, f(r.msPerSecondOfAudio), f(r.timesRealTime, 0)]),
  ),
);
console.log('\nSmart Turn per call on 8 s of speech (stand-in model: its inference time is not the real model\'s)');
console.log(
  table(
    ['metric', 'p50', 'p99'],
    [
      ['Whisper log-mel features [80 x 800] (ms)', f(smartTurn.featuresMs.p50, 2), f(smartTurn.featuresMs.p99, 2)],
      ['SmartTurnDetector.predict, features + stand-in inference (ms)', f(smartTurn.callMs.p50, 2), f(smartTurn.callMs.p99, 2)],
    ],
  ),
);

mkdirSync(OUT, { recursive: true });
const result = {
  benchmark: 'foundation',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` },
  vad: { ...vad, sessionCreateMs: create, coldStart: cold, targets: { frameMs: TARGET_FRAME_MS, coldStartMs: TARGET_COLD_START_MS } },
  resampler,
  smartTurn,
};
writeFileSync(path.join(OUT, 'foundation.json'), JSON.stringify(result, null, 2) + '\n');
await writePng(
  barChartSvg('Silero VAD latency (ms, 1 CPU thread)', 'ms', [
    { label: 'frame mean', value: vad.frameMs.mean, target: TARGET_FRAME_MS },
    { label: 'frame p50', value: vad.frameMs.p50, target: TARGET_FRAME_MS },
    { label: 'frame p99', value: vad.frameMs.p99, target: TARGET_FRAME_MS },
  ]),
  path.join(OUT, 'vad-frame-latency.png'),
);
await writePng(
  barChartSvg('Engine start (ms)', 'ms', [
    { label: 'session create p50', value: create.p50 },
    { label: 'cold start (engine import)', value: cold.sinceEngineImportMs.p50, target: TARGET_COLD_START_MS },
    { label: 'cold start (process start)', value: cold.sinceProcessStartMs.p50 },
  ]),
  path.join(OUT, 'engine-start.png'),
);
await writePng(
  barChartSvg('Resampler speed (x real time, 20 ms blocks)', 'x', resampler.map((r) => ({ label: `${r.from} -> ${r.to} Hz`, value: r.timesRealTime }))),
  path.join(OUT, 'resampler-throughput.png'),
);
progress(`wrote ${path.relative(ROOT, OUT)}/foundation.json and 3 PNG charts`);
}

if (runCascade) await cascade();

async function cascade() {
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` };
// ---------- cascade ----------
const TARGETS = { overheadMs: 10, v2vOverheadMs: 20, bargeInP95Ms: 100 };
const benchVad = await SileroVadModel.load();
progress('Cascade: zero-latency fake providers (6 spoken turns, real time)...');
const zero = overheadStats(await measureTurns(benchVad, { sttFinalDelayMs: 0, llmFirstTokenMs: 0, ttsFirstByteMs: 0 }, 6));
progress('Cascade: STT final 300 ms, LLM first token 350 ms, TTS first byte 150 ms (6 turns)...');
const realistic = await measureTurns(benchVad, { sttFinalDelayMs: 0, llmFirstTokenMs: 350, ttsFirstByteMs: 150 }, 6);
const real = overheadStats(realistic);
progress('Barge-in reaction with real Silero on real speech (32 onsets)...');
const barge = await bargeInReaction(benchVad);
await benchVad.release();

console.log('\nCascade engine overhead, zero-latency fake providers (ms)');
console.log(
  table(
    ['path', 'p50', 'p90', 'max', 'target'],
    [
      ['TTS first byte -> audio handed to the sink', f(zero.ttsFirstByteToSink.p50), f(zero.ttsFirstByteToSink.p90), f(zero.ttsFirstByteToSink.max), `< ${TARGETS.overheadMs}`],
      ['end of turn -> LLM request at server (< 0: prepared early)', f(zero.endOfTurnToLlmRequest.p50), f(zero.endOfTurnToLlmRequest.p90), f(zero.endOfTurnToLlmRequest.max), ''],
      ['first sentence -> TTS request at server', f(zero.firstSentenceToTtsRequest.p50), f(zero.firstSentenceToTtsRequest.p90), f(zero.firstSentenceToTtsRequest.max), ''],
    ],
  ),
);
// The fake STT's final arrives when its own endpointer fires (about 300 ms after the speech
// ends); from then on the fakes add LLM 350 + TTS 150 ms. What is left is the engine's.
const PROVIDER_AFTER_STT = 350 + 150;
const engineOverhead = real.sttFinalToFirstAudio.p50 - PROVIDER_AFTER_STT;
console.log(`\nVoice-to-voice with fake latencies: STT final ~300 ms after speech, LLM first token 350, TTS first byte 150 (ms)`);
console.log(
  table(
    ['metric', 'p50', 'p90', 'max', 'target'],
    [
      ['voice-to-voice (true speech end -> first audio)', f(real.voiceToVoice.p50, 1), f(real.voiceToVoice.p90, 1), f(real.voiceToVoice.max, 1), ''],
      ['STT final, after the true speech end', f(real.sttFinalAfterSpeechEnd.p50, 1), f(real.sttFinalAfterSpeechEnd.p90, 1), f(real.sttFinalAfterSpeechEnd.max, 1), ''],
      ['voice-to-voice minus the stage sum (STT + 350 + 150)', f(real.voiceToVoice.p50 - real.sttFinalAfterSpeechEnd.p50 - PROVIDER_AFTER_STT, 1), '', '', `< ${TARGETS.v2vOverheadMs}`],
      ['STT final -> first audio, minus LLM + TTS latency', f(engineOverhead, 1), f(real.sttFinalToFirstAudio.p90 - PROVIDER_AFTER_STT, 1), f(real.sttFinalToFirstAudio.max - PROVIDER_AFTER_STT, 1), `< ${TARGETS.v2vOverheadMs}`],
      ['STT final -> end of turn decided', f(real.sttFinalToEndOfTurn.p50, 1), f(real.sttFinalToEndOfTurn.p90, 1), f(real.sttFinalToEndOfTurn.max, 1), ''],
      ['speech end (last voiced frame) -> end of turn decided', f(real.speechEndToEndOfTurn.p50, 1), f(real.speechEndToEndOfTurn.p90, 1), f(real.speechEndToEndOfTurn.max, 1), '<= 300'],
      ['replies prepared before the end of turn and used', `${realistic.filter((t) => t.report.decision?.preempted).length} of ${realistic.length}`, '', '', ''],
    ],
  ),
);
console.log('\nBarge-in: user speech onset -> playback paused (real Silero, 32 ms frames, echo 30 dB down)');
console.log(
  table(
    ['metric', 'value', 'target'],
    [
      ['from voicing (first 10 ms above -30 dBFS): p50 (ms)', f(barge.fromVoicingMs.p50, 1), ''],
      ['from voicing: p95 (ms)', f(barge.fromVoicingMs.p95, 1), `< ${TARGETS.bargeInP95Ms}`],
      ['from the first sound (above -40 dBFS, breath included): p50 (ms)', f(barge.reactionMs.p50, 1), ''],
      ['from the first sound: p95 (ms)', f(barge.reactionMs.p95, 1), ''],
      ['onsets missed / false triggers', `${barge.misses} / ${barge.falseTriggers}`, '0 / 0'],
    ],
  ),
);
const lastTurn = realistic.at(-1)!.report;
const rowsFrom = (spans: TurnLatencyReport['spans']) => {
  const order = ['endOfTurn', 'sttFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstByte', 'firstAudioPlayed'] as const;
  let prev = 0;
  return order.filter((k) => spans[k] !== undefined).map((k) => {
    const row = { label: k, startMs: Math.max(0, Math.min(prev, spans[k]!)), endMs: Math.max(0, spans[k]!) };
    prev = Math.max(prev, spans[k]!);
    return row;
  });
};
await writePng(waterfallSvg('One cascade turn: STT 300 / LLM 350 / TTS 150 ms fakes', rowsFrom(lastTurn.spans)), path.join(OUT, 'cascade-waterfall.png'));
writeFileSync(
  path.join(OUT, 'cascade.json'),
  JSON.stringify({ benchmark: 'cascade', date: new Date().toISOString(), machine, targets: TARGETS, zeroLatency: zero, withLatency: { providerLatencyAfterSttMs: PROVIDER_AFTER_STT, ...real, engineOverheadP50Ms: engineOverhead }, bargeIn: barge, exampleTurn: lastTurn }, null, 2) + '\n',
);
progress(`wrote ${path.relative(ROOT, OUT)}/cascade.json and cascade-waterfall.png`);
}

if (runDesktop) await desktop();

async function desktop() {
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` };
const TARGET_TRANSPORT_MS = 10;
const benchVad = await SileroVadModel.load();
const LAT = { sttFinalDelayMs: 0, llmFirstTokenMs: 350, ttsFirstByteMs: 150 };
progress('Desktop path: zero-latency fakes through ConversationHost + the serve WebSocket (6 turns)...');
const zero = overheadStats((await measureDesktopTurns(benchVad, { sttFinalDelayMs: 0, llmFirstTokenMs: 0, ttsFirstByteMs: 0 }, 6)).turns);
progress('Desktop path: LLM 350 / TTS 150 ms fakes (6 turns)...');
const app = overheadStats((await measureDesktopTurns(benchVad, LAT, 6)).turns);
progress('In-process path (CLI / tests), same fakes, same run (6 turns)...');
const inProcess = overheadStats(await measureTurns(benchVad, LAT, 6));
await benchVad.release();
const PROVIDER_AFTER_STT = LAT.llmFirstTokenMs + LAT.ttsFirstByteMs;
const overhead = (o: typeof app) => o.sttFinalToFirstAudio.p50 - PROVIDER_AFTER_STT;

console.log('\nDesktop path: what the app adds between the engine and the speaker (ms)');
console.log(
  table(
    ['metric', 'p50', 'p90', 'max', 'target'],
    [
      ['TTS first byte -> UI player reports it playing (zero-latency fakes)', f(zero.ttsFirstByteToSink.p50), f(zero.ttsFirstByteToSink.p90), f(zero.ttsFirstByteToSink.max), `< ${TARGET_TRANSPORT_MS}`],
      ['same, with LLM 350 / TTS 150 fakes', f(app.ttsFirstByteToSink.p50), f(app.ttsFirstByteToSink.p90), f(app.ttsFirstByteToSink.max), `< ${TARGET_TRANSPORT_MS}`],
      ['same, in-process sink (CLI path), same run', f(inProcess.ttsFirstByteToSink.p50), f(inProcess.ttsFirstByteToSink.p90), f(inProcess.ttsFirstByteToSink.max), ''],
      ['voice-to-voice, desktop path', f(app.voiceToVoice.p50, 1), f(app.voiceToVoice.p90, 1), f(app.voiceToVoice.max, 1), ''],
      ['voice-to-voice, in-process path', f(inProcess.voiceToVoice.p50, 1), f(inProcess.voiceToVoice.p90, 1), f(inProcess.voiceToVoice.max, 1), ''],
      ['STT final -> first audio minus LLM + TTS, desktop', f(overhead(app), 1), '', '', '< 20'],
      ['STT final -> first audio minus LLM + TTS, in-process', f(overhead(inProcess), 1), '', '', '< 20'],
    ],
  ),
);
writeFileSync(
  path.join(OUT, 'desktop.json'),
  JSON.stringify({ benchmark: 'desktop', date: new Date().toISOString(), machine, providerLatency: LAT, targets: { transportMs: TARGET_TRANSPORT_MS }, desktopZeroLatency: zero, desktop: { ...app, engineOverheadP50Ms: overhead(app) }, inProcess: { ...inProcess, engineOverheadP50Ms: overhead(inProcess) } }, null, 2) + '\n',
);
await writePng(
  barChartSvg('Desktop path vs in-process, p50 (ms)', 'ms', [
    { label: 'TTS byte -> playing, desktop', value: app.ttsFirstByteToSink.p50, target: TARGET_TRANSPORT_MS },
    { label: 'TTS byte -> playing, in-process', value: inProcess.ttsFirstByteToSink.p50, target: TARGET_TRANSPORT_MS },
    { label: 'engine overhead, desktop', value: overhead(app), target: 20 },
    { label: 'engine overhead, in-process', value: overhead(inProcess), target: 20 },
  ]),
  path.join(OUT, 'desktop-path.png'),
);
progress(`wrote ${path.relative(ROOT, OUT)}/desktop.json and desktop-path.png`);
}

if (runS2s) await speechToSpeech();

async function speechToSpeech() {
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` };
const TARGETS = { codecMs: 2, clientMs: 10, toggleMs: 1000 };
progress('Speech-to-speech: Ogg/Opus codec, 30 s of speech in 80 ms frames...');
const codec = await codecPerFrame();
const benchVad = await SileroVadModel.load();
progress('Speech-to-speech: Moshi client against the fake server (4 answers, real time)...');
const client = await moshiClientOverhead(benchVad, 4);
progress('Speech-to-speech: architecture toggle in the app host (6 switches each way)...');
const toggle = await toggleTime(benchVad, 6);
await benchVad.release();
console.log('\nSpeech-to-speech (ms)');
console.log(
  table(
    ['metric', 'p50', 'p99 / max', 'target'],
    [
      ['Ogg/Opus encode, per 80 ms frame (24 kHz mono, 32 kbit/s)', f(codec.encodeMs.p50, 3), f(codec.encodeMs.p99, 3), `< ${TARGETS.codecMs}`],
      ['Ogg/Opus decode, per 80 ms frame', f(codec.decodeMs.p50, 3), f(codec.decodeMs.p99, 3), `< ${TARGETS.codecMs}`],
      ['Moshi client uplink: 20 ms of mic pushed -> message at the server', f(client.uplinkMs.p50, 2), f(client.uplinkMs.max, 2), ''],
      ['Moshi client downlink: server sends answer frame -> audio handed to the sink', f(client.downlinkMs.p50, 2), f(client.downlinkMs.max, 2), `< ${TARGETS.clientMs}`],
      ['voice-to-voice against the fake (it answers after 400 ms of silence)', f(client.voiceToVoiceMs.p50, 1), f(client.voiceToVoiceMs.max, 1), ''],
      ['toggle cascade -> speech-to-speech (stop + start + handshake)', f(toggle.toSpeechToSpeechMs.p50, 1), f(toggle.toSpeechToSpeechMs.max, 1), `< ${TARGETS.toggleMs}`],
      ['toggle speech-to-speech -> cascade', f(toggle.toCascadeMs.p50, 1), f(toggle.toCascadeMs.max, 1), `< ${TARGETS.toggleMs}`],
    ],
  ),
);
console.log(`codec: ${f(codec.kbps, 1)} kbit/s with Ogg overhead; first frame (headers, warm-up) ${f(codec.firstEncodeMs, 2)} ms`);
writeFileSync(path.join(OUT, 's2s.json'), JSON.stringify({ benchmark: 's2s', date: new Date().toISOString(), machine, targets: TARGETS, codec, moshiClient: client, toggle }, null, 2) + '\n');
await writePng(
  barChartSvg('Speech-to-speech, p50 (ms)', 'ms', [
    { label: 'Opus encode / 80 ms', value: codec.encodeMs.p50, target: TARGETS.codecMs },
    { label: 'Opus decode / 80 ms', value: codec.decodeMs.p50, target: TARGETS.codecMs },
    { label: 'Moshi client uplink', value: client.uplinkMs.p50, target: TARGETS.clientMs },
    { label: 'Moshi client downlink', value: client.downlinkMs.p50, target: TARGETS.clientMs },
  ]),
  path.join(OUT, 's2s.png'),
);
progress(`wrote ${path.relative(ROOT, OUT)}/s2s.json and s2s.png`);
}

if (runStartup) await startup();

async function startup() {
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` };
const TARGETS = { versionRatio: 1.5 };
const RUNS = 15;
progress(`Start-up: parley --version, --help and a bare node -e 0, ${RUNS} fresh processes each...`);
const cli = cliStart(RUNS);
progress('Start-up: app engine from process start to listening, local fake providers (5 fresh processes)...');
const app = await appStartToListening(5);
console.log(`\nStart-up, fresh processes (ms, p50 of ${RUNS} runs; ratio = p50 / p50 of a bare node)`);
console.log(
  table(
    ['metric', 'p50', 'max', 'ratio to node -e 0', 'target'],
    [
      ['node -e 0', f(cli.bareNodeMs.p50, 1), f(cli.bareNodeMs.max, 1), '1.00', ''],
      ['parley --version', f(cli.versionMs.p50, 1), f(cli.versionMs.max, 1), f(cli.versionRatio, 2), `< ${TARGETS.versionRatio}`],
      ['parley --help (usage texts name the registry\'s providers)', f(cli.helpMs.p50, 1), f(cli.helpMs.max, 1), f(cli.helpRatio, 2), ''],
      ['app: process start -> engine modules imported', f(app.importMs.p50, 1), f(app.importMs.max, 1), '', ''],
      ['app: process start -> VAD model loaded', f(app.vadLoadedMs.p50, 1), f(app.vadLoadedMs.max, 1), '', ''],
      ['app: process start -> listening (cascade running, fake STT connected)', f(app.toListeningMs.p50, 1), f(app.toListeningMs.max, 1), '', ''],
    ],
  ),
);
mkdirSync(OUT, { recursive: true });
writeFileSync(path.join(OUT, 'startup.json'), JSON.stringify({ benchmark: 'startup', date: new Date().toISOString(), machine, targets: TARGETS, cli, app }, null, 2) + '\n');
await writePng(
  barChartSvg('Start-up, p50 (ms, fresh processes)', 'ms', [
    { label: 'node -e 0', value: cli.bareNodeMs.p50 },
    { label: 'parley --version', value: cli.versionMs.p50, target: cli.bareNodeMs.p50 * TARGETS.versionRatio },
    { label: 'parley --help', value: cli.helpMs.p50 },
    { label: 'app start -> listening', value: app.toListeningMs.p50 },
  ]),
  path.join(OUT, 'startup.png'),
);
progress(`wrote ${path.relative(ROOT, OUT)}/startup.json and startup.png`);
}

if (runLocalLlm) await localLlm();

async function localLlm() {
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` };
const gguf = ggufArg ?? TINY_GGUF;
const tiny = path.resolve(gguf) === path.resolve(TINY_GGUF);
progress(`Local LLM (llama.cpp in its own process): ${path.basename(gguf)}, 1 thread, temperature 0...`);
const r = await localLlmBench({ gguf, threads: 1, runs: 12 });
const note = tiny ? ' (tiny random-weight test model: ~1 M parameters, says nothing about a real model)' : '';
console.log(`\nLocal LLM: ${path.basename(gguf)}${note}`);
console.log(
  table(
    ['metric', 'p50', 'p90 / p99', 'max'],
    [
      ['cold start: process + model load -> first token (ms)', f(r.coldFirstTokenMs, 1), '', ''],
      ['time to first token, model loaded (ms)', f(r.firstTokenMs.p50, 1), f(r.firstTokenMs.p90, 1), f(r.firstTokenMs.max, 1)],
      ['tokens per second', f(r.tokensPerSecond.p50, 1), f(r.tokensPerSecond.p90, 1), f(r.tokensPerSecond.max, 1)],
      ['20 ms audio timer lateness, idle (ms)', f(r.audioTimerLatenessMs.idle.p50, 2), f(r.audioTimerLatenessMs.idle.p99, 2), f(r.audioTimerLatenessMs.idle.max, 2)],
      ['20 ms audio timer lateness, LLM in its own process (ms)', f(r.audioTimerLatenessMs.childProcess.p50, 2), f(r.audioTimerLatenessMs.childProcess.p99, 2), f(r.audioTimerLatenessMs.childProcess.max, 2)],
      ['20 ms audio timer lateness, LLM in the engine process (ms)', f(r.audioTimerLatenessMs.inProcess.p50, 2), f(r.audioTimerLatenessMs.inProcess.p99, 2), f(r.audioTimerLatenessMs.inProcess.max, 2)],
      ['event-loop delay while generating, own process (ms)', f(r.eventLoopDelayMs.childProcess.p50, 2), f(r.eventLoopDelayMs.childProcess.p99, 2), f(r.eventLoopDelayMs.childProcess.max, 2)],
      ['event-loop delay while generating, in the engine (ms)', f(r.eventLoopDelayMs.inProcess.p50, 2), f(r.eventLoopDelayMs.inProcess.p99, 2), f(r.eventLoopDelayMs.inProcess.max, 2)],
    ],
  ),
);
writeFileSync(path.join(OUT, 'local-llm.json'), JSON.stringify({ benchmark: 'local-llm', date: new Date().toISOString(), machine, model: { file: path.basename(gguf), tinyRandomWeights: tiny }, ...r }, null, 2) + '\n');
await writePng(
  barChartSvg(`Audio timer lateness p99 while ${path.basename(gguf)} generates (ms)`, 'ms', [
    { label: 'idle', value: r.audioTimerLatenessMs.idle.p99 },
    { label: 'LLM in its own process', value: r.audioTimerLatenessMs.childProcess.p99 },
    { label: 'LLM in the engine process', value: r.audioTimerLatenessMs.inProcess.p99 },
  ]),
  path.join(OUT, 'local-llm-jitter.png'),
);
progress(`wrote ${path.relative(ROOT, OUT)}/local-llm.json and local-llm-jitter.png`);
}

if (runLocalSpeech) await localSpeech(OUT, process.argv.slice(2));
