import { createRequire } from 'node:module';
import type { SherpaEvent, SherpaRequest, SttModelSpec, TtsModelSpec } from './protocol.js';

/** The parts of sherpa-onnx-node this worker uses (the package ships no TypeScript types). */
interface OnlineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
interface OnlineRecognizer {
  createStream(): OnlineStream;
  isReady(s: OnlineStream): boolean;
  decode(s: OnlineStream): void;
  isEndpoint(s: OnlineStream): boolean;
  reset(s: OnlineStream): void;
  getResult(s: OnlineStream): { text: string };
}
interface OfflineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
interface OfflineRecognizer {
  createStream(): OfflineStream;
  decode(s: OfflineStream): void;
  getResult(s: OfflineStream): { text: string };
}
interface OfflineTts {
  readonly sampleRate: number;
  readonly numSpeakers: number;
  generateAsync(request: {
    text: string;
    sid: number;
    speed: number;
    enableExternalBuffer: boolean;
    generationConfig?: { sid: number; speed: number; referenceAudio: Float32Array; referenceSampleRate: number; numSteps: number };
    onProgress: (info: { samples: Float32Array; progress: number }) => number;
  }): Promise<{ samples: Float32Array; sampleRate: number }>;
}
interface SherpaModule {
  OnlineRecognizer: new (config: object) => OnlineRecognizer;
  OfflineRecognizer: new (config: object) => OfflineRecognizer;
  OfflineTts: { createAsync(config: object): Promise<OfflineTts> };
  readWave(path: string, enableExternalBuffer: boolean): { samples: Float32Array; sampleRate: number };
}

/** Seconds of silence appended before a decode-final, so the last words' chunk is complete (sherpa's own examples pad 0.3-0.66 s). */
const TAIL_PADDING_S = 0.66;
/** Longest utterance kept for the second pass (the endpoint's rule 3 ends one at 20 s); older audio is dropped. */
const MAX_UTTERANCE_S = 30;

interface SttModel {
  kind: 'stt';
  recognizer: OnlineRecognizer;
  sampleRate: number;
  secondPass: OfflineRecognizer | undefined;
}
interface TtsModel {
  kind: 'tts';
  tts: OfflineTts;
  /** The voice to imitate (Pocket TTS). */
  reference: { samples: Float32Array; sampleRate: number } | undefined;
}
interface SttStreamState {
  stream: OnlineStream;
  model: SttModel;
  /** The last partial sent (a partial is sent only when the words change). */
  lastText: string;
  /** Rate of the audio accepted (sherpa-onnx exits if a stream's rate changes: the tail padding uses it too). */
  inputRate: number | undefined;
  /** The utterance's audio so far, for the second pass (empty without one). */
  utterance: Float32Array[];
  utteranceSamples: number;
}

/**
 * The inference side: sherpa-onnx's recognizer and synthesizer behind the message protocol. Runs
 * wherever the host puts it (a child process, an Electron utilityProcess, or in-process in unit
 * tests); `post` carries events back. Every sherpa call is synchronous and CPU-heavy except
 * OfflineTts.generateAsync, which runs on the worker's thread pool: never run this on the main process.
 */
export class SherpaWorker {
  private readonly models = new Map<string, SttModel | TtsModel>();
  private readonly streams = new Map<number, SttStreamState>();
  /** Synthesis jobs still wanted (a cancelled one stops at its next chunk). */
  private readonly jobs = new Set<number>();
  /** One synthesis at a time per model (a sentence waits for the one before it). */
  private readonly synthesisChains = new Map<string, Promise<void>>();
  private sherpa: SherpaModule | undefined;

  constructor(private readonly post: (event: SherpaEvent) => void) {}

  async handle(req: SherpaRequest): Promise<void> {
    try {
      switch (req.type) {
        case 'load':
          return await this.load(req.key, req.spec);
        case 'stt-open':
          return this.sttOpen(req.stream, req.key);
        case 'stt-accept':
          return this.sttAccept(req.stream, req.samples, req.sampleRate);
        case 'stt-decode-final':
          return this.sttDecodeFinal(req.stream);
        case 'stt-close':
          this.streams.delete(req.stream);
          return;
        case 'tts-synthesize':
          return await this.synthesize(req.job, req.key, req.text, req.sid, req.speed);
        case 'cancel':
          this.jobs.delete(req.job);
          return;
      }
    } catch (e) {
      const where = 'stream' in req ? { stream: req.stream } : 'job' in req ? { job: req.job } : 'key' in req ? { key: req.key } : {};
      this.post({ type: 'error', ...where, code: req.type === 'load' ? 'onnx/model-invalid' : 'onnx/inference-failed', message: e instanceof Error ? e.message : String(e) });
    }
  }

  private module(): SherpaModule {
    this.sherpa ??= createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
    return this.sherpa;
  }

  private async load(key: string, spec: SttModelSpec | TtsModelSpec): Promise<void> {
    const existing = this.models.get(key);
    if (existing) {
      this.post({ type: 'loaded', key, ...(existing.kind === 'stt' ? { sampleRate: existing.sampleRate, numSpeakers: 0 } : { sampleRate: existing.tts.sampleRate, numSpeakers: existing.tts.numSpeakers }) });
      return;
    }
    const sherpa = this.module();
    if (spec.kind === 'stt') {
      const sampleRate = 16000;
      const recognizer = new sherpa.OnlineRecognizer({
        featConfig: { sampleRate, featureDim: 80 },
        modelConfig: { transducer: spec.transducer, tokens: spec.tokens, numThreads: spec.numThreads, provider: spec.provider, debug: 0 },
        decodingMethod: 'greedy_search',
        enableEndpoint: 1,
        rule1MinTrailingSilence: spec.endpoint.rule1,
        rule2MinTrailingSilence: spec.endpoint.rule2,
        rule3MinUtteranceLength: spec.endpoint.rule3,
      });
      const p = spec.secondPass;
      const secondPass = p
        ? new sherpa.OfflineRecognizer({
            featConfig: { sampleRate, featureDim: 80 },
            modelConfig: { moonshine: { preprocessor: p.preprocessor, encoder: p.encoder, uncachedDecoder: p.uncachedDecoder, cachedDecoder: p.cachedDecoder }, tokens: p.tokens, numThreads: spec.numThreads, provider: spec.provider, debug: 0 },
          })
        : undefined;
      this.models.set(key, { kind: 'stt', recognizer, sampleRate, secondPass });
      this.post({ type: 'loaded', key, sampleRate, numSpeakers: 0 });
      return;
    }
    const reference = spec.referenceWav ? sherpa.readWave(spec.referenceWav, false) : undefined;
    const tts = await sherpa.OfflineTts.createAsync({ model: { ...spec.model, numThreads: spec.numThreads, provider: spec.provider, debug: 0 }, maxNumSentences: 1 });
    this.models.set(key, { kind: 'tts', tts, reference });
    this.post({ type: 'loaded', key, sampleRate: tts.sampleRate, numSpeakers: tts.numSpeakers });
  }

  private sttOpen(id: number, key: string): void {
    const model = this.models.get(key);
    if (model?.kind !== 'stt') throw new Error(`speech recognition model ${key} is not loaded`);
    this.streams.set(id, { stream: model.recognizer.createStream(), model, lastText: '', inputRate: undefined, utterance: [], utteranceSamples: 0 });
  }

  private sttAccept(id: number, samples: Float32Array, sampleRate: number): void {
    const s = this.streams.get(id);
    if (!s) return; // closed meanwhile
    s.inputRate ??= sampleRate;
    if (sampleRate !== s.inputRate) throw new Error(`the audio rate changed from ${s.inputRate} to ${sampleRate} Hz within one stream`);
    s.stream.acceptWaveform({ samples, sampleRate });
    if (s.model.secondPass) this.keep(s, samples);
    this.decodeReady(id, s);
  }

  /** Decodes the chunks that are ready; a change of words is a partial, the endpoint rule a final. */
  private decodeReady(id: number, s: SttStreamState): void {
    const { recognizer } = s.model;
    while (recognizer.isReady(s.stream)) recognizer.decode(s.stream);
    const text = recognizer.getResult(s.stream).text.trim();
    if (recognizer.isEndpoint(s.stream)) {
      const final = text ? this.secondPass(s, text) : '';
      if (final) this.post({ type: 'final', stream: id, text: final, endpoint: true });
      recognizer.reset(s.stream);
      this.restart(s);
      return;
    }
    if (text !== s.lastText) {
      s.lastText = text;
      if (text) this.post({ type: 'partial', stream: id, text });
    }
  }

  private sttDecodeFinal(id: number): void {
    const s = this.streams.get(id);
    if (!s) return;
    const { recognizer } = s.model;
    const rate = s.inputRate ?? s.model.sampleRate;
    s.inputRate = rate;
    s.stream.acceptWaveform({ samples: new Float32Array(Math.round(TAIL_PADDING_S * rate)), sampleRate: rate });
    while (recognizer.isReady(s.stream)) recognizer.decode(s.stream);
    const text = recognizer.getResult(s.stream).text.trim();
    // Always answered (an empty final says "nothing more"), so the caller's finalize is settled.
    this.post({ type: 'final', stream: id, text: text ? this.secondPass(s, text) : '', endpoint: false });
    recognizer.reset(s.stream);
    this.restart(s);
  }

  private restart(s: SttStreamState): void {
    s.lastText = '';
    s.utterance = [];
    s.utteranceSamples = 0;
  }

  /** Keeps the utterance's audio for the second pass, bounded (the oldest goes first). */
  private keep(s: SttStreamState, samples: Float32Array): void {
    s.utterance.push(samples);
    s.utteranceSamples += samples.length;
    const max = MAX_UTTERANCE_S * (s.inputRate ?? s.model.sampleRate);
    while (s.utteranceSamples - s.utterance[0]!.length > max) s.utteranceSamples -= s.utterance.shift()!.length;
  }

  /** The second pass's text for the utterance that just ended, or the streaming text without one (or when it hears nothing). */
  private secondPass(s: SttStreamState, streamingText: string): string {
    const offline = s.model.secondPass;
    if (!offline || s.utteranceSamples === 0) return streamingText;
    const audio = new Float32Array(s.utteranceSamples);
    let at = 0;
    for (const part of s.utterance) {
      audio.set(part, at);
      at += part.length;
    }
    const stream = offline.createStream();
    stream.acceptWaveform({ samples: audio, sampleRate: s.inputRate ?? s.model.sampleRate });
    offline.decode(stream);
    return offline.getResult(stream).text.trim() || streamingText;
  }

  private synthesize(job: number, key: string, text: string, sid: number, speed: number): Promise<void> {
    const model = this.models.get(key);
    if (model?.kind !== 'tts') throw new Error(`speech synthesis model ${key} is not loaded`);
    this.jobs.add(job);
    const run = (this.synthesisChains.get(key) ?? Promise.resolve()).then(() => this.generate(job, model, text, sid, speed));
    this.synthesisChains.set(key, run);
    return run;
  }

  private async generate(job: number, model: TtsModel, text: string, sid: number, speed: number): Promise<void> {
    if (!this.jobs.has(job)) {
      this.post({ type: 'synthesized', job, cancelled: true });
      return;
    }
    const sampleRate = model.tts.sampleRate;
    let failure: unknown;
    try {
      await model.tts.generateAsync({
        text,
        sid,
        speed,
        // Electron's V8 refuses external array buffers: the samples are copied out instead.
        enableExternalBuffer: false,
        // Pocket TTS speaks in the reference voice; 5 flow steps as sherpa-onnx's own examples.
        ...(model.reference ? { generationConfig: { sid, speed, referenceAudio: model.reference.samples, referenceSampleRate: model.reference.sampleRate, numSteps: 5 } } : {}),
        onProgress: ({ samples, progress }) => {
          if (!this.jobs.has(job)) return 0; // cancelled: sherpa stops generating
          this.post({ type: 'audio', job, samples: new Float32Array(samples), sampleRate, progress });
          return 1;
        },
      });
    } catch (e) {
      failure = e;
    }
    const cancelled = !this.jobs.delete(job);
    if (failure !== undefined && !cancelled) this.post({ type: 'error', job, code: 'onnx/inference-failed', message: failure instanceof Error ? failure.message : String(failure) });
    this.post({ type: 'synthesized', job, cancelled });
  }
}
