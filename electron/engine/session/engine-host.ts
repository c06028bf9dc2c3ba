import type { EngineInfo } from '../../shared/ipc.js';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { SileroVadModel } from '../vad/silero.js';

/** Owns the engine inside the main process: loads the bundled models at startup, reports state. */
export class EngineHost {
  private vad: EngineInfo['vad'] = { state: 'loading' };
  private model: SileroVadModel | undefined;

  constructor(
    private readonly version: string,
    private readonly loadVad: () => Promise<SileroVadModel> = () => SileroVadModel.load(),
    private readonly clock: Clock = systemClock,
  ) {}

  async start(): Promise<void> {
    const started = this.clock.now();
    try {
      this.model = await this.loadVad();
      this.vad = { state: 'ready', provider: this.model.onnx.provider, loadMs: this.clock.now() - started };
    } catch (e) {
      const error = e instanceof ParleyError ? e.toInfo() : { code: 'onnx/model-invalid' as const, message: String(e) };
      this.vad = { state: 'failed', error };
    }
  }

  info(): EngineInfo {
    return { version: this.version, platform: process.platform, vad: this.vad };
  }

  async stop(): Promise<void> {
    await this.model?.release();
    this.model = undefined;
  }
}
