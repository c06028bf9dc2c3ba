import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkerCall } from '../../../../electron/engine/local/worker-api.js';
import { createWorker } from '../../../../electron/engine/providers/sherpa/sherpa-worker.js';
import { FIXTURE_STT, FIXTURE_TTS, FIXTURE_TTS_HOP, corruptCopy, speechThenSilence } from '../../../helpers/sherpa.js';

/** A call as the local-process child runtime makes it: items streamed to `items`, cancelled through `abort`. */
function call(): WorkerCall & { items: unknown[]; stages: string[]; abort: () => void } {
  const controller = new AbortController();
  const items: unknown[] = [];
  const stages: string[] = [];
  return { signal: controller.signal, emit: (d) => items.push(d), progress: (stage) => stages.push(stage), items, stages, abort: () => controller.abort() };
}

const f = (n: string) => path.join(FIXTURE_STT, n);
const sttSpec = { kind: 'stt', modelId: 'fixture', transducer: { encoder: f('encoder.onnx'), decoder: f('decoder.onnx'), joiner: f('joiner.onnx') }, tokens: f('tokens.txt'), numThreads: 1, endpoint: { rule1: 2.4, rule2: 0.8, rule3: 20 } };
const ttsSpec = (dir = FIXTURE_TTS) => ({ kind: 'tts', modelId: 'fixture-voice', model: { vits: { model: path.join(dir, 'model.onnx'), tokens: path.join(dir, 'tokens.txt') } }, numThreads: 1 });

// The worker module run in-process (well-formed models only: a corrupt STT model would abort this process).
describe('sherpa-onnx worker module (engine/local calls)', () => {
  it('stt loads the model, says opened with the stream id, streams partials and the final of a decode-final; cancelling it closes the stream', async () => {
    const w = createWorker();
    const stt = call();
    const running = w.stt!({ key: 'k', spec: sttSpec }, stt);
    await expect.poll(() => stt.items[0]).toEqual({ type: 'opened', stream: 1 });
    expect(stt.stages).toEqual(['loading model']);
    expect(await w.sttAccept!({ stream: 1, samples: (await speechThenSilence('librivox-ss01-0880.wav', 0)).subarray(0, 32000), sampleRate: 16000 }, call())).toBeNull();
    await w.sttDecodeFinal!({ stream: 1 }, call());
    stt.abort();
    await expect(running).resolves.toBeNull();
    expect(stt.items.at(-1)).toMatchObject({ type: 'final', endpoint: false, text: expect.stringMatching(/\w/) });
    expect(stt.items.slice(1, -1).every((i) => (i as { type: string }).type === 'partial')).toBe(true);
    expect(stt.items.length).toBeGreaterThan(2);
    // A second stream on the same model: loaded once per process, a new id.
    const again = call();
    const second = w.stt!({ key: 'k', spec: sttSpec }, again);
    await expect.poll(() => again.items[0]).toEqual({ type: 'opened', stream: 2 });
    expect(again.stages).toEqual([]);
    again.abort();
    await second;
    // Audio for a closed stream is ignored, not an error.
    expect(await w.sttAccept!({ stream: 1, samples: new Float32Array(160), sampleRate: 16000 }, call())).toBeNull();
  });

  it('invalid params are refused as local/protocol, before sherpa-onnx sees them', async () => {
    const w = createWorker();
    await expect(w.stt!({ key: 'k', spec: { kind: 'tts' } }, call())).rejects.toMatchObject({ code: 'local/protocol' });
    await expect(w.sttAccept!({ stream: 1, samples: [0, 1], sampleRate: 16000 }, call())).rejects.toMatchObject({ code: 'local/protocol' });
  });

  it("synthesize streams a sentence's audio; a cancelled call stops at the next chunk; a voice sherpa refuses is onnx/model-invalid naming its pull command", async () => {
    const w = createWorker();
    const one = call();
    expect(await w.synthesize!({ key: 't', spec: ttsSpec(), text: 'Hi.', sid: 0, speed: 1 }, one)).toEqual({ cancelled: false });
    expect(one.items).toEqual([{ type: 'audio', samples: expect.any(Float32Array), sampleRate: 16000 }]);
    expect((one.items[0] as { samples: Float32Array }).samples.length).toBe(3 * FIXTURE_TTS_HOP);
    const cut = call();
    const emit = cut.emit;
    cut.emit = (d) => {
      emit(d);
      cut.abort(); // barge-in during the first sentence
    };
    expect(await w.synthesize!({ key: 't', spec: ttsSpec(), text: 'One. Two. Three.', sid: 0, speed: 1 }, cut)).toEqual({ cancelled: true });
    expect(cut.items).toHaveLength(1);
    // OfflineTts.createAsync rejects on a corrupt file (it does not abort the process).
    await expect(w.synthesize!({ key: 'bad', spec: ttsSpec(corruptCopy(FIXTURE_TTS, 'model.onnx', 500)), text: 'Hi.', sid: 0, speed: 1 }, call())).rejects.toMatchObject({
      code: 'onnx/model-invalid',
      message: expect.stringMatching(/the model 'fixture-voice' could not be loaded \(.*Protobuf parsing failed.*\).*parley models pull fixture-voice/),
    });
  });
});
