import type * as OrtModule from 'onnxruntime-node';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError, describeError, isParleyError } from '../errors.js';
import { createOnnxSession, loadOrt, type OnnxDevice, type OnnxEnvironment, type OnnxSession, type ProviderAttempt } from '../onnx/session.js';
import { SMART_TURN_FEATURE_DIMS, SMART_TURN_FRAMES, WHISPER_MEL_BINS, WhisperFeatureExtractor } from './whisper-features.js';

/** The model manager's name for the weights (pipecat-ai Smart Turn v3.2, BSD-2). */
export const SMART_TURN_MODEL_ID = 'smart-turn-v3.2';
export const SMART_TURN_INPUT = 'input_features';
const INSTALL_HINT = `run \`parley models pull ${SMART_TURN_MODEL_ID}\``;

export interface SmartTurnOptions {
  /** The ONNX file (the model manager's copy of smart-turn-v3.2). */
  modelPath: string;
  /** Expected sha256 of the file, checked on load. */
  sha256?: string;
  /** Default 'cpu': the int8 file is built for the CPU; 'auto' tries an accelerator first. */
  device?: OnnxDevice;
  /** Intra-op threads. Default 1. */
  threads?: number;
  /**
   * What the model's single output holds. Smart Turn's export applies the sigmoid inside the
   * graph (its output is named `logits` but holds probabilities): 'probability', the default.
   * 'logit' applies the sigmoid here, for exports without it.
   */
  output?: 'probability' | 'logit';
  /** Probability above which the turn counts as complete. Default 0.5, as upstream. */
  threshold?: number;
}

export interface SmartTurnResult {
  /** Probability in [0, 1] that the speaker has finished the turn. */
  probability: number;
  complete: boolean;
  /** Time spent on the log-mel features and in onnxruntime, in ms (injected clock). */
  featureMs: number;
  inferenceMs: number;
}

/**
 * Smart Turn v3.x end-of-turn classifier: the last 8 s of the user's 16 kHz audio in, the
 * probability that the turn is complete out. Calls run one at a time (they share the feature buffer).
 */
export class SmartTurnDetector {
  private readonly extractor = new WhisperFeatureExtractor();
  private readonly features = new Float32Array(WHISPER_MEL_BINS * SMART_TURN_FRAMES);
  private readonly outputName: string;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly onnx: OnnxSession,
    private readonly Tensor: typeof OrtModule.Tensor,
    private readonly options: Required<Pick<SmartTurnOptions, 'output' | 'threshold'>>,
    private readonly clock: Clock,
  ) {
    const { inputNames, outputNames } = onnx.session;
    if (!inputNames.includes(SMART_TURN_INPUT)) {
      throw new ParleyError('onnx/model-invalid', `not a Smart Turn model: input '${SMART_TURN_INPUT}' missing (has ${inputNames.join(', ')}); ${INSTALL_HINT}`);
    }
    if (outputNames.length === 0) throw new ParleyError('onnx/model-invalid', 'not a Smart Turn model: it has no output');
    this.outputName = outputNames.includes('logits') ? 'logits' : outputNames[0]!;
  }

  static async load(options: SmartTurnOptions, env: OnnxEnvironment = {}): Promise<SmartTurnDetector> {
    const threshold = options.threshold ?? 0.5;
    if (!(threshold > 0 && threshold < 1)) throw new ParleyError('settings/invalid', `Smart Turn threshold must be between 0 and 1, got ${threshold}`);
    let onnx: OnnxSession;
    try {
      onnx = await createOnnxSession(options.modelPath, { device: options.device ?? 'cpu', threads: options.threads ?? 1, sha256: options.sha256 }, env);
    } catch (e) {
      throw explainLoadError(e, options.modelPath);
    }
    try {
      return new SmartTurnDetector(onnx, (env.ort ?? loadOrt()).Tensor, { output: options.output ?? 'probability', threshold }, env.clock ?? systemClock);
    } catch (e) {
      await onnx.release();
      throw e;
    }
  }

  /** Scores the end of `audio` (16 kHz mono, any length: the last 8 s are used). */
  predict(audio: Float32Array): Promise<SmartTurnResult> {
    const run = this.queue.then(() => this.run(audio));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(audio: Float32Array): Promise<SmartTurnResult> {
    const started = this.clock.now();
    this.extractor.extract(audio, this.features);
    const extracted = this.clock.now();
    let result: OrtModule.InferenceSession.OnnxValueMapType;
    try {
      const input = new this.Tensor('float32', this.features, [...SMART_TURN_FEATURE_DIMS]);
      result = await this.onnx.session.run({ [SMART_TURN_INPUT]: input });
    } catch (e) {
      throw new ParleyError('onnx/inference-failed', `Smart Turn inference failed: ${describeError(e)}`, { cause: e });
    }
    const inferenceMs = this.clock.now() - extracted;
    const tensor = result[this.outputName] as OrtModule.Tensor | undefined;
    const data = tensor?.data;
    if (!(data instanceof Float32Array) || data.length !== 1) {
      throw new ParleyError('onnx/inference-failed', `Smart Turn output '${this.outputName}' must be one float32 value, got ${tensor ? `${tensor.type} [${tensor.dims.join(', ')}]` : 'nothing'}`);
    }
    const probability = this.toProbability(data[0]!);
    return { probability, complete: probability > this.options.threshold, featureMs: extracted - started, inferenceMs };
  }

  private toProbability(value: number): number {
    if (!Number.isFinite(value)) throw new ParleyError('onnx/inference-failed', `Smart Turn returned a non-finite score (${value})`);
    if (this.options.output === 'logit') return 1 / (1 + Math.exp(-value));
    if (value < 0 || value > 1) {
      throw new ParleyError('onnx/inference-failed', `Smart Turn returned ${value}, not a probability: if this model outputs logits, set its output to 'logit'`);
    }
    return value;
  }

  get provider(): string {
    return this.onnx.provider;
  }

  get fallbacks(): readonly ProviderAttempt[] {
    return this.onnx.fallbacks;
  }

  release(): Promise<void> {
    return this.onnx.release();
  }
}

/** The engine's model errors, reworded for a user who may simply not have downloaded the model. */
function explainLoadError(e: unknown, modelPath: string): unknown {
  if (isParleyError(e, 'onnx/model-not-found')) {
    return new ParleyError('onnx/model-not-found', `the Smart Turn model is not installed (no file at ${modelPath}): ${INSTALL_HINT}`, { cause: e });
  }
  if (isParleyError(e, 'onnx/model-invalid') || isParleyError(e, 'model/checksum-mismatch')) {
    return new ParleyError(e.code, `the Smart Turn model at ${modelPath} is damaged (${e.message}): ${INSTALL_HINT} to reinstall it`, { cause: e });
  }
  return e;
}
