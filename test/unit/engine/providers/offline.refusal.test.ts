import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { isLoopbackHost, runsLocally } from '../../../../electron/engine/providers/offline.js';
import { createProvider, findProvider, providers, resolveProvider } from '../../../../electron/engine/providers/registry.js';
import { createLiveSession } from '../../../../electron/engine/session/session-factory.js';
import { MemorySecretStore } from '../../../../electron/engine/settings/secret-store.js';
import { ClockedSink } from '../../../../electron/engine/audio/playout.js';
import { defaultSettings } from '../../../../electron/shared/settings.js';

const context = (offlineOnly: boolean) => ({ clock: new ManualClock(), offlineOnly });

describe('offline mode refuses cloud providers in the engine', () => {
  it('marks every provider cloud or local, an OpenAI-compatible endpoint on loopback counting as local', () => {
    const local = (kind: 'stt' | 'llm' | 'tts' | 's2s', id: string, baseUrl?: string) => runsLocally(findProvider(kind, id), resolveProvider(kind, id, baseUrl ? { baseUrl } : {}, {}, 'k').settings);
    expect(providers.map((p) => `${p.kind}:${p.id}:${runsLocally(p, p.settings.parse({}) as Record<string, unknown>) ? 'local' : 'cloud'}`)).toEqual([
      'stt:deepgram:cloud',
      'stt:kyutai:local',
      'stt:sherpa-onnx:local',
      'stt:deepgram-flux:cloud',
      'stt:gradium:cloud',
      'stt:openai-transcribe:local',
      'llm:openai:cloud',
      'llm:ollama:local',
      'llm:llama-cpp:local',
      'llm:anthropic:cloud',
      'tts:openai:cloud',
      'tts:elevenlabs:cloud',
      'tts:kyutai:local',
      'tts:gradium:cloud',
      'tts:sherpa-onnx:local',
      's2s:moshi:local',
      's2s:openai-realtime:cloud',
    ]);
    expect(local('llm', 'openai', 'http://127.0.0.1:8080/v1')).toBe(true); // llama.cpp server, vLLM on this machine
    expect(local('llm', 'openai', 'http://localhost:8080/v1')).toBe(true);
    expect(local('tts', 'openai', 'http://[::1]:8880/v1')).toBe(true); // a local OpenAI-compatible speech server
    expect(local('stt', 'openai-transcribe', 'http://127.0.0.1:8080')).toBe(true); // whisper.cpp's server on this machine
    expect(local('stt', 'openai-transcribe', 'https://api.openai.com/v1')).toBe(false);
    expect(local('stt', 'openai-transcribe', 'http://192.168.1.20:8080')).toBe(false);
    expect(local('llm', 'ollama', 'http://192.168.1.20:11434/v1')).toBe(false); // another machine is the network
    expect(local('llm', 'ollama', 'http://127.0.0.1.example.com/v1')).toBe(false);
    // A vendor's cloud API on loopback is a test double, not a local engine.
    expect(local('stt', 'deepgram', 'ws://127.0.0.1:1234')).toBe(false);
    expect(local('stt', 'deepgram-flux', 'ws://127.0.0.1:1234')).toBe(false);
    expect(isLoopbackHost('127.8.9.10')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });

  it('createProvider refuses a cloud provider with a typed error, and builds a local one', () => {
    const deepgram = resolveProvider('stt', 'deepgram', {}, { DEEPGRAM_API_KEY: 'k' });
    expect(() => createProvider(deepgram, context(true))).toThrow(expect.objectContaining({ code: 'offline/cloud-provider', message: expect.stringMatching(/^offline mode forbids cloud providers: STT 'deepgram'/) }));
    expect(() => createProvider(deepgram, context(false))).not.toThrow();
    const remoteOllama = resolveProvider('llm', 'ollama', { baseUrl: 'http://gpu-box.lan:11434/v1' }, {});
    expect(() => createProvider(remoteOllama, context(true))).toThrow(expect.objectContaining({ code: 'offline/cloud-provider', message: expect.stringMatching(/not on this machine/) }));
    expect(createProvider(resolveProvider('llm', 'ollama', {}, {}), context(true))).toBeDefined();
    // A whisper.cpp server on this machine (the default) is allowed offline; the same API elsewhere is not.
    expect(createProvider(resolveProvider('stt', 'openai-transcribe', {}, {}), context(true))).toMatchObject({ id: 'openai-transcribe', finalsOnly: true });
    const cloudWhisper = resolveProvider('stt', 'openai-transcribe', { baseUrl: 'https://api.openai.com/v1' }, {});
    expect(() => createProvider(cloudWhisper, context(true))).toThrow(expect.objectContaining({ code: 'offline/cloud-provider', message: expect.stringMatching(/STT 'openai-transcribe' is refused \(its endpoint at api\.openai\.com is not on this machine/) }));
  });

  it('the app session built from settings with "offline only" refuses the cloud providers chosen', async () => {
    const settings = { ...defaultSettings(), offlineOnly: true };
    const clock = new ManualClock();
    const build = createLiveSession(settings, 'cascade', {
      secrets: new MemorySecretStore(),
      env: { DEEPGRAM_API_KEY: 'k', OPENAI_API_KEY: 'k' },
      clock,
      vad: () => {
        throw new Error('not reached');
      },
      sinkAt: (rate) => new ClockedSink(rate, clock),
      history: [],
    });
    await expect(build).rejects.toMatchObject({ code: 'offline/cloud-provider' });
  });
});
