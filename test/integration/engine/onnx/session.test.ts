import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableProviders, createOnnxSession, cudaProviderInstalled } from '../../../../electron/engine/onnx/session.js';
import { SHARED_MODELS } from '../../../paths.js';

// The real onnxruntime-node on this machine: CPU bundled, CUDA listed but its library not installed.
const MODEL = path.join(SHARED_MODELS, 'silero-vad', 'silero_vad.onnx');

describe('createOnnxSession (real onnxruntime)', () => {
  it('auto picks the best available provider and reports it', async () => {
    const s = await createOnnxSession(MODEL, { device: 'auto' });
    try {
      expect(availableProviders()).toContain(s.provider);
      if (!cudaProviderInstalled() && process.platform === 'linux') expect(s.provider).toBe('cpu');
      expect(s.session.inputNames).toEqual(['input', 'state', 'sr']);
      expect(s.createMs).toBeGreaterThan(0);
    } finally {
      await s.release();
    }
  });

  it.runIf(process.platform === 'linux' && !cudaProviderInstalled())(
    'asking for CUDA without its provider library falls back to the CPU with the real loader error',
    async () => {
      const s = await createOnnxSession(readFileSync(MODEL), { device: 'cuda' });
      try {
        expect(s.provider).toBe('cpu');
        expect(s.fallbacks[0]).toMatchObject({ provider: 'cuda', error: expect.stringMatching(/Cuda|CUDA|shared library/) });
      } finally {
        await s.release();
      }
      await expect(createOnnxSession(MODEL, { device: 'cuda', strict: true })).rejects.toMatchObject({ code: 'onnx/provider-unavailable' });
    },
  );
});
