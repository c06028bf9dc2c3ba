import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertAllowedOffline } from '../../../../electron/engine/providers/offline.js';
import { findProvider, keyNameOf, providers, resolveProvider } from '../../../../electron/engine/providers/registry.js';

describe('provider registry', () => {
  it('declares every provider with a schema whose defaults parse', () => {
    expect(providers.map((p) => `${p.kind}:${p.id}`)).toEqual(['stt:deepgram', 'stt:kyutai', 'stt:sherpa-onnx', 'stt:deepgram-flux', 'stt:gradium', 'stt:openai-transcribe', 'llm:openai', 'llm:ollama', 'llm:llama-cpp', 'llm:anthropic', 'tts:openai', 'tts:elevenlabs', 'tts:kyutai', 'tts:gradium', 'tts:sherpa-onnx', 's2s:moshi', 's2s:openai-realtime']);
    for (const p of providers) {
      const defaults = p.settings.parse({}) as { baseUrl?: string };
      // An embedded engine (llama.cpp) runs in a process of Parley's own: it has no endpoint.
      if ((p.capabilities as readonly string[]).includes('embedded')) expect(defaults.baseUrl).toBeUndefined();
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
    expect(() => resolveProvider('llm', 'anthropic', { maxTokens: -1 }, { ANTHROPIC_API_KEY: 'k' })).toThrow('Anthropic Claude: the max tokens must be above 0');
  });

  it('Gradium: one key (GRADIUM_API_KEY) and endpoint variable for STT and TTS; a region host is a base URL setting', () => {
    expect(resolveProvider('stt', 'gradium', {}, { GRADIUM_API_KEY: 'g' })).toMatchObject({ settings: { baseUrl: 'wss://api.gradium.ai', endOfTurnThreshold: 0.5 }, apiKey: 'g', endpointSource: 'default' });
    expect(resolveProvider('tts', 'gradium', {}, { GRADIUM_API_KEY: 'g', PARLEY_GRADIUM_URL: 'wss://us.api.gradium.ai' })).toMatchObject({ settings: { baseUrl: 'wss://us.api.gradium.ai', outputFormat: 'pcm_24000' }, endpointSource: 'environment' });
    expect(resolveProvider('stt', 'gradium', { baseUrl: 'wss://eu.api.gradium.ai' }, {}, 'g').settings).toMatchObject({ baseUrl: 'wss://eu.api.gradium.ai' });
    expect(() => resolveProvider('tts', 'gradium', {}, {})).toThrow('no API key for Gradium: set GRADIUM_API_KEY or add the key in settings');
    expect(() => resolveProvider('stt', 'gradium', { delayInFrames: 9 }, {}, 'g')).toThrow(/^Gradium: the delay in frames must be one of /);
  });

  it('speech-to-speech: Moshi is local and keyless; OpenAI Realtime has its own endpoint variable but the OpenAI key', () => {
    expect(resolveProvider('s2s', 'moshi', {}, { PARLEY_MOSHI_URL: 'ws://10.0.0.5:8998' })).toMatchObject({ settings: { baseUrl: 'ws://10.0.0.5:8998' }, apiKey: undefined, endpointSource: 'environment' });
    expect(resolveProvider('s2s', 'openai-realtime', {}, { PARLEY_OPENAI_REALTIME_URL: 'ws://127.0.0.1:7000/v1/realtime', OPENAI_API_KEY: 'sk-1' })).toMatchObject({ settings: { baseUrl: 'ws://127.0.0.1:7000/v1/realtime', model: 'gpt-realtime' }, apiKey: 'sk-1' });
    expect(() => resolveProvider('s2s', 'openai-realtime', {}, {})).toThrow('no API key for OpenAI Realtime: set OPENAI_API_KEY or add the key in settings');
  });

  it('Deepgram Flux: its own endpoint variable, Deepgram\'s key (and so Deepgram\'s key check)', () => {
    const env = { PARLEY_DEEPGRAM_FLUX_URL: 'ws://127.0.0.1:7001', DEEPGRAM_API_KEY: 'dg-1' };
    expect(resolveProvider('stt', 'deepgram-flux', {}, env)).toMatchObject({
      settings: { baseUrl: 'ws://127.0.0.1:7001', model: 'flux-general-en', endOfTurnThreshold: 0.7, endOfTurnTimeoutMs: 5000 },
      apiKey: 'dg-1',
      endpointSource: 'environment',
    });
    expect(resolveProvider('stt', 'deepgram-flux', {}, env).settings.eagerEndOfTurnThreshold).toBeUndefined();
    expect(keyNameOf(providers.find((p) => p.id === 'deepgram-flux')!)).toBe('deepgram');
    expect(() => resolveProvider('stt', 'deepgram-flux', {}, {})).toThrow('no API key for Deepgram Flux: set DEEPGRAM_API_KEY or add the key in settings');
    expect(() => resolveProvider('stt', 'deepgram-flux', { eagerEndOfTurnThreshold: 0.95 }, env)).toThrow(/^Deepgram Flux: the eager end of turn threshold must be /);
  });

  it('invalid settings and unknown providers are engine errors (not CLI usage errors), in plain words', () => {
    expect(() => resolveProvider('stt', 'deepgram', { baseUrl: 'api.deepgram.com' }, {}, 'k')).toThrow(expect.objectContaining({ code: 'settings/invalid', message: 'Deepgram: the address must be a ws:// or wss:// URL', provider: 'deepgram' }));
    expect(() => resolveProvider('stt', 'deepgram', {}, { PARLEY_DEEPGRAM_URL: 'not a url' }, 'k')).toThrow(expect.objectContaining({ code: 'settings/invalid', message: 'Deepgram: PARLEY_DEEPGRAM_URL must be a ws:// or wss:// URL' }));
    expect(() => resolveProvider('tts', 'openai', {}, { PARLEY_OPENAI_URL: 'wss://api.openai.com/v1' }, 'k')).toThrow(expect.objectContaining({ code: 'settings/invalid', message: 'OpenAI speech: PARLEY_OPENAI_URL must be an http:// or https:// URL' }));
    expect(() => findProvider('llm', 'gpt5')).toThrow(expect.objectContaining({ code: 'provider/unknown', message: "unknown LLM provider 'gpt5' (available: openai, ollama, llama-cpp, anthropic)" }));
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

  it('OpenAI-compatible transcription: a whisper.cpp server on this machine by default, its own optional key and endpoint variable', () => {
    expect(resolveProvider('stt', 'openai-transcribe', {}, {})).toMatchObject({ settings: { baseUrl: 'http://127.0.0.1:8080', path: 'auto', model: 'whisper-1', maxSegmentS: 30 }, apiKey: undefined, endpointSource: 'default' });
    const openai = resolveProvider('stt', 'openai-transcribe', {}, { PARLEY_OPENAI_TRANSCRIBE_URL: 'https://api.openai.com/v1', OPENAI_TRANSCRIBE_API_KEY: 'sk-t', OPENAI_API_KEY: 'sk-llm' });
    expect(openai).toMatchObject({ settings: { baseUrl: 'https://api.openai.com/v1', path: 'auto' }, apiKey: 'sk-t', endpointSource: 'environment' });
    // The LLM's OpenAI key is not this provider's: it never goes to a transcription server.
    expect(resolveProvider('stt', 'openai-transcribe', {}, { OPENAI_API_KEY: 'sk-llm' }).apiKey).toBeUndefined();
    expect(findProvider('stt', 'openai-transcribe')).toMatchObject({ displayName: 'OpenAI-compatible transcription (whisper.cpp server, OpenAI, ...)', requiresKey: false, localWhenLoopback: true });
    expect(() => resolveProvider('stt', 'openai-transcribe', { path: '/v1/transcribe' }, {})).toThrow(/^OpenAI-compatible transcription \(whisper\.cpp server, OpenAI, \.\.\.\): the path must be one of /);
    expect(() => resolveProvider('stt', 'openai-transcribe', {}, { PARLEY_OPENAI_TRANSCRIBE_URL: 'ws://127.0.0.1:8080' })).toThrow(/PARLEY_OPENAI_TRANSCRIBE_URL must be an http:\/\/ or https:\/\/ URL/);
  });
});
