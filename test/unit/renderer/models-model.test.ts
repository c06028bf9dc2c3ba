import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelStore } from '../../../electron/engine/models/store.js';
import { assertAllowedOffline } from '../../../electron/engine/providers/offline.js';
import { findProvider } from '../../../electron/engine/providers/registry.js';
import { providerCatalog } from '../../../electron/engine/settings/handlers.js';
import type { ModelEntry, TransferStatus } from '../../../electron/shared/models.js';
import { defaultSettings, type Settings } from '../../../electron/shared/settings.js';
import { ROOT } from '../../paths.js';
import { emptyConversation, reduceConversation } from '../../../renderer/src/conversation/model.js';
import { deviceText, groupByTask, memoryText, missingLocalModels, modelErrorText, offlineChoice, offlineSwitches, presetMissing, runningDevices, sizeText, transferPercent, transferText } from '../../../renderer/src/models/model.js';

const catalog = providerCatalog();
// (A copy: zod hands out its default objects themselves, and these tests change them.)
const fresh = () => structuredClone(defaultSettings());
const offline = (change: (s: Settings) => void = () => {}) => {
  const s = fresh();
  s.offlineOnly = true;
  change(s);
  return s;
};
async function catalogModels(): Promise<ModelEntry[]> {
  return new ModelStore({ dir: mkdtempSync(path.join(tmpdir(), 'parley-ui-models-')), resourcesDir: path.join(ROOT, 'resources') }).list();
}

describe('offline choices in the settings (renderer)', () => {
  it('greys out exactly the providers the engine refuses offline, with the engine\'s reason', () => {
    const cases: [Settings, string][] = [
      [offline(), 'defaults'],
      [offline((s) => (s.providers.llm.openai = { baseUrl: 'http://127.0.0.1:8080/v1' })), 'OpenAI-compatible on loopback'],
      [offline((s) => (s.providers.llm.ollama = { baseUrl: 'http://192.168.1.20:11434' })), 'Ollama on another machine'],
    ];
    for (const [settings, what] of cases) {
      for (const p of catalog) {
        const values = settings.providers[p.kind][p.id] ?? {};
        const engine = (() => {
          try {
            assertAllowedOffline({ descriptor: findProvider(p.kind, p.id), settings: values });
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        })();
        const ui = offlineChoice(p, settings);
        expect(ui.allowed, `${what}: ${p.kind}:${p.id}`).toBe(engine === undefined);
        if (!ui.allowed) expect(engine).toContain(`(${ui.reason.replace(/^Offline only: /, '')})`);
      }
    }
    expect(offlineChoice(catalog.find((p) => p.id === 'deepgram')!, offline())).toEqual({ allowed: false, reason: 'Offline only: Deepgram is a cloud service' });
    expect(offlineChoice(catalog.find((p) => p.id === 'deepgram')!, fresh())).toEqual({ allowed: true });
  });

  it('turning offline on moves each cloud stage to an embedded engine', () => {
    const moves = offlineSwitches(fresh(), catalog);
    expect(moves.map((m) => [m.kind, m.from?.id, m.to.id])).toEqual([
      ['stt', 'deepgram', 'sherpa-onnx'],
      ['llm', 'openai', 'llama-cpp'],
      ['tts', 'openai', 'sherpa-onnx'],
    ]);
    // Moshi (the default speech-to-speech model) is local already.
    expect(offlineSwitches(offline((s) => (s.cascade = { stt: 'sherpa-onnx', llm: 'llama-cpp', tts: 'sherpa-onnx' })), catalog)).toEqual([]);
  });
});

describe('models a chosen local engine still needs (renderer)', () => {
  it('names the default models of the embedded engines when they are not installed, none for cloud or file-given models', async () => {
    const models = await catalogModels();
    const local = offline((s) => (s.cascade = { stt: 'sherpa-onnx', llm: 'llama-cpp', tts: 'sherpa-onnx' }));
    expect(missingLocalModels(local, catalog, models, ['stt', 'llm', 'tts']).map((m) => [m.kind, m.setting, m.id])).toEqual([
      ['stt', 'model', 'zipformer-en-20m-streaming'],
      ['llm', 'model', 'qwen3-0.6b-q8_0'],
      ['tts', 'model', 'pocket-tts-int8-2026-01-26'],
    ]);
    // A chosen model, a second pass, a model given as a file, an installed model.
    local.providers.stt['sherpa-onnx'] = { model: 'parakeet-tdt-0.6b-v2-int8', secondPassModel: 'moonshine-tiny-en-int8' };
    local.providers.llm['llama-cpp'] = { modelPath: '/models/mine.gguf' };
    const installed = models.map((m) => (m.id === 'pocket-tts-int8-2026-01-26' ? { ...m, installed: true } : m));
    expect(missingLocalModels(local, catalog, installed, ['stt', 'llm', 'tts']).map((m) => [m.setting, m.id, m.name])).toEqual([
      ['model', 'parakeet-tdt-0.6b-v2-int8', 'NVIDIA Parakeet TDT 0.6B v2 int8 (sherpa-onnx)'],
      ['secondPassModel', 'moonshine-tiny-en-int8', 'Moonshine tiny English int8 (sherpa-onnx; optional second pass)'],
    ]);
    expect(missingLocalModels(fresh(), catalog, models, ['stt', 'llm', 'tts', 's2s'])).toEqual([]);
  });
});

describe('the Models page in words (renderer)', () => {
  it('groups by task, in conversation order, and says sizes (unknown too) and memory', async () => {
    const models = await catalogModels();
    expect(groupByTask(models).map((g) => g.label)).toEqual(['Speech recognition', 'Language models', 'Voices (speech synthesis)', 'Turn detection', 'Voice activity detection']);
    expect(sizeText({ sizeBytes: null })).toBe('size unknown');
    expect(sizeText({ sizeBytes: 8_679_182 })).toBe('8.3 MB');
    expect(memoryText({ memoryMb: 3500 })).toBe('about 3.4 GB of memory');
    expect(memoryText({ memoryMb: 150 })).toBe('about 150 MB of memory');
  });

  it('a transfer as one line and a percentage (none while the total is unknown)', () => {
    const t: TransferStatus = { id: 'x', kind: 'pull', state: 'downloading', receivedBytes: 10 * 1024 * 1024, totalBytes: 40 * 1024 * 1024, bytesPerSecond: 2 * 1024 * 1024, etaSeconds: 15, pausable: true };
    expect(transferText(t)).toBe('Downloading: 10 MB of 40 MB, 2.0 MB/s, about 15 s left');
    expect(transferPercent(t)).toBe(25);
    expect(transferText({ ...t, state: 'paused' })).toBe('Paused: 10 MB of 40 MB');
    expect(transferText({ ...t, state: 'connecting', receivedBytes: 0, totalBytes: null })).toBe('Connecting');
    expect(transferPercent({ ...t, totalBytes: null })).toBeUndefined();
    expect(transferText({ ...t, etaSeconds: 125 })).toMatch(/about 2 min 5 s left$/);
  });

  it('says errors in the page\'s words: no CLI advice for a missing checksum', () => {
    expect(modelErrorText({ code: 'model/checksum-unknown', message: 'the catalog has no confirmed sha256 for q, ... run parley models pull q --sha256 <hex>' }, 'Qwen3')).toBe(
      'The catalog has no confirmed checksum for Qwen3, so it is not installed unverified. Get its sha256 from the publisher, enter it under "Checksum" and install again.',
    );
    expect(modelErrorText({ code: 'model/download-failed', message: 'cannot reach http://mirror/x (ECONNREFUSED)' })).toBe('Cannot reach http://mirror/x (ECONNREFUSED).');
  });

  it('a preset lists only what is not installed', async () => {
    const models = await catalogModels();
    const small = { id: 'small' as const, name: 'Small: any laptop', models: { vad: 'silero-vad-v6', llm: 'qwen3-0.6b-q8_0' } };
    expect(presetMissing(small, models).map((m) => m.id)).toEqual(['qwen3-0.6b-q8_0']);
  });
});

describe('where a local model runs, beside the running providers (renderer)', () => {
  const running = { state: 'running', architecture: 'cascade', providers: { stt: 'sherpa-onnx', llm: 'llama-cpp', tts: 'sherpa-onnx' }, playbackRate: 24000, mode: 'hands-free', muted: false, talking: false } as const;
  const cpu = { stage: 'llm' as const, provider: 'llama-cpp', requested: 'auto', backend: 'cpu', deviceNames: [], threads: 1 };

  it('keeps the last device per stage across sessions (the model stays loaded) and shows only the running providers\'', () => {
    let view = reduceConversation(emptyConversation, { type: 'session', status: running });
    view = reduceConversation(view, { type: 'event', event: { type: 'device', device: cpu } });
    view = reduceConversation(view, { type: 'session', status: { state: 'starting' } });
    view = reduceConversation(view, { type: 'session', status: running });
    expect(runningDevices(view.devices, running.providers).map(deviceText)).toEqual(['LLM on CPU, 1 thread']);
    expect(runningDevices(view.devices, { ...running.providers, llm: 'openai' })).toEqual([]);
    const gpu = { ...cpu, backend: 'cuda', deviceNames: ['NVIDIA GeForce RTX 4090'], threads: 8 };
    view = reduceConversation(view, { type: 'event', event: { type: 'device', device: gpu } });
    expect(view.devices).toEqual([gpu]);
    expect(deviceText(gpu)).toBe('LLM on CUDA GPU (NVIDIA GeForce RTX 4090)');
    expect(deviceText({ ...cpu, requested: 'vulkan', threads: 2, fallback: 'Vulkan is not available here: running on the CPU' })).toBe('LLM on CPU, 2 threads; Vulkan is not available here: running on the CPU');
  });
});
