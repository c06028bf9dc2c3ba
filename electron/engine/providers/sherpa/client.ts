import { ParleyError } from '../../errors.js';
import type { SherpaHost, SherpaHostFactory } from './host.js';
import type { SherpaEvent, SherpaRequest, SttModelSpec, TtsModelSpec } from './protocol.js';

export type SherpaMessage = SherpaEvent | { type: 'exit'; reason: string };
export interface LoadedModel {
  sampleRate: number;
  numSpeakers: number;
}

/**
 * The parent side of the sherpa-onnx worker, shared by the STT and TTS providers: starts the host
 * on first use, loads each model once, routes events to the stream or job they belong to, and
 * turns the worker's death (sherpa-onnx aborts on an unreadable model) into typed errors. A dead
 * worker is replaced by a fresh one on the next load, never in a loop: each open loads once.
 */
export class SherpaClient {
  private host: SherpaHost | undefined;
  private readonly loads = new Map<string, Promise<LoadedModel>>();
  private readonly routes = new Map<string, (m: SherpaMessage) => void>();
  private nextId = 1;

  constructor(private readonly factory: SherpaHostFactory) {}

  /** Loads a model in the worker (once per key); a failure is a ParleyError naming the model and how to reinstall it. */
  load(key: string, spec: SttModelSpec | TtsModelSpec): Promise<LoadedModel> {
    let loading = this.loads.get(key);
    if (!loading) {
      loading = new Promise<LoadedModel>((resolve, reject) => {
        const route = `load:${key}`;
        this.routes.set(route, (m) => {
          if (m.type !== 'loaded' && m.type !== 'error' && m.type !== 'exit') return;
          this.routes.delete(route);
          this.updateKeepAlive();
          if (m.type === 'loaded') resolve({ sampleRate: m.sampleRate, numSpeakers: m.numSpeakers });
          else reject(new ParleyError('onnx/model-invalid', `the model '${spec.modelId}' could not be loaded (${m.type === 'exit' ? m.reason : m.message}): it may be corrupt or not a sherpa-onnx model; reinstall it with parley models pull ${spec.modelId}`));
        });
        const host = this.ensureHost();
        this.updateKeepAlive();
        host.send({ type: 'load', key, spec });
      });
      this.loads.set(key, loading);
      // A failed load is not remembered: the next open tries again (the user may have reinstalled it).
      loading.catch(() => this.loads.delete(key));
    }
    return loading;
  }

  /** A fresh id for a stream or a job, with its events delivered to `listener` until `release`. */
  open(listener: (m: SherpaMessage) => void): number {
    const id = this.nextId++;
    this.routes.set(String(id), listener);
    this.updateKeepAlive();
    return id;
  }

  release(id: number): void {
    this.routes.delete(String(id));
    this.updateKeepAlive();
  }

  send(request: SherpaRequest): void {
    this.host?.send(request);
  }

  private ensureHost(): SherpaHost {
    if (this.host) return this.host;
    const host = this.factory();
    this.host = host;
    host.subscribe((m) => this.dispatch(host, m));
    return host;
  }

  private dispatch(host: SherpaHost, m: SherpaMessage): void {
    if (m.type === 'exit') {
      // Everything in flight fails; the models loaded there are gone with it.
      if (this.host === host) this.host = undefined;
      this.loads.clear();
      for (const listener of [...this.routes.values()]) listener(m);
      return;
    }
    const target = 'stream' in m && m.stream !== undefined ? String(m.stream) : 'job' in m && m.job !== undefined ? String(m.job) : 'key' in m && m.key !== undefined ? `load:${m.key}` : undefined;
    if (target !== undefined) this.routes.get(target)?.(m);
  }

  private updateKeepAlive(): void {
    this.host?.keepAlive(this.routes.size > 0);
  }
}

const shared = new Map<string, SherpaClient>();

/**
 * The one client (so one worker process, models loaded once) that every provider instance of a
 * kind shares in this process: the app builds new providers for each session, and a worker per
 * session would leave processes with loaded models behind. STT and TTS get one each, so a voice
 * that crashes its worker does not take the recognizer with it.
 */
export function sharedClient(kind: 'stt' | 'tts', factory: SherpaHostFactory): SherpaClient {
  let client = shared.get(kind);
  if (!client) shared.set(kind, (client = new SherpaClient(factory)));
  return client;
}
