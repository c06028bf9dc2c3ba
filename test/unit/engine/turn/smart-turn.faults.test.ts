import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OrtRuntime } from '../../../../electron/engine/onnx/session.js';
import { SmartTurnDetector } from '../../../../electron/engine/turn/smart-turn.js';
import { SMART_TURN_FIXTURES } from '../../../helpers/turn-signals.js';

// The file is read for real; the runtime is scripted, so device fallback and bad outputs can be staged.
const MODEL = path.join(SMART_TURN_FIXTURES, 'stand-in.onnx');

class FakeTensor {
  constructor(
    readonly type: string,
    readonly data: unknown,
    readonly dims: readonly number[],
  ) {}
}

function scriptedOrt(opts: { backends?: string[]; failing?: Record<string, string>; output?: () => unknown; outputNames?: string[] }) {
  const feeds: Record<string, FakeTensor>[] = [];
  const ort = {
    listSupportedBackends: () => (opts.backends ?? ['cpu']).map((name) => ({ name, bundled: true })),
    InferenceSession: {
      create: async (_model: unknown, o?: { executionProviders?: string[] }) => {
        const ep = String(o?.executionProviders?.[0]);
        if (opts.failing?.[ep]) throw new Error(opts.failing[ep]);
        return {
          inputNames: ['input_features'],
          outputNames: opts.outputNames ?? ['logits'],
          run: async (f: Record<string, FakeTensor>) => {
            feeds.push(f);
            const out = opts.output ? opts.output() : new FakeTensor('float32', Float32Array.of(0.75), [1, 1]);
            return { [(opts.outputNames ?? ['logits'])[0]!]: out };
          },
          release: async () => {},
        };
      },
    },
    Tensor: FakeTensor,
  } as unknown as OrtRuntime;
  return { ort, feeds };
}

describe('SmartTurnDetector with a scripted runtime', () => {
  it('feeds one float32 [1, 80, 800] tensor named input_features', async () => {
    const { ort, feeds } = scriptedOrt({});
    const d = await SmartTurnDetector.load({ modelPath: MODEL }, { ort });
    expect(await d.predict(new Float32Array(16000))).toMatchObject({ probability: 0.75, complete: true });
    expect(Object.keys(feeds[0]!)).toEqual(['input_features']);
    expect(feeds[0]!.input_features).toMatchObject({ type: 'float32', dims: [1, 80, 800] });
    expect((feeds[0]!.input_features!.data as Float32Array).length).toBe(64000);
  });

  it('asking for CUDA where it fails runs on the CPU and reports why', async () => {
    const { ort } = scriptedOrt({ backends: ['cpu', 'cuda'], failing: { cuda: 'no CUDA-capable device' } });
    const d = await SmartTurnDetector.load({ modelPath: MODEL, device: 'cuda' }, { ort, platform: 'linux' });
    expect(d.provider).toBe('cpu');
    expect(d.fallbacks).toEqual([{ provider: 'cuda', error: 'no CUDA-capable device' }]);
  });

  it('uses an output named otherwise when there is no `logits`', async () => {
    const { ort } = scriptedOrt({ outputNames: ['probability'], output: () => new FakeTensor('float32', Float32Array.of(0.25), [1, 1]) });
    const d = await SmartTurnDetector.load({ modelPath: MODEL }, { ort });
    expect(await d.predict(new Float32Array(100))).toMatchObject({ probability: 0.25, complete: false });
  });

  it.each([
    ['a non-finite score', () => new FakeTensor('float32', Float32Array.of(Number.NaN), [1, 1]), /non-finite/],
    ['two values', () => new FakeTensor('float32', Float32Array.of(0.1, 0.9), [1, 2]), /one float32 value/],
    ['an int64 output', () => new FakeTensor('int64', BigInt64Array.of(1n), [1, 1]), /one float32 value/],
    ['no output at all', () => undefined, /got nothing/],
  ])('%s is a typed inference error', async (_name, output, message) => {
    const { ort } = scriptedOrt({ output });
    const d = await SmartTurnDetector.load({ modelPath: MODEL }, { ort });
    await expect(d.predict(new Float32Array(100))).rejects.toMatchObject({ code: 'onnx/inference-failed', message: expect.stringMatching(message) });
  });

  it('a failing run is a typed error and the next call still works', async () => {
    let calls = 0;
    const { ort } = scriptedOrt({
      output: () => {
        if (++calls === 1) throw new Error('kernel exploded');
        return new FakeTensor('float32', Float32Array.of(0.625), [1, 1]);
      },
    });
    const d = await SmartTurnDetector.load({ modelPath: MODEL }, { ort });
    const first = d.predict(new Float32Array(100));
    const second = d.predict(new Float32Array(100));
    await expect(first).rejects.toMatchObject({ code: 'onnx/inference-failed', message: expect.stringMatching(/kernel exploded/) });
    await expect(second).resolves.toMatchObject({ probability: 0.625 });
  });

  it('bad audio is a typed input error before any inference', async () => {
    const { ort, feeds } = scriptedOrt({});
    const d = await SmartTurnDetector.load({ modelPath: MODEL }, { ort });
    await expect(d.predict(Float32Array.of(0, Number.POSITIVE_INFINITY))).rejects.toMatchObject({ code: 'audio/invalid-input' });
    expect(feeds).toHaveLength(0);
  });
});
