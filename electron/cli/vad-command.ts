import path from 'node:path';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { monoBlocks, openWavStream } from '../engine/audio/wav-stream.js';
import { systemClock } from '../engine/clock.js';
import { ParleyError } from '../engine/errors.js';
import { DEFAULT_ENDPOINTER } from '../engine/vad/endpointer.js';
import { cudaProviderInstalled, type OnnxDevice } from '../engine/onnx/session.js';
import { detectSpeechInBlocks } from '../engine/vad/segments.js';
import { SileroVadModel } from '../engine/vad/silero.js';
import { EXIT_OK, type CliIo } from './io.js';
import { checkOptions, parseCommandArgs } from './options.js';
import { VAD_USAGE } from './usage.js';

// The endpointer needs 0 < p < 1: at 0 everything is speech, at 1 nothing ever is.
const probability = z.coerce.number().gt(0).lt(1);
const milliseconds = z.coerce.number().min(0).max(600_000);
const OptionsSchema = z.object({
  json: z.boolean().default(false),
  threshold: probability.optional(),
  'neg-threshold': probability.optional(),
  'min-speech-ms': milliseconds.optional(),
  'min-silence-ms': milliseconds.optional(),
  device: z.enum(['auto', 'cpu', 'cuda', 'coreml', 'dml']).default('cpu'),
  threads: z.coerce.number().int().min(1).max(64).default(1),
  model: z.string().min(1).optional(),
});

const EXPECTS: Record<string, string> = {
  threshold: 'a probability above 0 and below 1, e.g. 0.5',
  'neg-threshold': 'a probability above 0 and below 1, e.g. 0.35',
  'min-speech-ms': 'a number of milliseconds from 0 to 600000',
  'min-silence-ms': 'a number of milliseconds from 0 to 600000',
  device: 'one of auto, cpu, cuda, coreml, dml',
  threads: 'a whole number from 1 to 64',
  model: 'the path of an .onnx file',
};

export async function vadCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs('vad', {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      threshold: { type: 'string' },
      'neg-threshold': { type: 'string' },
      'min-speech-ms': { type: 'string' },
      'min-silence-ms': { type: 'string' },
      device: { type: 'string' },
      threads: { type: 'string' },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (parsed.values.help) {
    io.stdout(VAD_USAGE);
    return EXIT_OK;
  }
  const file = parsed.positionals[0];
  if (!file) throw new ParleyError('cli/usage', 'vad needs a WAV file: parley vad <file.wav>');
  if (parsed.positionals.length > 1) throw new ParleyError('cli/usage', `vad takes one file, got ${parsed.positionals.length}`);
  const o = checkOptions(OptionsSchema, parsed.values, EXPECTS);
  if (o['neg-threshold'] !== undefined && o['neg-threshold'] > (o.threshold ?? DEFAULT_ENDPOINTER.activationThreshold)) {
    throw new ParleyError('cli/usage', '--neg-threshold must not be above --threshold');
  }

  // Streamed a chunk at a time: a recording of any length fits in memory.
  const audio = await openWavStream(file);
  let model: SileroVadModel;
  try {
    model = await loadModel(o.device, o.threads, o.model, io);
  } catch (e) {
    await audio.close();
    throw e;
  }
  try {
    const blocks = monoBlocks(audio.chunks(), audio.sampleRate, audio.sampleRate, audio.sampleRate); // 1 s blocks
    const result = await detectSpeechInBlocks(blocks, audio.sampleRate, model, {
      clock: systemClock,
      activationThreshold: o.threshold,
      deactivationThreshold: o['neg-threshold'],
      minSpeechMs: o['min-speech-ms'],
      minSilenceMs: o['min-silence-ms'],
    });
    const seconds = (ms: number) => Math.round(ms) / 1000;
    if (o.json) {
      const report = {
        file: path.resolve(file),
        durationS: seconds(result.durationMs),
        sampleRate: audio.sampleRate,
        channels: audio.channelCount,
        encoding: audio.encoding,
        segments: result.segments.map((s) => ({ start: seconds(s.startMs), end: seconds(s.endMs) })),
        speechS: seconds(result.speechMs),
        misfires: result.misfires,
        provider: model.provider,
        processingMs: Math.round(result.processingMs * 10) / 10,
        realTimeFactor: Number(result.realTimeFactor.toFixed(5)),
      };
      io.stdout(JSON.stringify(report) + '\n');
      return EXIT_OK;
    }
    const lines = [
      `${path.basename(file)}: ${seconds(result.durationMs).toFixed(2)} s, ${audio.sampleRate} Hz, ${audio.channelCount} ch, ${audio.encoding}`,
    ];
    if (result.segments.length > 0) {
      lines.push('    #     start       end  duration');
      result.segments.forEach((s, i) => {
        const cells = [s.startMs, s.endMs, s.endMs - s.startMs].map((ms) => (ms / 1000).toFixed(3).padStart(10));
        lines.push(`${String(i + 1).padStart(5)}${cells.join('')}`);
      });
    }
    const share = result.durationMs > 0 ? Math.round((100 * result.speechMs) / result.durationMs) : 0;
    lines.push(
      `${result.segments.length} segment${result.segments.length === 1 ? '' : 's'}, ${(result.speechMs / 1000).toFixed(2)} s of speech (${share}%)` +
        (result.misfires ? `, ${result.misfires} short burst${result.misfires === 1 ? '' : 's'} ignored` : '') +
        `; processed in ${Math.round(result.processingMs)} ms (real-time factor ${result.realTimeFactor.toFixed(4)}) on ${model.provider}`,
    );
    io.stdout(lines.join('\n') + '\n');
    return EXIT_OK;
  } finally {
    await audio.close();
    await model.release();
  }
}

/**
 * Loads Silero on the requested device. When that device cannot be used the model runs on the CPU
 * and one line says why (onnxruntime's own native error text is kept off the terminal).
 */
async function loadModel(device: OnnxDevice, threads: number, modelPath: string | undefined, io: CliIo): Promise<SileroVadModel> {
  const load = (d: OnnxDevice) => SileroVadModel.load({ device: d, threads, ...(modelPath ? { modelPath } : {}) });
  if (device === 'cuda' && !cudaProviderInstalled()) {
    io.stderr('parley: --device cuda: the CUDA provider of onnxruntime is not installed (see the README, "GPU"); running on cpu\n');
    return load('cpu');
  }
  if (device !== 'cpu') quietNativeOnnxLog();
  const model = await load(device);
  const failed = model.fallbacks[0];
  if (failed && device !== 'auto') io.stderr(`parley: --device ${device} cannot be used (${failed.error.split('\n')[0]}); running on ${model.provider}\n`);
  return model;
}

/** onnxruntime prints provider load failures straight to the terminal; the line above says it better. */
function quietNativeOnnxLog(): void {
  const ort = createRequire(import.meta.url)('onnxruntime-node') as { env: { logLevel?: string } };
  ort.env.logLevel = 'fatal';
}
