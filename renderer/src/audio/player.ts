import playoutWorklet from './playout.worklet.ts?worker&url';
import type { PlayoutCommand, PlayoutReport } from './worklet-messages';

/**
 * The assistant's voice: an AudioContext at the session's playback rate (the TTS's own rate, so
 * nothing is resampled on our side) with the playout worklet, which reports what really sounded.
 */
export class Player {
  private constructor(
    private readonly context: AudioContext,
    private readonly node: AudioWorkletNode,
  ) {}

  static async open(options: { sampleRate: number; deviceId?: string; onReport: (report: PlayoutReport) => void }): Promise<Player> {
    const context = new AudioContext({ sampleRate: options.sampleRate, latencyHint: 'interactive' });
    try {
      await context.audioWorklet.addModule(playoutWorklet);
      const node = new AudioWorkletNode(context, 'parley-playout', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      node.port.onmessage = (e: MessageEvent<PlayoutReport>) => options.onReport(e.data);
      node.connect(context.destination);
      // The chosen output device, where the browser can route to one (Chromium 110+).
      const withSink = context as AudioContext & { setSinkId?: (id: string) => Promise<void> };
      if (options.deviceId && withSink.setSinkId) await withSink.setSinkId(options.deviceId).catch(() => undefined);
      await context.resume();
      return new Player(context, node);
    } catch (e) {
      await context.close();
      throw e;
    }
  }

  get sampleRate(): number {
    return this.context.sampleRate;
  }

  play(epoch: number, block: number, pcm: Int16Array): void {
    const samples = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i]! / 0x8000;
    this.post({ type: 'block', epoch, block, samples }, [samples.buffer]);
  }

  control(op: 'flush' | 'pause' | 'resume', epoch: number): void {
    this.post({ type: 'control', op, epoch });
  }

  async close(): Promise<void> {
    this.node.disconnect();
    await this.context.close();
  }

  private post(command: PlayoutCommand, transfer: Transferable[] = []): void {
    this.node.port.postMessage(command, transfer);
  }
}
