import captureWorklet from './capture.worklet.ts?worker&url';
import type { CaptureFrame } from './worklet-messages';

/** The rate the engine listens at: capturing at it spares every resampling step. */
export const CAPTURE_RATE = 16000;

export interface Microphone {
  /** The context's real rate (the browser may not honour the one asked for). */
  readonly sampleRate: number;
  stop(): Promise<void>;
}

export class MicrophoneError extends Error {
  constructor(
    message: string,
    readonly reason: 'denied' | 'no-device' | 'failed',
  ) {
    super(message);
  }
}

/**
 * Opens the microphone with the OS's echo cancellation, noise suppression and gain control on
 * (the echo guard of barge-in relies on the first), and hands out 20 ms Int16 frames.
 */
export async function openMicrophone(options: { deviceId?: string; onFrame: (frame: CaptureFrame) => void; onEnded: () => void }): Promise<Microphone> {
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
        channelCount: 1,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    });
  } catch (e) {
    const name = e instanceof DOMException ? e.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') throw new MicrophoneError('Parley may not use the microphone. Allow it in your system settings, then try again.', 'denied');
    if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new MicrophoneError('No microphone was found (or the chosen one is unplugged). Pick another input in Settings.', 'no-device');
    throw new MicrophoneError(`The microphone could not be opened: ${e instanceof Error ? e.message : String(e)}`, 'failed');
  }
  const context = new AudioContext({ sampleRate: CAPTURE_RATE, latencyHint: 'interactive' });
  try {
    await context.audioWorklet.addModule(captureWorklet);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'parley-capture', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
    node.port.onmessage = (e: MessageEvent<CaptureFrame>) => options.onFrame(e.data);
    source.connect(node);
    await context.resume();
    // Unplugged, or revoked by the OS: say so instead of going quietly deaf.
    for (const t of stream.getAudioTracks()) t.addEventListener('ended', options.onEnded, { once: true });
  } catch (e) {
    for (const t of stream.getTracks()) t.stop();
    await context.close();
    throw new MicrophoneError(`Audio capture could not start: ${e instanceof Error ? e.message : String(e)}`, 'failed');
  }
  return {
    sampleRate: context.sampleRate,
    async stop() {
      for (const t of stream.getTracks()) t.stop();
      await context.close();
    },
  };
}
