import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { ParleyError, describeError } from '../errors.js';
import { createOnnxSession, loadOrt, type OnnxDevice, type OnnxEnvironment, type OnnxSession, type ProviderAttempt } from '../onnx/session.js';
import { defaultResourcesDir } from '../resources.js';

export const SILERO_SAMPLE_RATE = 16000;
/** New samples per inference at 16 kHz (32 ms). */
export const SILERO_FRAME_SAMPLES = 512;
/** Samples of the previous frame prepended to each input, as the official wrapper does. */
export const SILERO_CONTEXT_SAMPLES = 64;
export const SILERO_FRAME_MS = (SILERO_FRAME_SAMPLES / SILERO_SAMPLE_RATE) * 1000;

/** The bundled model: Silero VAD v6.2 (MIT), verified on every load. */
export const SILERO_MODEL_FILE = path.join('models', 'silero-vad', 'silero_vad.onnx');
export const SILERO_MODEL_SHA256 = '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3';

/** Anything that scores fixed-size frames for speech; injected into the VAD so tests can script it. */
export interface SpeechProbabilityModel {
  readonly sampleRate: number;
  readonly frameSamples: number;
  /** Probability in [0, 1] that `frame` (exactly frameSamples long) contains speech. */
  process(frame: Float32Array): Promise<number>;
  /** Forgets the recurrent state (start of a new stream). */
  reset(): void;
}

export interface SileroLoadOptions {
  /** Model file; default the bundled one under resources/. */
  modelPath?: string;
  /** sha256 to verify; default the bundled model's when modelPath is the bundled one. */
  sha256?: string | null;
  device?: OnnxDevice;
  threads?: number;
}

/**
 * Silero VAD v5/v6 over onnxruntime: carries the [2,1,128] recurrent state and the 64-sample context
 * between 512-sample frames at 16 kHz.
 */
export class SileroVadModel implements SpeechProbabilityModel {
  readonly sampleRate = SILERO_SAMPLE_RATE;
  readonly frameSamples = SILERO_FRAME_SAMPLES;
  private readonly input = new Float32Array(SILERO_CONTEXT_SAMPLES + SILERO_FRAME_SAMPLES);
  private state: Float32Array = new Float32Array(2 * 128);
  private busy = false;
  private readonly sr: OrtModule.Tensor;
  private readonly Tensor: typeof OrtModule.Tensor;

  private constructor(readonly onnx: OnnxSession, Tensor: typeof OrtModule.Tensor) {
    this.Tensor = Tensor;
    this.sr = new Tensor('int64', BigInt64Array.from([BigInt(SILERO_SAMPLE_RATE)]), []);
    const names = onnx.session.inputNames;
    for (const required of ['input', 'state', 'sr']) {
      if (!names.includes(required)) {
        throw new ParleyError('onnx/model-invalid', `not a Silero VAD v5/v6 model: input '${required}' missing (has ${names.join(', ')})`);
      }
    }
  }

  static async load(options: SileroLoadOptions = {}, env: OnnxEnvironment = {}): Promise<SileroVadModel> {
    const bundled = path.join(defaultResourcesDir(), SILERO_MODEL_FILE);
    const modelPath = options.modelPath ?? bundled;
    const sha256 = options.sha256 === undefined ? (modelPath === bundled ? SILERO_MODEL_SHA256 : undefined) : (options.sha256 ?? undefined);
    const onnx = await createOnnxSession(modelPath, { device: options.device ?? 'cpu', threads: options.threads ?? 1, sha256 }, env);
    return new SileroVadModel(onnx, (env.ort ?? loadOrt()).Tensor);
  }

  /** Frames must be fed one at a time (await each): the recurrent state links them. */
  async process(frame: Float32Array): Promise<number> {
    if (this.busy) throw new ParleyError('audio/invalid-input', 'Silero frames must be processed one at a time');
    if (frame.length !== SILERO_FRAME_SAMPLES) {
      throw new ParleyError('audio/invalid-input', `Silero needs ${SILERO_FRAME_SAMPLES}-sample frames, got ${frame.length}`);
    }
    const input = this.input;
    input.set(frame, SILERO_CONTEXT_SAMPLES);
    const feeds = {
      input: new this.Tensor('float32', input, [1, input.length]),
      state: new this.Tensor('float32', this.state, [2, 1, 128]),
      sr: this.sr,
    };
    let result: OrtModule.InferenceSession.OnnxValueMapType;
    this.busy = true;
    try {
      result = await this.onnx.session.run(feeds);
    } catch (e) {
      throw new ParleyError('onnx/inference-failed', `Silero VAD inference failed: ${describeError(e)}`, { cause: e });
    } finally {
      this.busy = false;
    }
    this.state = (result.stateN as OrtModule.Tensor).data as Float32Array;
    // The last 64 samples of this frame are the next frame's context.
    input.copyWithin(0, SILERO_FRAME_SAMPLES);
    return ((result.output as OrtModule.Tensor).data as Float32Array)[0]!;
  }

  reset(): void {
    this.state = new Float32Array(2 * 128);
    this.input.fill(0);
  }

  get provider(): string {
    return this.onnx.provider;
  }

  /** Devices tried before `provider`, and why each could not be used. */
  get fallbacks(): readonly ProviderAttempt[] {
    return this.onnx.fallbacks;
  }

  release(): Promise<void> {
    return this.onnx.release();
  }
}
