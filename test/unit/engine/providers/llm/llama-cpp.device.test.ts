import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../electron/engine/clock.js';
import type { HostEvent } from '../../../../../electron/engine/local/host.js';
import { LlamaCppLlm, LlamaCppSettingsSchema } from '../../../../../electron/engine/providers/llm/llama-cpp.js';
import { createProvider, resolveProvider } from '../../../../../electron/engine/providers/registry.js';
import { DeviceInfoSchema, type DeviceInfo } from '../../../../../electron/shared/conversation.js';
import { fakeLlamaSpawner } from '../../../../fakes/llama-process.js';

// Where llama.cpp runs reaches the UI as data (a conversation event), not as a log line to parse.
function modelsWith(id: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-llama-device-'));
  mkdirSync(path.join(dir, id));
  writeFileSync(path.join(dir, id, 'parley-model.json'), JSON.stringify({ id, task: 'llm', name: id, sha256: null, sizeBytes: null, license: 'MIT', source: '/x', files: ['m.gguf'], installedAt: new Date(0).toISOString() }));
  return dir;
}

function hostSending(events: HostEvent[]) {
  return {
    async *stream(): AsyncGenerator<HostEvent> {
      yield* events;
    },
  };
}

describe('llama-cpp: the device used, as structured data', () => {
  const fallback = { requested: 'cuda', backend: 'cpu', deviceNames: [], threads: 1, fallback: 'CUDA is not available here: running on the CPU' };

  it('a reply that loads the model reports its device for the LLM stage, tagged with the provider, valid for the conversation contract', async () => {
    const seen: DeviceInfo[] = [];
    const host = hostSending([
      { type: 'event', data: { type: 'device', device: fallback } },
      { type: 'result', value: { stopReason: 'stop', functionCalls: [] } },
    ]);
    const llm = new LlamaCppLlm(LlamaCppSettingsSchema.parse({ model: 'tiny', threads: 1, gpu: 'cuda' }), { host, modelsDir: modelsWith('tiny'), device: (d) => seen.push(d) });
    for await (const _ of llm.stream({ messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal }));
    expect(seen).toEqual([{ stage: 'llm', provider: 'llama-cpp', ...fallback }]);
    expect(DeviceInfoSchema.parse(seen[0])).toEqual(seen[0]);
  });

  it('a preload (prefill while the user speaks) that loads the model reports it too', async () => {
    const seen: DeviceInfo[] = [];
    const gpu = { requested: 'auto', backend: 'vulkan', deviceNames: ['AMD Radeon 780M'], threads: 4 };
    const host = hostSending([{ type: 'event', data: { type: 'device', device: gpu } }, { type: 'result', value: { stopReason: 'stop', functionCalls: [] } }]);
    const llm = new LlamaCppLlm(LlamaCppSettingsSchema.parse({ model: 'tiny' }), { host, modelsDir: modelsWith('tiny'), device: (d) => seen.push(d) });
    await llm.preload({ messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal });
    expect(seen).toEqual([{ stage: 'llm', provider: 'llama-cpp', ...gpu }]);
  });
});

describe('llama-cpp from the registry: the provider context carries the device', () => {
  it('a model loaded in the inference process (a fake speaking the host protocol) reaches ProviderContext.device', async () => {
    const device = { requested: 'auto' as const, backend: 'cpu', deviceNames: [], threads: 1 };
    const { spawn: spawner } = fakeLlamaSpawner({ device });
    const seen: DeviceInfo[] = [];
    const resolved = resolveProvider('llm', 'llama-cpp', { model: 'tiny', threads: 1 }, {}, () => undefined);
    const llm = createProvider(resolved, { clock: new ManualClock(), localSpawner: spawner, modelsDir: modelsWith('tiny'), device: (d) => seen.push(d) });
    for await (const _ of llm.stream({ messages: [{ role: 'user', content: 'hi' }], signal: new AbortController().signal }));
    expect(seen).toEqual([{ stage: 'llm', provider: 'llama-cpp', ...device }]);
  });
});
