import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeKyutai } from '../../fakes/kyutai-moshi-server.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { microphoneWav } from '../../helpers/speech.js';
import { toSpeakableText } from '../../../electron/engine/cascade/speech-text.js';
import { SHARED_MODELS, speechFile } from '../../paths.js';

const closers = useClosers();
const TINY = path.join(SHARED_MODELS, 'llama-2-tiny-random', 'llama-2-tiny-random.gguf');

/** A models folder where the tiny GGUF is installed (through `parley models import`) under `id`. */
async function modelsWithLlm(id: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-offline-llama-'));
  const r = await runParley(['models', 'import', TINY, '--task', 'llm', '--id', id], { PARLEY_MODELS_DIR: dir });
  expect(r.code).toBe(0);
  return dir;
}

describe('parley run --offline with the embedded llama.cpp LLM', () => {
  it('the default LLM model installed, STT and TTS not: exit 2 naming only the speech models', async () => {
    const models = await modelsWithLlm('qwen3-0.6b-q8_0');
    const r = await runParley(['run', '--offline', '--in', speechFile('jfk.wav')], { PARLEY_MODELS_DIR: models });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parley: error: offline mode needs local models that are not installed: .*parley models pull zipformer-en-20m-streaming.*parley models pull pocket-tts-int8-2026-01-26/);
    expect(r.stderr).not.toMatch(/qwen3|language model/);
  });

  it('--llm llama-cpp with its model missing: named with `parley models pull`, beside the speech models', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'parley-offline-none-'));
    const r = await runParley(['run', '--offline', '--llm', 'llama-cpp', '--in', speechFile('jfk.wav')], { PARLEY_MODELS_DIR: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the language model 'qwen3-0\.6b-q8_0' \(run parley models pull qwen3-0\.6b-q8_0\)/);
    const unknown = await runParley(['run', '--offline', '--llm', 'llama-cpp', '--llm-model', 'my-llm', '--in', speechFile('jfk.wav')], { PARLEY_MODELS_DIR: empty });
    expect(unknown.stderr).toMatch(/the language model 'my-llm' \(not in the catalog: parley models import <file> --task llm --id my-llm\)/);
  });

  it('a whole offline turn: the installed local model answers (in its own process) between a loopback STT and TTS', async () => {
    const models = await modelsWithLlm('qwen3-0.6b-q8_0');
    const kyutai = await startFakeKyutai({ utterances: ['he was not an ill disposed young man'] });
    closers.push(kyutai.close);
    // No --llm: offline mode picks the embedded engine for the installed language model.
    const r = await runParley(['run', '--offline', '--stt', 'kyutai', '--tts', 'kyutai', '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1.5]), '--llm-max-tokens', '12', '--json', '--speed', '0'], {
      PARLEY_MODELS_DIR: models,
      PARLEY_KYUTAI_URL: kyutai.url,
    });
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] }).turns;
    expect(turns).toHaveLength(1);
    expect(turns[0]!.user).toBe('he was not an ill disposed young man');
    // Random weights: gibberish, but real tokens sampled by llama.cpp, spoken by the TTS.
    expect(turns[0]!.assistant.length).toBeGreaterThan(0);
    // What is spoken is the reply without its markup (toSpeakableText, sentence by sentence); the
    // sampled gibberish may hold '*' or '_', so the words are compared, not the punctuation.
    const words = (text: string) => toSpeakableText(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    expect(words(kyutai.stats.tts.texts.join(' '))).toBe(words(turns[0]!.assistant));
    expect(r.stderr).toMatch(/llama\.cpp runs on cpu with 1 thread\(s\)/);
  }, 60_000);

  it('--llm-model takes a GGUF file directly', async () => {
    const kyutai = await startFakeKyutai({ utterances: ['he was not an ill disposed young man'] });
    closers.push(kyutai.close);
    const empty = mkdtempSync(path.join(tmpdir(), 'parley-offline-none-'));
    const r = await runParley(['run', '--offline', '--stt', 'kyutai', '--tts', 'kyutai', '--llm', 'llama-cpp', '--llm-model', TINY, '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1.5]), '--llm-max-tokens', '12', '--json', '--speed', '0'], {
      PARLEY_MODELS_DIR: empty,
      PARLEY_KYUTAI_URL: kyutai.url,
    });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { turns: { assistant: string }[] }).turns[0]!.assistant.length).toBeGreaterThan(0);
  }, 60_000);
});

