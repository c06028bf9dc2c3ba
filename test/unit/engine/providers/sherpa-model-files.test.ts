import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SpawnOptions } from '../../../../electron/engine/local/spawner.js';
import { SHERPA_WORKER_MODULE, nativeLibraryEnv, newSherpaHost } from '../../../../electron/engine/providers/sherpa/host.js';
import { checkFiles, sttSpec, ttsSpec } from '../../../../electron/engine/providers/sherpa/model-files.js';
import { ROOT } from '../../../paths.js';

/** A folder laid out like an unpacked sherpa-onnx archive: its files under one top folder. */
function archive(top: string, files: string[]): { dir: string; at: (f: string) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-sherpa-layout-'));
  for (const f of files) {
    const p = path.join(dir, top, f);
    mkdirSync(path.dirname(p), { recursive: true });
    if (!f.endsWith('/')) writeFileSync(p, 'x');
  }
  return { dir, at: (f) => path.join(dir, top, f) };
}

describe('sherpa-onnx model files', () => {
  it('streaming Zipformer 20M: the catalog\'s files (int8 encoder and joiner, float decoder) from the archive\'s top folder', async () => {
    const a = archive('sherpa-onnx-streaming-zipformer-en-20M-2023-02-17', [
      'encoder-epoch-99-avg-1.onnx', 'encoder-epoch-99-avg-1.int8.onnx', 'decoder-epoch-99-avg-1.onnx', 'decoder-epoch-99-avg-1.int8.onnx',
      'joiner-epoch-99-avg-1.onnx', 'joiner-epoch-99-avg-1.int8.onnx', 'tokens.txt', 'test_wavs/0.wav',
    ]);
    const spec = await sttSpec('zipformer-en-20m-streaming', a.dir, { numThreads: 1, endpoint: { rule1: 2.4, rule2: 0.8, rule3: 20 } });
    expect(spec.transducer).toEqual({ encoder: a.at('encoder-epoch-99-avg-1.int8.onnx'), decoder: a.at('decoder-epoch-99-avg-1.onnx'), joiner: a.at('joiner-epoch-99-avg-1.int8.onnx') });
    expect(spec.tokens).toBe(a.at('tokens.txt'));
    await expect(checkFiles('zipformer-en-20m-streaming', spec)).resolves.toBeUndefined();
  });

  it('Pocket TTS: its seven files and the default reference voice (bria.wav), or the one named', async () => {
    const files = ['lm_flow.int8.onnx', 'lm_main.int8.onnx', 'encoder.onnx', 'decoder.int8.onnx', 'text_conditioner.onnx', 'vocab.json', 'token_scores.json', 'test_wavs/alba.wav', 'test_wavs/bria.wav'];
    const a = archive('sherpa-onnx-pocket-tts-int8-2026-01-26', files);
    const spec = await ttsSpec('pocket-tts-int8-2026-01-26', a.dir, { numThreads: 2 });
    expect(spec.model).toEqual({
      pocket: { lmFlow: a.at('lm_flow.int8.onnx'), lmMain: a.at('lm_main.int8.onnx'), encoder: a.at('encoder.onnx'), decoder: a.at('decoder.int8.onnx'), textConditioner: a.at('text_conditioner.onnx'), vocabJson: a.at('vocab.json'), tokenScoresJson: a.at('token_scores.json') },
    });
    expect(spec.referenceWav).toBe(a.at('test_wavs/bria.wav'));
    expect((await ttsSpec('pocket-tts-int8-2026-01-26', a.dir, { numThreads: 2, voice: 'alba' })).referenceWav).toBe(a.at('test_wavs/alba.wav'));
  });

  it('Kokoro: model, voices, tokens and espeak-ng-data; Piper: its voice, tokens and espeak-ng-data', async () => {
    const k = archive('kokoro-en-v0_19', ['model.onnx', 'voices.bin', 'tokens.txt', 'espeak-ng-data/phontab']);
    expect((await ttsSpec('kokoro-en-v0_19', k.dir, { numThreads: 2 })).model).toEqual({ kokoro: { model: k.at('model.onnx'), voices: k.at('voices.bin'), tokens: k.at('tokens.txt'), dataDir: k.at('espeak-ng-data') } });
    const p = archive('vits-piper-en_US-amy-low', ['en_US-amy-low.onnx', 'tokens.txt', 'espeak-ng-data/phontab']);
    expect((await ttsSpec('piper-amy', p.dir, { numThreads: 1 })).model).toEqual({ vits: { model: p.at('en_US-amy-low.onnx'), tokens: p.at('tokens.txt'), dataDir: p.at('espeak-ng-data') } });
  });

  it('an incomplete Pocket TTS folder names what is missing and how to reinstall', async () => {
    const a = archive('pocket', ['lm_main.int8.onnx', 'test_wavs/bria.wav']);
    await expect(ttsSpec('pocket-tts-int8-2026-01-26', a.dir, { numThreads: 2 })).rejects.toMatchObject({ code: 'onnx/model-invalid', message: expect.stringMatching(/incomplete \(no lm_flow\*\.onnx\): reinstall it with parley models pull pocket-tts-int8-2026-01-26/) });
  });

  it('a Moonshine second pass: its four graphs (int8 where the archive has them) and tokens', async () => {
    const z = archive('z', ['encoder.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt']);
    const m = archive('sherpa-onnx-moonshine-tiny-en-int8', ['preprocess.onnx', 'encode.int8.onnx', 'uncached_decode.int8.onnx', 'cached_decode.int8.onnx', 'tokens.txt', 'test_wavs/0.wav']);
    const spec = await sttSpec('zipformer-en-20m-streaming', z.dir, { numThreads: 1, endpoint: { rule1: 2.4, rule2: 0.8, rule3: 20 }, secondPass: { modelId: 'moonshine-tiny-en-int8', dir: m.dir } });
    expect(spec.secondPass).toEqual({ modelId: 'moonshine-tiny-en-int8', preprocessor: m.at('preprocess.onnx'), encoder: m.at('encode.int8.onnx'), uncachedDecoder: m.at('uncached_decode.int8.onnx'), cachedDecoder: m.at('cached_decode.int8.onnx'), tokens: m.at('tokens.txt') });
  });
});

describe('sherpa-onnx worker environment', () => {
  it("puts the platform package's folder first on the native loader's path, keeping what was there (only that variable is added)", () => {
    const env = nativeLibraryEnv({ LD_LIBRARY_PATH: '/opt/lib', HOME: '/h' }, 'linux', 'x64');
    expect(env).toEqual({ LD_LIBRARY_PATH: `${realpathSync(path.join(ROOT, 'node_modules', 'sherpa-onnx-linux-x64'))}:/opt/lib` });
    // A platform whose package is not installed here: nothing is added.
    expect(nativeLibraryEnv({ PATH: '/bin' }, 'win32', 'ia32')).toEqual({});
  });

  it("the sherpa-onnx process host starts its worker module with that variable added, named for its kind", async () => {
    const seen: SpawnOptions[] = [];
    const host = newSherpaHost('tts', {
      spawn: (o) => {
        seen.push(o);
        throw new Error('not started in this test');
      },
    });
    await expect(host.request('synthesize', {})).rejects.toMatchObject({ code: 'local/crashed' });
    expect(seen).toEqual([expect.objectContaining({ args: [SHERPA_WORKER_MODULE], serviceName: 'Parley local voice (sherpa-onnx)', env: nativeLibraryEnv(process.env) })]);
    expect(Object.keys(seen[0]!.env ?? {})).toEqual(process.platform === 'linux' ? ['LD_LIBRARY_PATH'] : [expect.any(String)]);
  });
});
