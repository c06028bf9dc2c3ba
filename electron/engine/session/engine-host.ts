import type { EngineInfo } from '../../shared/ipc.js';
import { systemClock, type Clock } from '../clock.js';
import { ParleyError } from '../errors.js';
import { SileroVadModel } from '../vad/silero.js';

/** Owns the engine inside the main process: loads the bundled models at startup, reports state. */
export class EngineHost {
  private vad: EngineInfo['vad'] = { state: 'loading' };
  private model: SileroVadModel | undefined;
  private readonly notices: string[] = [];

  constructor(
    private readonly version: string,
    private readonly loadVad: () => Promise<SileroVadModel> = () => SileroVadModel.load(),
    private readonly clock: Clock = systemClock,
    /** Where the SecretStore keeps keys typed into the UI (the UI tells the user). */
    private readonly keyStorage: EngineInfo['keyStorage'] | (() => EngineInfo['keyStorage']) = 'memory',
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

  /** Tells the user something through the UI (shown until the app restarts). */
  notify(message: string): void {
    this.notices.push(message);
  }

  /** The loaded VAD model, for the live conversation; a typed error while it loads or after it failed. */
  vadModel(): SileroVadModel {
    if (this.model) return this.model;
    if (this.vad.state === 'failed') throw new ParleyError(this.vad.error.code, `voice activity detection failed to load: ${this.vad.error.message}`);
    throw new ParleyError('session/not-ready', 'voice activity detection is still loading; try again in a moment');
  }

  info(): EngineInfo {
    return { version: this.version, platform: process.platform, vad: this.vad, notices: [...this.notices], keyStorage: typeof this.keyStorage === 'function' ? this.keyStorage() : this.keyStorage };
  }

  async stop(): Promise<void> {
    await this.model?.release();
    this.model = undefined;
  }
}
