import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../electron/engine/clock.js';
import { runsLocally } from '../../../../electron/engine/providers/offline.js';
import { createProvider, findProvider, resolveProvider } from '../../../../electron/engine/providers/registry.js';
import type { KyutaiStt } from '../../../../electron/engine/providers/stt/kyutai.js';
import type { KyutaiTts } from '../../../../electron/engine/providers/tts/kyutai.js';

describe('Kyutai (self-hosted moshi-server) in the registry', () => {
  it('STT and TTS default to Unmute\'s ports on this machine; PARLEY_KYUTAI_URL points both at one server; the key is optional', () => {
    expect(resolveProvider('stt', 'kyutai', {}, {})).toMatchObject({ settings: { baseUrl: 'ws://127.0.0.1:8090' }, apiKey: undefined, endpointSource: 'default' });
    expect(resolveProvider('tts', 'kyutai', {}, {})).toMatchObject({ settings: { baseUrl: 'ws://127.0.0.1:8089' }, apiKey: undefined });
    const env = { PARLEY_KYUTAI_URL: 'ws://gpu-box.lan:8080', KYUTAI_API_KEY: 'my-id' };
    for (const kind of ['stt', 'tts'] as const) expect(resolveProvider(kind, 'kyutai', {}, env)).toMatchObject({ settings: { baseUrl: 'ws://gpu-box.lan:8080' }, apiKey: 'my-id', endpointSource: 'environment' });
    const ctx = { clock: new ManualClock() };
    const stt = createProvider(resolveProvider('stt', 'kyutai', {}, env), ctx) as KyutaiStt;
    const tts = createProvider(resolveProvider('tts', 'kyutai', {}, env), ctx) as KyutaiTts;
    expect(stt.url()).toBe('ws://gpu-box.lan:8080/api/asr-streaming');
    expect(tts.url()).toBe('ws://gpu-box.lan:8080/api/tts_streaming?format=PcmMessagePack&cfg_alpha=1.5');
    // Unmute accepts http(s) URLs for its servers: so does this.
    expect((createProvider(resolveProvider('stt', 'kyutai', { baseUrl: 'https://speech.example/' }, {}), ctx) as KyutaiStt).url()).toBe('wss://speech.example/api/asr-streaming');
  });

  it('"Offline only": local at a loopback address, refused on another machine of the LAN', () => {
    for (const kind of ['stt', 'tts'] as const) {
      const at = (baseUrl: string) => runsLocally(findProvider(kind, 'kyutai'), resolveProvider(kind, 'kyutai', { baseUrl }, {}).settings);
      expect(at('ws://127.0.0.1:8090')).toBe(true);
      expect(at('ws://localhost:8089')).toBe(true);
      expect(at('ws://192.168.1.20:8090')).toBe(false);
      const lan = resolveProvider(kind, 'kyutai', { baseUrl: 'ws://192.168.1.20:8090' }, {});
      expect(() => createProvider(lan, { clock: new ManualClock(), offlineOnly: true })).toThrow(expect.objectContaining({ code: 'offline/cloud-provider', message: expect.stringMatching(/not on this machine/) }));
      expect(createProvider(resolveProvider(kind, 'kyutai', {}, {}), { clock: new ManualClock(), offlineOnly: true })).toBeDefined();
    }
  });
});
