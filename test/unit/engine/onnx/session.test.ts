import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { availableProviders, createOnnxSession, type OrtRuntime } from '../../../../electron/engine/onnx/session.js';

/**
 * A scripted onnxruntime: which providers exist and which fail to initialise. Lets the fallback
 * order be checked for platforms this machine is not (macOS, Windows, Linux with CUDA).
 */
function scriptedOrt(backends: string[], failing: Record<string, string> = {}) {
  const calls: string[][] = [];
  const options: Record<string, unknown>[] = [];
  const ort = {
    listSupportedBackends: () => backends.map((name) => ({ name, bundled: true })),
    InferenceSession: {
      create: async (_model: unknown, opts?: { executionProviders?: string[] }) => {
        options.push(opts ?? {});
        const eps = (opts?.executionProviders ?? []).map(String);
        calls.push(eps);
        const ep = eps[0]!;
        if (failing[ep]) throw new Error(failing[ep]);
        return { inputNames: [], release: async () => {} };
      },
    },
    Tensor: class {},
  } as unknown as OrtRuntime;
  return { ort, calls, options };
}

const MODEL = new Uint8Array([1, 2, 3]);

describe('createOnnxSession provider choice', () => {
  it('auto on macOS prefers CoreML', async () => {
    const { ort, calls } = scriptedOrt(['cpu', 'coreml']);
    const s = await createOnnxSession(MODEL, { device: 'auto' }, { ort, platform: 'darwin' });
    expect(s.provider).toBe('coreml');
    expect(calls).toEqual([['coreml']]);
  });

  it('auto on Windows tries CUDA, then DirectML, and reports why CUDA was skipped', async () => {
    const { ort, calls } = scriptedOrt(['cpu', 'dml', 'cuda'], { cuda: 'Failed to load shared library' });
    const s = await createOnnxSession(MODEL, {}, { ort, platform: 'win32', cudaInstalled: () => true });
    expect(s.provider).toBe('dml');
    expect(s.fallbacks).toEqual([{ provider: 'cuda', error: 'Failed to load shared library' }]);
    expect(calls).toEqual([['cuda'], ['dml']]);
  });

  it('auto on Linux does not probe CUDA when its provider library is not installed', async () => {
    const { ort, calls } = scriptedOrt(['cpu', 'cuda']);
    const s = await createOnnxSession(MODEL, {}, { ort, platform: 'linux', cudaInstalled: () => false });
    expect(s.provider).toBe('cpu');
    expect(calls).toEqual([['cpu']]);
    const withCuda = await createOnnxSession(MODEL, {}, { ort, platform: 'linux', cudaInstalled: () => true });
    expect(withCuda.provider).toBe('cuda');
  });

  it('an explicit device that is not in this build falls back to the CPU and says so', async () => {
    const { ort } = scriptedOrt(['cpu']);
    const s = await createOnnxSession(MODEL, { device: 'coreml' }, { ort, platform: 'linux' });
    expect(s.provider).toBe('cpu');
    expect(s.requested).toBe('coreml');
    expect(s.fallbacks[0]).toMatchObject({ provider: 'coreml', error: expect.stringMatching(/not available/) });
  });

  it('strict mode refuses to fall back', async () => {
    const { ort } = scriptedOrt(['cpu', 'cuda'], { cuda: 'no CUDA device' });
    await expect(createOnnxSession(MODEL, { device: 'cuda', strict: true }, { ort, platform: 'linux' })).rejects.toMatchObject({
      code: 'onnx/provider-unavailable',
      message: expect.stringMatching(/no CUDA device/),
    });
  });

  it('a model the runtime cannot parse is a model error, not a provider fallback', async () => {
    const { ort } = scriptedOrt(['cpu', 'cuda'], { cuda: 'Failed to load model because protobuf parsing failed.' });
    await expect(createOnnxSession(MODEL, { device: 'cuda' }, { ort, platform: 'linux' })).rejects.toMatchObject({ code: 'onnx/model-invalid' });
  });

  it('passes threads through and measures creation with the injected clock', async () => {
    const clock = new ManualClock();
    const { ort, options } = scriptedOrt(['cpu']);
    const s = await createOnnxSession(MODEL, { device: 'cpu', threads: 3 }, { ort, clock });
    expect(s.createMs).toBe(0);
    expect(options[0]).toMatchObject({ intraOpNumThreads: 3, executionProviders: ['cpu'] });
    expect(availableProviders({ ort, platform: 'freebsd' })).toEqual(['cpu']);
  });

  it('rejects model bytes whose checksum does not match', async () => {
    const { ort } = scriptedOrt(['cpu']);
    await expect(createOnnxSession(MODEL, { sha256: '00'.repeat(32) }, { ort })).rejects.toMatchObject({ code: 'model/checksum-mismatch' });
  });
});
