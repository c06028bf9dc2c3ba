// Desktop-app path benchmark (issue: desktop app): the same spoken turns as the cascade benchmark,
// but through what the app adds: ConversationHost building the session from saved settings, the
// serve WebSocket carrying binary microphone frames in and playback frames out, and a player that
// reports block starts and progress back (RemotePlayer, which starts an idle block at once, like
// the playout worklet). Compared with the in-process path in the same run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyModelHandlers } from '../helpers/model-handlers.js';
import WebSocket from 'ws';
import { startServeServer } from '../../electron/cli/serve/server.js';
import { serveProtocols } from '../../electron/shared/serve-token.js';
import { float32ToInt16 } from '../../electron/engine/audio/pcm.js';
import { systemClock } from '../../electron/engine/clock.js';
import type { TurnLatencyReport } from '../../electron/engine/metrics/latency.js';
import { ConversationHost } from '../../electron/engine/session/conversation-host.js';
import { settingsHandlers } from '../../electron/engine/settings/handlers.js';
import { saveBoundKey } from '../../electron/engine/settings/key-binding.js';
import { MemorySecretStore } from '../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../electron/engine/settings/settings-store.js';
import type { SileroVadModel } from '../../electron/engine/vad/silero.js';
import { ConversationMessageSchema, encodeMicrophoneFrame } from '../../electron/shared/conversation.js';
import type { EngineInfo } from '../../electron/shared/ipc.js';
import { startFakeDeepgram } from '../fakes/deepgram.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { RemotePlayer } from '../helpers/remote-player.js';
import { paddedSpeech } from '../helpers/speech.js';
import { FILES, QUESTIONS, pairWithRequests, type TurnMeasurement } from './cascade.js';

export async function measureDesktopTurns(vad: SileroVadModel, latency: { sttFinalDelayMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number }, repeats: number): Promise<{ turns: TurnMeasurement[]; micFrameBytes: number }> {
  const files = Array.from({ length: repeats }, (_, i) => FILES[i % FILES.length]!);
  const deepgram = await startFakeDeepgram({ utterances: files.map((_, i) => QUESTIONS[i % QUESTIONS.length]!), finalDelayMs: latency.sttFinalDelayMs });
  const openai = await startFakeOpenAi({ llm: () => ({ text: 'Sure. Here is a short answer for you.', firstTokenMs: latency.llmFirstTokenMs, tokenMs: 25 }), tts: { msPerChar: 2, firstByteMs: latency.ttsFirstByteMs } });
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Parley</title>');
  const store = new SettingsStore(path.join(dir, 'settings.json'));
  await store.load();
  await store.update((s) => {
    s.providers.stt.deepgram = { baseUrl: deepgram.url };
    s.providers.llm.openai = { baseUrl: openai.baseUrl };
    s.providers.tts.openai = { baseUrl: openai.baseUrl, prefetch: 0 };
    s.toolsEnabled = false;
  });
  const secrets = new MemorySecretStore();
  await saveBoundKey(secrets, 'deepgram', deepgram.key, deepgram.url);
  await saveBoundKey(secrets, 'openai', openai.key, openai.baseUrl);
  const host = new ConversationHost({ settings: () => store.settings, secrets, vadModel: () => vad, env: {} });
  const info: EngineInfo = { version: 'bench', platform: process.platform, vad: { state: 'ready', provider: 'cpu', loadMs: 0 }, notices: [], keyStorage: 'memory' };
  const server = await startServeServer({ rendererDir: dir, handlers: { ...settingsHandlers(store, secrets, {}), 'parley:engine-info': () => info, 'parley:server-logs': () => host.serverLogs(), ...emptyModelHandlers() }, conversation: host });
  const socket = new WebSocket(`${server.origin.replace('http', 'ws')}/conversation`, serveProtocols(server.token), { origin: server.origin });
  const player = new RemotePlayer();
  player.handle = { receive: (c) => socket.send(JSON.stringify(c)), detach: () => socket.close() };
  socket.on('message', (data: Buffer, isBinary) => {
    if (isBinary) player.sendAudio(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
    else player.send(ConversationMessageSchema.parse(JSON.parse(String(data))));
  });
  await new Promise((r) => socket.once('open', r));
  player.command({ type: 'start', inputRate: 16000 });
  await player.waitFor((m) => m.type === 'session' && m.status.state === 'running');
  const clock = systemClock;
  const ends: number[] = [];
  const frameBytes = encodeMicrophoneFrame(new Int16Array(320)).byteLength;
  try {
    for (const file of files) {
      const { audio, speechMs, startMs } = await paddedSpeech(file, 0.3, 1.8);
      const speechEndSample = Math.round(((startMs + speechMs) / 1000) * 16000);
      const t0 = clock.now();
      const before = player.events('latency').length;
      for (let i = 0; i < audio.length; i += 320) {
        socket.send(encodeMicrophoneFrame(float32ToInt16(audio.subarray(i, i + 320))));
        if (i < speechEndSample && i + 320 >= speechEndSample) ends.push(clock.now());
        const wait = t0 + ((i + 320) / 16000) * 1000 - clock.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await player.waitFor(() => player.events('latency').length > before, 15_000);
    }
  } finally {
    player.stop();
    socket.close();
    await host.stop();
    await server.close();
    await deepgram.close();
    await openai.close();
  }
  const reports = player.events('latency').map((e) => e.report as TurnLatencyReport);
  return { turns: pairWithRequests(reports, ends, openai.requests), micFrameBytes: frameBytes };
}
