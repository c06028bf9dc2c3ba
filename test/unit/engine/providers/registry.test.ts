import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertAllowedOffline } from '../../../../electron/engine/providers/offline.js';
import { findProvider, providers, resolveProvider } from '../../../../electron/engine/providers/registry.js';

describe('provider registry', () => {
  it('declares every provider with a schema whose defaults parse', () => {
    expect(providers.map((p) => `${p.kind}:${p.id}`)).toEqual(['stt:deepgram', 'stt:kyutai', 'stt:sherpa-onnx', 'llm:openai', 'llm:ollama', 'llm:anthropic', 'tts:openai', 'tts:elevenlabs', 'tts:kyutai', 'tts:sherpa-onnx', 's2s:moshi', 's2s:openai-realtime']);
    for (const p of providers) {
      const defaults = p.settings.parse({}) as { baseUrl?: string };
      // Every service has an endpoint; an embedded engine (sherpa-onnx) has none, and is local.
      if (defaults.baseUrl === undefined) expect(p.local).toBe(true);
      else expect(() => new URL(defaults.baseUrl!)).not.toThrow();
      // The settings UI is generated from the schema: it must convert to JSON Schema.
      expect(z.toJSONSchema(p.settings)).toMatchObject({ type: 'object' });
    }
  });

  it('resolves the endpoint from settings, then PARLEY_<PROVIDER>_URL, then the default', () => {
    const env = { PARLEY_OPENAI_URL: 'http://127.0.0.1:8000/v1', OPENAI_API_KEY: 'env-key' };
    expect(resolveProvider('llm', 'openai', {}, env)).toMatchObject({ settings: { baseUrl: 'http://127.0.0.1:8000/v1' }, apiKey: 'env-key', endpointSource: 'environment' });
    expect(resolveProvider('llm', 'openai', { baseUrl: 'https://proxy.example/v1' }, env, 'saved-key')).toMatchObject({
      settings: { baseUrl: 'https://proxy.example/v1' },
      apiKey: 'saved-key',
      endpointSource: 'settings',
    });
    expect(resolveProvider('tts', 'elevenlabs', {}, { ELEVENLABS_API_KEY: 'k' })).toMatchObject({ settings: { baseUrl: 'wss://api.elevenlabs.io' }, endpointSource: 'default' });
  });

  it('needs no key for a local server, and names the variable when a cloud key is missing', () => {
    expect(resolveProvider('llm', 'ollama', {}, {}).apiKey).toBeUndefined();
    expect(() => resolveProvider('stt', 'deepgram', {}, {})).toThrow('no API key for Deepgram: set DEEPGRAM_API_KEY or add the key in settings');
    expect(() => resolveProvider('llm', 'anthropic', { maxTokens: -1 }, { ANTHROPIC_API_KEY: 'k' })).toThrow(/invalid Anthropic Claude setting maxTokens/);
  });

  it('speech-to-speech: Moshi is local and keyless; OpenAI Realtime has its own endpoint variable but the OpenAI key', () => {
    expect(resolveProvider('s2s', 'moshi', {}, { PARLEY_MOSHI_URL: 'ws://10.0.0.5:8998' })).toMatchObject({ settings: { baseUrl: 'ws://10.0.0.5:8998' }, apiKey: undefined, endpointSource: 'environment' });
    expect(resolveProvider('s2s', 'openai-realtime', {}, { PARLEY_OPENAI_REALTIME_URL: 'ws://127.0.0.1:7000/v1/realtime', OPENAI_API_KEY: 'sk-1' })).toMatchObject({ settings: { baseUrl: 'ws://127.0.0.1:7000/v1/realtime', model: 'gpt-realtime' }, apiKey: 'sk-1' });
    expect(() => resolveProvider('s2s', 'openai-realtime', {}, {})).toThrow('no API key for OpenAI Realtime: set OPENAI_API_KEY or add the key in settings');
  });

  it('the embedded sherpa-onnx engines are local and keyless, named for people, allowed in offline mode', () => {
    for (const kind of ['stt', 'tts'] as const) {
      const r = resolveProvider(kind, 'sherpa-onnx', {}, {});
      expect(r).toMatchObject({ apiKey: undefined, descriptor: { local: true, requiresKey: false } });
      expect(() => assertAllowedOffline(r)).not.toThrow();
    }
    expect(findProvider('stt', 'sherpa-onnx').displayName).toBe('Local speech recognition (sherpa-onnx)');
    expect(findProvider('tts', 'sherpa-onnx').displayName).toBe('Local voice (sherpa-onnx)');
    expect(resolveProvider('stt', 'sherpa-onnx', {}, {}).settings).toMatchObject({ model: 'zipformer-en-20m-streaming', numThreads: 1 });
    expect(resolveProvider('tts', 'sherpa-onnx', {}, {}).settings).toMatchObject({ model: 'pocket-tts-int8-2026-01-26', sampleRate: 24000 });
  });
});
