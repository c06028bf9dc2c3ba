import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeLlamaSpawner } from '../../../fakes/llama-process.js';
import { isRunning, useConversationHost } from '../../../helpers/conversation-host.js';
import { paddedSpeech } from '../../../helpers/speech.js';

// Where the local LLM runs reaches the UI as a 'device' conversation event, from the real
// ConversationHost and cascade (the inference process is a fake speaking its protocol; STT and TTS
// are the usual fakes), so the conversation view can show it beside the running providers.
const setup = useConversationHost();

function modelsWith(id: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-device-models-'));
  mkdirSync(path.join(dir, id));
  writeFileSync(path.join(dir, id, 'parley-model.json'), JSON.stringify({ id, task: 'llm', name: id, sha256: null, sizeBytes: null, license: 'MIT', source: '/x', files: ['m.gguf'], installedAt: new Date(0).toISOString() }));
  return dir;
}

describe('the live conversation reports where the local LLM runs', () => {
  it('a device event (backend, threads, the reason a GPU is not used) for the LLM stage, once, with the reply from llama.cpp', async () => {
    const device = { requested: 'cuda' as const, backend: 'cpu', deviceNames: [], threads: 1, fallback: 'CUDA is not available here: running on the CPU' };
    const llama = fakeLlamaSpawner({ device, reply: 'It is noon.' });
    const h = await setup({ local: { spawner: llama.spawn, modelsDir: modelsWith('tiny') } });
    await h.store.update((s) => {
      s.cascade.llm = 'llama-cpp';
      s.providers.llm['llama-cpp'] = { model: 'tiny', threads: 1, gpu: 'cuda' };
    });
    h.host.settingsChanged();
    h.player.command({ type: 'start', inputRate: 16000 });
    const running = await h.player.waitFor(isRunning);
    expect(running.type === 'session' && running.status.state === 'running' && running.status.providers.llm).toBe('llama-cpp');
    await h.speak((await paddedSpeech('librivox-ss01-0880.wav', 0.3, 1.2)).audio);
    await h.player.waitFor((m) => m.type === 'event' && m.event.type === 'assistant-done', 15_000);
    expect(h.player.events('assistant-done').map((e) => e.text)).toEqual(['It is noon.']);
    expect(h.player.events('device')).toEqual([{ type: 'device', device: { stage: 'llm', provider: 'llama-cpp', ...device } }]);
  }, 30_000);
});
