import { ParleyError } from '../../errors.js';
import type { SherpaEvent, SttModelSpec, TtsModelSpec } from './protocol.js';
import { SherpaWorker } from './worker-core.js';

/**
 * The sherpa-onnx worker as a module for a generic local-inference process host (one that loads a
 * module exporting `createWorker()` and runs its methods as cancellable calls that stream items).
 * The same SherpaWorker, mapped onto calls: `load` returns the model's rate; `stt` is a long call
 * that streams one recognition stream's events until it is cancelled; `sttAccept` and
 * `sttDecodeFinal` feed it; `synthesize` streams one sentence's audio and stops when cancelled.
 * The types below are structural, so this file depends on no host.
 */
export interface WorkerCall {
  signal: AbortSignal;
  emit(data: unknown): void;
  progress(stage: string, fraction: number | null): void;
}
export type WorkerMethod = (params: unknown, call: WorkerCall) => Promise<unknown>;

export function createWorker(): Record<string, WorkerMethod> {
  /** Who receives the events of each stream, job and model load. */
  const owners = new Map<string, (e: SherpaEvent) => void>();
  const ownerOf = (e: SherpaEvent) => ('stream' in e && e.stream !== undefined ? `s${e.stream}` : 'job' in e && e.job !== undefined ? `j${e.job}` : 'key' in e && e.key !== undefined ? `k${e.key}` : '');
  const worker = new SherpaWorker((e) => owners.get(ownerOf(e))?.(e));
  const failure = (e: Extract<SherpaEvent, { type: 'error' }>) => new ParleyError(e.code, e.message);

  return {
    async load(params) {
      const { key, spec } = params as { key: string; spec: SttModelSpec | TtsModelSpec };
      let outcome: SherpaEvent | undefined;
      owners.set(`k${key}`, (e) => (outcome = e));
      try {
        await worker.handle({ type: 'load', key, spec });
      } finally {
        owners.delete(`k${key}`);
      }
      if (outcome?.type === 'error') throw failure(outcome);
      if (outcome?.type !== 'loaded') throw new ParleyError('onnx/model-invalid', `the model '${spec.modelId}' did not load`);
      return { sampleRate: outcome.sampleRate, numSpeakers: outcome.numSpeakers };
    },

    async stt(params, call) {
      const { stream, key } = params as { stream: number; key: string };
      let failed: ParleyError | undefined;
      const done = new Promise<void>((resolve) => {
        owners.set(`s${stream}`, (e) => {
          if (e.type === 'error') {
            failed = failure(e);
            resolve();
          } else call.emit(e);
        });
        call.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await worker.handle({ type: 'stt-open', stream, key });
      await done;
      owners.delete(`s${stream}`);
      await worker.handle({ type: 'stt-close', stream });
      if (failed) throw failed;
      return null;
    },

    async sttAccept(params) {
      const { stream, samples, sampleRate } = params as { stream: number; samples: Float32Array; sampleRate: number };
      await worker.handle({ type: 'stt-accept', stream, samples, sampleRate });
      return null;
    },

    async sttDecodeFinal(params) {
      await worker.handle({ type: 'stt-decode-final', stream: (params as { stream: number }).stream });
      return null;
    },

    async synthesize(params, call) {
      const { job, key, text, sid, speed } = params as { job: number; key: string; text: string; sid: number; speed: number };
      let failed: ParleyError | undefined;
      let cancelled = false;
      owners.set(`j${job}`, (e) => {
        if (e.type === 'audio') call.emit(e);
        else if (e.type === 'error') failed = failure(e);
        else if (e.type === 'synthesized') cancelled = e.cancelled;
      });
      const cancel = () => void worker.handle({ type: 'cancel', job });
      call.signal.addEventListener('abort', cancel, { once: true });
      try {
        await worker.handle({ type: 'tts-synthesize', job, key, text, sid, speed });
      } finally {
        owners.delete(`j${job}`);
        call.signal.removeEventListener('abort', cancel);
      }
      if (failed) throw failed;
      return { cancelled };
    },
  };
}
