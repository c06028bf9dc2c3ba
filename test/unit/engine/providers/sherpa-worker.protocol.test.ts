import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SherpaEvent } from '../../../../electron/engine/providers/sherpa/protocol.js';
import { SherpaWorker } from '../../../../electron/engine/providers/sherpa/worker-core.js';
import { FIXTURE_STT, FIXTURE_TTS, FIXTURE_TTS_HOP, speechThenSilence } from '../../../helpers/sherpa.js';

// The worker in-process, on the generated models (well-formed only: a corrupt one would abort this process).
describe('sherpa-onnx worker protocol', () => {
  it('load, accept audio, decode-final: loaded, partials, then one final for the stream', async () => {
    const events: SherpaEvent[] = [];
    const worker = new SherpaWorker((e) => events.push(e));
    // Asked for CUDA: this CPU build of sherpa-onnx falls back to the CPU by itself (as Parley's device note says).
    const f = (n: string) => path.join(FIXTURE_STT, n);
    await worker.handle({ type: 'load', key: 'k', spec: { kind: 'stt', modelId: 'fixture', transducer: { encoder: f('encoder.onnx'), decoder: f('decoder.onnx'), joiner: f('joiner.onnx') }, tokens: f('tokens.txt'), numThreads: 1, provider: 'cuda', endpoint: { rule1: 2.4, rule2: 0.8, rule3: 20 } } });
    expect(events).toEqual([{ type: 'loaded', key: 'k', sampleRate: 16000, numSpeakers: 0 }]);
    await worker.handle({ type: 'stt-open', stream: 7, key: 'k' });
    await worker.handle({ type: 'stt-accept', stream: 7, samples: (await speechThenSilence('librivox-ss01-0880.wav', 0)).subarray(0, 32000), sampleRate: 16000 });
    await worker.handle({ type: 'stt-decode-final', stream: 7 });
    const types = events.slice(1).map((e) => e.type);
    expect(types.at(-1)).toBe('final');
    // The accept's words as partials (the module's sttAccept call returning is what bounds the audio in flight).
    expect(types.length).toBeGreaterThan(1);
    expect(types.slice(0, -1).every((t) => t === 'partial')).toBe(true);
    expect(events.at(-1)).toMatchObject({ stream: 7, endpoint: false, text: expect.stringMatching(/\w/) });
    // A closed stream is forgotten: audio for it is ignored, not an error.
    await worker.handle({ type: 'stt-close', stream: 7 });
    await worker.handle({ type: 'stt-accept', stream: 7, samples: new Float32Array(160), sampleRate: 16000 });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('a cancel stops the synthesis at its next chunk: no audio after it, and the job says it was cancelled', async () => {
    const events: SherpaEvent[] = [];
    const worker: SherpaWorker = new SherpaWorker((e) => {
      events.push(e);
      // Cancelled from inside the first chunk's callback: deterministic, whatever the speed.
      if (e.type === 'audio' && events.filter((x) => x.type === 'audio').length === 1) void worker.handle({ type: 'cancel', job: 3 });
    });
    await worker.handle({ type: 'load', key: 't', spec: { kind: 'tts', modelId: 'fixture', model: { vits: { model: path.join(FIXTURE_TTS, 'model.onnx'), tokens: path.join(FIXTURE_TTS, 'tokens.txt') } }, numThreads: 1, provider: 'cpu' } });
    expect(events[0]).toEqual({ type: 'loaded', key: 't', sampleRate: 16000, numSpeakers: 0 });
    await worker.handle({ type: 'tts-synthesize', job: 3, key: 't', text: 'One. Two. Three. Four.', sid: 0, speed: 1 });
    const audio = events.filter((e) => e.type === 'audio');
    expect(audio).toHaveLength(1);
    expect((audio[0] as { samples: Float32Array }).samples.length).toBe('One.'.length * FIXTURE_TTS_HOP);
    expect(events.at(-1)).toEqual({ type: 'synthesized', job: 3, cancelled: true });

    // Without a cancel: every sentence (one chunk each, as maxNumSentences is 1).
    events.length = 0;
    await worker.handle({ type: 'tts-synthesize', job: 4, key: 't', text: 'One. Two.', sid: 0, speed: 1 });
    expect(events.map((e) => e.type)).toEqual(['audio', 'audio', 'synthesized']);
    expect(events.at(-1)).toEqual({ type: 'synthesized', job: 4, cancelled: false });
  });

  it('a request for a model that was never loaded is an error event tied to its job, not a throw', async () => {
    const events: SherpaEvent[] = [];
    await new SherpaWorker((e) => events.push(e)).handle({ type: 'tts-synthesize', job: 9, key: 'nope', text: 'Hi.', sid: 0, speed: 1 });
    expect(events).toEqual([{ type: 'error', job: 9, code: 'onnx/inference-failed', message: 'speech synthesis model nope is not loaded' }]);
  });
});
