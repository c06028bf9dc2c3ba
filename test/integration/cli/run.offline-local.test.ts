import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { FIXTURE_STT, FIXTURE_TTS, FIXTURE_TTS_HOP } from '../../helpers/sherpa.js';
import { ROOT, speechFile } from '../../paths.js';

/** Only this machine: the fake Ollama listens on 127.0.0.1; the worker process inherits the guard. */
const GUARD = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'loopback-only-guard.mjs')).href;
const closers = useClosers();

describe('parley run --offline with the local engines', () => {
  it('uses the installed sherpa-onnx STT and voice (imported under the catalog ids) with no connection but the local LLM on loopback', async () => {
    const models = mkdtempSync(path.join(tmpdir(), 'parley-offline-local-'));
    const env = { PARLEY_MODELS_DIR: models };
    // The generated gibberish models stand in for the catalog's: the files decide which engine loads them.
    for (const [dir, task, id] of [[FIXTURE_STT, 'stt', 'zipformer-en-20m-streaming'], [FIXTURE_TTS, 'tts', 'pocket-tts-int8-2026-01-26']] as const) {
      const imported = await runParley(['models', 'import', dir, '--task', task, '--id', id], env);
      expect(imported).toMatchObject({ code: 0 });
    }
    // Ollama on this machine (a loopback fake): the one stage this helper does not embed.
    const ollama = await startFakeOpenAi({ apiKey: 'not-needed', llm: () => ({ text: 'Hello there. How are you?' }) });
    closers.push(ollama.close);
    const out = path.join(models, 'reply.wav');
    const r = await runParley(['run', '--offline', '--llm', 'ollama', '--in', speechFile('librivox-ss01-0880.wav'), '--out', out, '--json', '--speed', '0'], { ...env, PARLEY_OLLAMA_URL: ollama.baseUrl }, ['--import', GUARD]);
    expect(r.stderr).not.toMatch(/NETWORK-GUARD/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] };
    expect(report.turns).toHaveLength(1);
    // Gibberish words from the generated recognizer, the fake LLM's reply, spoken by the generated voice.
    expect(report.turns[0]!.user).toMatch(/\w/);
    expect(report.turns[0]!.assistant).toBe('Hello there. How are you?');
    const reply = await readWavFile(out);
    expect(reply.sampleRate).toBe(24000);
    // HOP samples per character at 16 kHz, converted to 24 kHz: both sentences, within a filter's width each.
    const expected = ('Hello there.'.length + 'How are you?'.length) * FIXTURE_TTS_HOP * 1.5;
    expect(Math.abs(reply.channels[0]!.length - expected)).toBeLessThanOrEqual(128);
  });
});
