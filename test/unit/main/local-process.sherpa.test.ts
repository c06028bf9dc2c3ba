import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../electron/engine/clock.js';
import { DEFAULT_ENTRY } from '../../../electron/engine/local/host.js';
import { SHERPA_WORKER_MODULE } from '../../../electron/engine/providers/sherpa/host.js';
import { createProvider, resolveProvider } from '../../../electron/engine/providers/registry.js';
import type { SttEvent, SttStream, TtsEvent } from '../../../electron/engine/providers/types.js';
import { FIXTURE_STT, FIXTURE_TTS, FIXTURE_TTS_HOP, blocks, speechThenSilence } from '../../helpers/sherpa.js';
import { ROOT } from '../../paths.js';
import { appWithEngine, fakeLocalElectron } from './fake-local-electron.js';

/** The app's wiring (main, the engine process it forks) running the real sherpa worker; the provider context the engine's session factory gives. */
async function engineProviders() {
  const { electron, forks } = fakeLocalElectron((args) => import(pathToFileURL(args[0]!).href));
  const main = await appWithEngine(electron, { entry: DEFAULT_ENTRY, codeRoot: path.join(ROOT, 'electron') });
  // What the engine's session factory hands every provider it creates.
  const context = { clock: new ManualClock(), offlineOnly: true, localSpawner: main.localSpawner };
  return { forks, context };
}

async function readUntil(it: AsyncIterator<SttEvent>, until: (e: SttEvent) => boolean): Promise<SttEvent[]> {
  const seen: SttEvent[] = [];
  for (let r = await it.next(); !r.done; r = await it.next()) {
    seen.push(r.value);
    if (until(r.value)) break;
  }
  return seen;
}

async function speak(stream: SttStream): Promise<void> {
  for (const b of blocks((await speechThenSilence('librivox-ss01-0880.wav', 0)).subarray(0, 32000))) stream.push(b, true);
}

describe('sherpa-onnx in the app: the engine process gets its inference processes from main (utilityProcess.fork)', () => {
  it('an STT stream and a voice created by the engine run in utility processes main forked (one per kind) over ports of their own', async () => {
    const { forks, context } = await engineProviders();
    const stt = createProvider(resolveProvider('stt', 'sherpa-onnx', { modelDir: FIXTURE_STT }, {}), context);
    const stream = await stt.open({ sampleRate: 16000 });
    expect(forks.map((f) => [f.modulePath, f.args, f.options.serviceName])).toEqual([[DEFAULT_ENTRY, [SHERPA_WORKER_MODULE], 'Parley local speech recognition (sherpa-onnx)']]);
    await speak(stream);
    stream.finalize();
    const events = await readUntil(stream[Symbol.asyncIterator](), (e) => e.type === 'final');
    expect(events[0]).toEqual({ type: 'status', status: { state: 'ok' } });
    expect(events.some((e) => e.type === 'partial')).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'final', fromFinalize: true, text: expect.stringMatching(/\w/) });
    stream.close();

    const tts = createProvider(resolveProvider('tts', 'sherpa-onnx', { modelDir: FIXTURE_TTS, sampleRate: 16000 }, {}), context);
    const voice = tts.open({});
    voice.push('Hi.');
    voice.end();
    const audio: TtsEvent[] = [];
    for await (const e of voice) audio.push(e);
    expect(audio.filter((e) => e.type === 'audio').reduce((n, e) => n + (e as { pcm: Int16Array }).pcm.length, 0)).toBe(3 * FIXTURE_TTS_HOP);
    expect(forks.map((f) => f.options.serviceName)).toEqual(['Parley local speech recognition (sherpa-onnx)', 'Parley local voice (sherpa-onnx)']);
  });

  it('the utility process dies mid-stream: a typed local/crashed error event; the next stream gets a new process from main; past the budget local/unavailable', async () => {
    const { forks, context } = await engineProviders();
    const stt = createProvider(resolveProvider('stt', 'sherpa-onnx', { modelDir: FIXTURE_STT }, {}), context);
    for (let crash = 1; crash <= 4; crash++) {
      const stream = await stt.open({ sampleRate: 16000 });
      expect(forks).toHaveLength(crash);
      const it = stream[Symbol.asyncIterator]();
      await speak(stream);
      expect((await readUntil(it, (e) => e.type === 'partial')).at(-1)?.type).toBe('partial');
      forks.at(-1)!.utility.crash(134);
      // Words already on their way may still come; then one error, and the stream ends.
      const after = await readUntil(it, () => false);
      expect(after.filter((e) => e.type !== 'partial')).toEqual([{ type: 'error', error: expect.objectContaining({ code: 'local/crashed', provider: 'sherpa-onnx', message: expect.stringMatching(/process exited with code 134; it starts again/) }) }]);
      expect(after.at(-1)?.type).toBe('error');
    }
    // Four crashes: the three restarts of the session's budget are spent.
    await expect(stt.open({ sampleRate: 16000 })).rejects.toMatchObject({ code: 'local/unavailable', provider: 'sherpa-onnx' });
    expect(forks).toHaveLength(4);
  });
});
