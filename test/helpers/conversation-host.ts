import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { float32ToInt16 } from '../../electron/engine/audio/pcm.js';
import type { Clock } from '../../electron/engine/clock.js';
import { ConversationHost } from '../../electron/engine/session/conversation-host.js';
import type { LocalInference } from '../../electron/engine/session/session-factory.js';
import { saveBoundKey } from '../../electron/engine/settings/key-binding.js';
import { MemorySecretStore } from '../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../electron/engine/settings/settings-store.js';
import { SileroVadModel } from '../../electron/engine/vad/silero.js';
import { encodeMicrophoneFrame } from '../../electron/shared/conversation.js';
import { startFakeDeepgram } from '../fakes/deepgram.js';
import { startFakeMoshi, type FakeMoshiOptions } from '../fakes/moshi.js';
import { startFakeOpenAi, type FakeOpenAiOptions } from '../fakes/openai.js';
import { startFakeRealtime, type FakeRealtimeOptions } from '../fakes/openai-realtime.js';
import { RemotePlayer } from './remote-player.js';
import { speakInRealTime } from './speech.js';
import { useSileroVad } from './vad.js';

/**
 * For a test file: the desktop app's live conversation in Node. A real ConversationHost builds real
 * sessions from saved settings and keys (real Silero, the real provider clients against the local
 * fakes), and a RemotePlayer plays the engine's frames in real time and reports back.
 */
export function useConversationHost() {
  const vad = useSileroVad();
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });

  return async function setup(
    o: { utterances?: string[]; openai?: FakeOpenAiOptions; saveKeys?: boolean; deepgramKey?: string; realtime?: FakeRealtimeOptions; moshi?: FakeMoshiOptions; approveLaunch?: (command: string) => Promise<boolean>; clock?: Clock; warn?: (message: string) => void; local?: LocalInference } = {},
  ) {
    const deepgram = await startFakeDeepgram({ utterances: o.utterances ?? ['what time is it'] });
    const openai = await startFakeOpenAi(o.openai);
    const realtime = o.realtime ? await startFakeRealtime({ apiKey: openai.key, ...o.realtime }) : undefined;
    const moshi = o.moshi ? await startFakeMoshi(o.moshi) : undefined;
    const store = new SettingsStore(path.join(mkdtempSync(path.join(tmpdir(), 'parley-conv-')), 'settings.json'));
    await store.load();
    await store.update((s) => {
      s.providers.stt.deepgram = { baseUrl: deepgram.url };
      s.providers.llm.openai = { baseUrl: openai.baseUrl };
      s.providers.tts.openai = { baseUrl: openai.baseUrl };
      if (realtime) s.providers.s2s['openai-realtime'] = { baseUrl: realtime.url, turnDetection: 'server_vad', silenceDurationMs: 400 };
      if (moshi) s.providers.s2s.moshi = { baseUrl: moshi.baseUrl };
    });
    const secrets = new MemorySecretStore();
    // Keys are saved as the settings page saves them: each for the host (here a fake) it goes to.
    const saveKey = (name: 'deepgram' | 'openai', value: string) => saveBoundKey(secrets, name, value, name === 'deepgram' ? deepgram.url : openai.baseUrl);
    if (o.saveKeys !== false) {
      await saveKey('deepgram', o.deepgramKey ?? deepgram.key);
      await saveKey('openai', openai.key);
    }
    // One OpenAI key, two fake hosts: as for a user with a proxy, the environment names the Realtime one.
    const env = realtime && o.saveKeys !== false ? { OPENAI_API_KEY: openai.key, PARLEY_OPENAI_REALTIME_URL: realtime.url } : {};
    const host = new ConversationHost({ settings: () => store.settings, secrets, vadModel: vad, loadVad: () => SileroVadModel.load(), env, ...(o.approveLaunch ? { approveLaunch: o.approveLaunch } : {}), ...(o.clock ? { clock: o.clock } : {}), ...(o.warn ? { warn: o.warn } : {}), ...(o.local ? { local: o.local } : {}) });
    const player = new RemotePlayer();
    player.handle = host.attach(player);
    const h = {
      host,
      store,
      secrets,
      saveKey,
      player,
      deepgram,
      openai,
      realtime,
      moshi,
      /** Streams 16 kHz audio as the UI's microphone would: 20 ms Int16 frames in real time. */
      speak: (audio: Float32Array) => speakInRealTime((b) => player.handle.receive(new Uint8Array(encodeMicrophoneFrame(float32ToInt16(b)))), audio),
      close: async () => {
        player.stop();
        await host.stop();
        await deepgram.close();
        await openai.close();
        await realtime?.close();
        await moshi?.close();
      },
    };
    open.push(h);
    return h;
  };
}

export const isRunning = (m: { type: string; status?: { state: string } }) => m.type === 'session' && m.status?.state === 'running';
