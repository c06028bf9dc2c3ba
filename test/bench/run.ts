// npm run bench: foundation benchmarks (VAD and resampler), printed as tables and saved as JSON and
// PNG charts under bench/results/. Compare numbers from one run on one machine, not across machines.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Resampler } from '../../electron/engine/audio/resampler.js';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import { SILERO_FRAME_MS, SileroVadModel } from '../../electron/engine/vad/silero.js';
import { ROOT, speechFile } from '../paths.js';
import { whiteNoise } from '../helpers/signals.js';
import { barChartSvg, writePng } from './chart.js';
import { summarize, table } from './stats.js';

const OUT = path.join(ROOT, 'bench', 'results');
const TARGET_FRAME_MS = 0.5;
const TARGET_COLD_START_MS = 300;
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

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

const vad = await vadFrames();
const create = await sessionCreate();
const cold = coldStart();
const resampler = resamplerThroughput();

const f = (v: number, d = 3) => v.toFixed(d);
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

mkdirSync(OUT, { recursive: true });
const result = {
  benchmark: 'foundation',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${process.platform}-${process.arch}` },
  vad: { ...vad, sessionCreateMs: create, coldStart: cold, targets: { frameMs: TARGET_FRAME_MS, coldStartMs: TARGET_COLD_START_MS } },
  resampler,
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
