import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseLocalModels } from '../../../test/bench/local-models.js';
import { TINY_GGUF } from '../../../test/bench/local-llm.js';
import { FIXTURE_STT, FIXTURE_TTS } from '../../../test/helpers/sherpa.js';

describe('local benchmarks: which model each engine runs', () => {
  it('with no real model given, runs the generated stand-ins and flags every one of them', () => {
    const m = chooseLocalModels({});
    expect(m.stt).toMatchObject({ path: FIXTURE_STT, standIn: true, source: 'stand-in' });
    expect(m.tts).toMatchObject({ path: FIXTURE_TTS, standIn: true, source: 'stand-in' });
    expect(m.llm).toMatchObject({ path: TINY_GGUF, standIn: true, source: 'stand-in' });
    for (const c of Object.values(m)) expect(c.description).toMatch(/STAND-IN/);
  });

  it('finds the recommended models in a models folder (installed by id, or an unpacked archive), and the next voice when the first is absent', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-models-'));
    mkdirSync(path.join(dir, 'zipformer-en-20m-streaming'));
    mkdirSync(path.join(dir, 'qwen3-0.6b-q8_0'));
    writeFileSync(path.join(dir, 'qwen3-0.6b-q8_0', 'Qwen3-0.6B-Q8_0.gguf'), 'GGUF');
    mkdirSync(path.join(dir, 'kokoro-en-v0_19'));
    const m = chooseLocalModels({ modelsDir: dir });
    expect(m.stt).toMatchObject({ id: 'zipformer-en-20m-streaming', path: path.join(dir, 'zipformer-en-20m-streaming'), standIn: false, source: 'models folder' });
    expect(m.llm).toMatchObject({ id: 'qwen3-0.6b-q8_0', path: path.join(dir, 'qwen3-0.6b-q8_0', 'Qwen3-0.6B-Q8_0.gguf'), standIn: false });
    expect(m.tts).toMatchObject({ id: 'kokoro-en-v0_19', standIn: false });
  });

  it('takes folders and a GGUF given on the command line, by their catalog id when they are catalog models; the tiny GGUF given is still a stand-in', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-given-'));
    mkdirSync(path.join(dir, 'kokoro-en-v0_19'));
    mkdirSync(path.join(dir, 'my-zipformer'));
    const m = chooseLocalModels({ sttModel: path.join(dir, 'my-zipformer'), ttsModel: path.join(dir, 'kokoro-en-v0_19'), gguf: TINY_GGUF });
    expect(m.stt).toMatchObject({ id: 'zipformer-en-20m-streaming', standIn: false, source: 'given' });
    expect(m.tts).toMatchObject({ id: 'kokoro-en-v0_19', standIn: false, source: 'given' });
    expect(m.llm).toMatchObject({ standIn: true, source: 'given' });
  });

  it('refuses a model path that does not exist, rather than measuring a stand-in instead', () => {
    expect(() => chooseLocalModels({ sttModel: '/nonexistent/stt' })).toThrow(/does not exist/);
  });
});
