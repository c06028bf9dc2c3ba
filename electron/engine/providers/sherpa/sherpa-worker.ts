// The sherpa-onnx worker module: runs inside a local inference process (engine/local), never in
// the engine's own process. sherpa-onnx calls std::terminate on an unreadable model and exit() on
// some bad configurations; in a process of its own that is a local/crashed error, not Parley's end.
import { ParleyError } from '../../errors.js';
import type { WorkerCall, WorkerMethod } from '../../local/worker-api.js';
import { modelLoadError } from './model-files.js';
import { LoadVoiceSchema, SttAcceptSchema, SttCallSchema, SttDecodeFinalSchema, SynthesizeSchema, type SherpaEvent, type SttItem, type SttModelSpec, type TtsModelSpec } from './protocol.js';
import { SherpaWorker } from './worker-core.js';

type Loaded = { sampleRate: number; numSpeakers: number };

/**
 * SherpaWorker's messages mapped onto calls: `stt` is a long call that loads the model, opens a
 * stream and streams its partials and finals until cancelled; `sttAccept` and `sttDecodeFinal`
 * feed that stream; `synthesize` loads the voice and streams one sentence's audio, stopped at its
 * next chunk by a cancel. Models stay loaded (by key) as long as the process.
 */
export function createWorker(): Record<string, WorkerMethod> {
  /** Who receives the events of each stream, job and model load. */
  const owners = new Map<string, (e: SherpaEvent) => void>();
  const ownerOf = (e: SherpaEvent) => ('stream' in e && e.stream !== undefined ? `s${e.stream}` : 'job' in e && e.job !== undefined ? `j${e.job}` : 'key' in e && e.key !== undefined ? `k${e.key}` : '');
  const worker = new SherpaWorker((e) => owners.get(ownerOf(e))?.(e));
  const loads = new Map<string, Promise<Loaded>>();
  let nextStream = 1;
  let nextJob = 1;

  /** Loads `spec` under `key` once (concurrent calls share the load; a failed one is tried again next time). */
  const ensureLoaded = (key: string, spec: SttModelSpec | TtsModelSpec, call: WorkerCall): Promise<Loaded> => {
    let loading = loads.get(key);
    if (!loading) {
      call.progress('loading model', null);
      loading = (async () => {
        let outcome: SherpaEvent | undefined;
        owners.set(`k${key}`, (e) => (outcome = e));
        try {
          await worker.handle({ type: 'load', key, spec });
        } finally {
          owners.delete(`k${key}`);
        }
        if (outcome?.type === 'loaded') return { sampleRate: outcome.sampleRate, numSpeakers: outcome.numSpeakers };
        throw modelLoadError(spec.modelId, outcome?.type === 'error' ? outcome.message : 'it did not load');
      })();
      loads.set(key, loading);
      loading.catch(() => loads.delete(key));
    }
    return loading;
  };
  const invalid = (method: string, e: { issues: { message: string }[] }) => new ParleyError('local/protocol', `invalid sherpa-onnx ${method} request: ${e.issues[0]?.message ?? 'unknown'}`);

  return {
    async stt(raw, call) {
      const p = SttCallSchema.safeParse(raw);
      if (!p.success) throw invalid('stt', p.error);
      await ensureLoaded(p.data.key, p.data.spec, call);
      if (call.signal.aborted) return null;
      const stream = nextStream++;
      let failed: ParleyError | undefined;
      const done = new Promise<void>((resolve) => {
        owners.set(`s${stream}`, (e) => {
          if (e.type === 'partial') call.emit({ type: 'partial', text: e.text } satisfies SttItem);
          else if (e.type === 'final') call.emit({ type: 'final', text: e.text, endpoint: e.endpoint } satisfies SttItem);
          else if (e.type === 'error') {
            failed = new ParleyError(e.code, e.message);
            resolve();
          }
        });
        call.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      await worker.handle({ type: 'stt-open', stream, key: p.data.key });
      if (!failed) call.emit({ type: 'opened', stream } satisfies SttItem);
      await done;
      owners.delete(`s${stream}`);
      await worker.handle({ type: 'stt-close', stream });
      if (failed) throw failed;
      return null;
    },

    async sttAccept(raw) {
      const p = SttAcceptSchema.safeParse(raw);
      if (!p.success) throw invalid('sttAccept', p.error);
      // Decoded before this returns; the words go to the stream's stt call (a closed stream ignores it).
      await worker.handle({ type: 'stt-accept', stream: p.data.stream, samples: p.data.samples as Float32Array<ArrayBuffer>, sampleRate: p.data.sampleRate });
      return null;
    },

    async sttDecodeFinal(raw) {
      const p = SttDecodeFinalSchema.safeParse(raw);
      if (!p.success) throw invalid('sttDecodeFinal', p.error);
      await worker.handle({ type: 'stt-decode-final', stream: p.data.stream });
      return null;
    },

    async loadVoice(raw, call) {
      const p = LoadVoiceSchema.safeParse(raw);
      if (!p.success) throw invalid('loadVoice', p.error);
      const { sampleRate } = await ensureLoaded(p.data.key, p.data.spec, call);
      return { sampleRate };
    },

    async synthesize(raw, call) {
      const p = SynthesizeSchema.safeParse(raw);
      if (!p.success) throw invalid('synthesize', p.error);
      const { key, spec, text, sid, speed } = p.data;
      await ensureLoaded(key, spec, call);
      if (call.signal.aborted) return { cancelled: true };
      const job = nextJob++;
      let failed: ParleyError | undefined;
      let cancelled = false;
      owners.set(`j${job}`, (e) => {
        if (e.type === 'audio') call.emit({ type: 'audio', samples: e.samples, sampleRate: e.sampleRate });
        else if (e.type === 'error') failed = new ParleyError(e.code, e.message);
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
