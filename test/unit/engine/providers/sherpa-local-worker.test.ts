import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorker, type WorkerCall } from '../../../../electron/engine/providers/sherpa/local-worker.js';
import { FIXTURE_STT, FIXTURE_TTS, FIXTURE_TTS_HOP, speechThenSilence } from '../../../helpers/sherpa.js';

/** A call as a local-inference host makes it: items streamed to `items`, cancelled through `abort`. */
function call(): WorkerCall & { items: unknown[]; abort: () => void } {
  const controller = new AbortController();
  const items: unknown[] = [];
  return { signal: controller.signal, emit: (d) => items.push(d), progress: () => undefined, items, abort: () => controller.abort() };
}

// The worker module run in-process, the way a generic host's child would run it.
describe('sherpa-onnx worker as a local-inference host module', () => {
  it('load, a long stt call streaming its events, accept and decode-final calls feeding it, cancel to end it', async () => {
    const w = createWorker();
    const f = (n: string) => path.join(FIXTURE_STT, n);
    const spec = { kind: 'stt', modelId: 'fixture', transducer: { encoder: f('encoder.onnx'), decoder: f('decoder.onnx'), joiner: f('joiner.onnx') }, tokens: f('tokens.txt'), numThreads: 1, endpoint: { rule1: 2.4, rule2: 0.8, rule3: 20 } };
    expect(await w.load!({ key: 'k', spec }, call())).toEqual({ sampleRate: 16000, numSpeakers: 0 });
    const stt = call();
    const running = w.stt!({ stream: 1, key: 'k' }, stt);
    await w.sttAccept!({ stream: 1, samples: (await speechThenSilence('librivox-ss01-0880.wav', 0)).subarray(0, 32000), sampleRate: 16000 }, call());
    await w.sttDecodeFinal!({ stream: 1 }, call());
    stt.abort();
    await expect(running).resolves.toBeNull();
    expect(stt.items.at(-1)).toMatchObject({ type: 'final', stream: 1, endpoint: false, text: expect.stringMatching(/\w/) });
    expect(stt.items.some((i) => (i as { type: string }).type === 'partial')).toBe(true);
  });

  it('synthesize streams a sentence\'s audio; a cancelled call stops at the next chunk; a bad model is a typed error', async () => {
    const w = createWorker();
    await w.load!({ key: 't', spec: { kind: 'tts', modelId: 'fixture', model: { vits: { model: path.join(FIXTURE_TTS, 'model.onnx'), tokens: path.join(FIXTURE_TTS, 'tokens.txt') } }, numThreads: 1 } }, call());
    const one = call();
    expect(await w.synthesize!({ job: 1, key: 't', text: 'Hi.', sid: 0, speed: 1 }, one)).toEqual({ cancelled: false });
    expect(one.items).toHaveLength(1);
    expect((one.items[0] as { samples: Float32Array }).samples.length).toBe(3 * FIXTURE_TTS_HOP);
    const cut = call();
    const origEmit = cut.emit;
    cut.emit = (d) => {
      origEmit(d);
      cut.abort(); // barge-in during the first sentence
    };
    expect(await w.synthesize!({ job: 2, key: 't', text: 'One. Two. Three.', sid: 0, speed: 1 }, cut)).toEqual({ cancelled: true });
    expect(cut.items).toHaveLength(1);
    await expect(w.synthesize!({ job: 3, key: 'never-loaded', text: 'Hi.', sid: 0, speed: 1 }, call())).rejects.toMatchObject({ code: 'onnx/inference-failed' });
  });
});
