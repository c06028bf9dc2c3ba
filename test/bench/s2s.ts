// Speech-to-speech benchmarks (issue: speech-to-speech): the Ogg/Opus codec per 80 ms frame, what
// the Moshi client adds on top of the server's own pacing (uplink: microphone samples pushed ->
// message at the server; downlink: server sends its first answer frame -> audio handed to the
// sink), and how long the architecture toggle takes in the app's host.
import { ClockedSink } from '../../electron/engine/audio/playout.js';
import { resample } from '../../electron/engine/audio/resampler.js';
import { readWavFile } from '../../electron/engine/audio/wav.js';
import { OggOpusDecoder, OggOpusEncoder } from '../../electron/engine/codec/ogg-opus.js';
import { feedInRealTime } from '../../electron/engine/audio/real-time-feed.js';
import { systemClock } from '../../electron/engine/clock.js';
import { MoshiClient, MoshiSettingsSchema } from '../../electron/engine/providers/s2s/moshi.js';
import { S2sSession } from '../../electron/engine/s2s/session.js';
import type { SileroVadModel } from '../../electron/engine/vad/silero.js';
import { startFakeMoshi } from '../fakes/moshi.js';
import { concat, silence } from '../helpers/signals.js';
import { paddedSpeech } from '../helpers/speech.js';
import { speechFile } from '../paths.js';
import { summarize } from './stats.js';

const FRAME = 1920; // 80 ms at 24 kHz

/** Encode and decode time per 80 ms frame of real speech (one core, the native Opus build). */
export async function codecPerFrame() {
  const wav = await readWavFile(speechFile('silero-test-60s.wav'));
  const pcm = resample(wav.channels[0]!, wav.sampleRate, 24000).subarray(0, 24000 * 30);
  const encoder = new OggOpusEncoder();
  const decoder = new OggOpusDecoder();
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i + FRAME <= pcm.length; i += FRAME) {
    let t = performance.now();
    const ogg = encoder.push(pcm.subarray(i, i + FRAME));
    encodeMs.push(performance.now() - t);
    bytes += ogg.length;
    t = performance.now();
    decoder.push(ogg);
    decodeMs.push(performance.now() - t);
  }
  // The first frame pays for the headers and warm-up: reported apart.
  return { encodeMs: summarize(encodeMs.slice(1)), decodeMs: summarize(decodeMs.slice(1)), firstEncodeMs: encodeMs[0]!, kbps: (bytes * 8) / (pcm.length / 24000) / 1000 };
}

/** The Moshi client's own latency against the fake server's timestamps, over several answers. */
export async function moshiClientOverhead(vad: SileroVadModel, turns = 4) {
  const moshi = await startFakeMoshi({ replies: Array.from({ length: turns }, () => [' Sure', ',', ' here', ' you', ' go', '.']) });
  const client = new MoshiClient(MoshiSettingsSchema.parse({ baseUrl: moshi.baseUrl }));
  const writes: { at: number; voiced: boolean }[] = [];
  const sink = new ClockedSink(24000, systemClock);
  const write = sink.write.bind(sink);
  sink.write = (samples, onStart) => {
    let e = 0;
    for (const s of samples) e += s * s;
    writes.push({ at: performance.now(), voiced: Math.sqrt(e / samples.length) > 0.01 });
    write(samples, onStart);
  };
  vad.reset();
  const session = new S2sSession({ client, vad, sink });
  const pushes: number[] = [];
  const push = client.pushAudio.bind(client);
  client.pushAudio = (samples) => {
    pushes.push(performance.now());
    push(samples);
  };
  const v2v: number[] = [];
  session.subscribe((e) => e.type === 'latency' && e.report.voiceToVoiceMs !== undefined && v2v.push(e.report.voiceToVoiceMs));
  await session.start();
  const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.3, 0);
  const input = concat(audio, silence(16000, 2));
  await feedInRealTime((b) => session.pushAudio(b), concat(...Array.from({ length: turns }, () => input)), systemClock, () => true);
  await session.stop();
  await moshi.close();
  // Uplink: each 20 ms push completes one Opus packet, sent at once (the first also carries the headers).
  const n = Math.min(pushes.length, moshi.stats.audioArrivals.length);
  const uplink = Array.from({ length: n - 1 }, (_, i) => moshi.stats.audioArrivals[i + 1]! - pushes[i + 1]!).filter((x) => x >= 0);
  // Downlink: the server sent an answer's first frame -> the first voiced audio handed to the sink after it.
  const downlink = moshi.stats.replySentAt.map((sentAt) => (writes.find((w) => w.voiced && w.at >= sentAt)?.at ?? NaN) - sentAt).filter(Number.isFinite);
  return { uplinkMs: summarize(uplink), downlinkMs: summarize(downlink), voiceToVoiceMs: summarize(v2v), answers: downlink.length };
}

/** The architecture toggle in the app's host: cascade <-> Moshi, N times each way (fakes answer at once). */
export async function toggleTime(vad: SileroVadModel, switches = 6) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { ConversationHost } = await import('../../electron/engine/session/conversation-host.js');
  const { MemorySecretStore } = await import('../../electron/engine/settings/secret-store.js');
  const { saveBoundKey } = await import('../../electron/engine/settings/key-binding.js');
  const { SettingsStore } = await import('../../electron/engine/settings/settings-store.js');
  const { startFakeDeepgram } = await import('../fakes/deepgram.js');
  const { startFakeOpenAi } = await import('../fakes/openai.js');
  const { RemotePlayer } = await import('../helpers/remote-player.js');
  const deepgram = await startFakeDeepgram();
  const openai = await startFakeOpenAi();
  const moshi = await startFakeMoshi({ handshakeDelayMs: 0 });
  const store = new SettingsStore(path.join(mkdtempSync(path.join(tmpdir(), 'parley-bench-')), 'settings.json'));
  await store.load();
  await store.update((s) => {
    s.providers.stt.deepgram = { baseUrl: deepgram.url };
    s.providers.llm.openai = { baseUrl: openai.baseUrl };
    s.providers.tts.openai = { baseUrl: openai.baseUrl };
    s.providers.s2s.moshi = { baseUrl: moshi.baseUrl };
  });
  const secrets = new MemorySecretStore();
  await saveBoundKey(secrets, 'deepgram', deepgram.key, deepgram.url);
  await saveBoundKey(secrets, 'openai', openai.key, openai.baseUrl);
  const host = new ConversationHost({ settings: () => store.settings, secrets, vadModel: () => vad, env: {} });
  const player = new RemotePlayer();
  player.handle = host.attach(player);
  player.command({ type: 'start', inputRate: 16000 });
  await player.waitFor((m) => m.type === 'session' && m.status.state === 'running');
  const toS2s: number[] = [];
  const toCascade: number[] = [];
  for (let i = 0; i < switches * 2; i++) {
    const target = i % 2 === 0 ? 's2s' : 'cascade';
    const before = player.events('notice').length;
    await store.update((s) => void (s.architecture = target));
    host.settingsChanged();
    const m = await player.waitFor(() => player.events('notice').slice(before).some((n) => /^Switched/.test(n.message)));
    void m;
    const message = player.events('notice').slice(before).find((n) => /^Switched/.test(n.message))!.message;
    (target === 's2s' ? toS2s : toCascade).push(Number(/in (\d+) ms/.exec(message)![1]));
  }
  player.stop();
  await host.stop();
  await Promise.all([deepgram.close(), openai.close(), moshi.close()]);
  return { toSpeechToSpeechMs: summarize(toS2s), toCascadeMs: summarize(toCascade) };
}
