import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { startFakeTranscription } from '../../fakes/openai-transcription.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { microphoneWav } from '../../helpers/speech.js';

const closers = useClosers();

describe('parley run --stt openai-transcribe (a whisper.cpp server or an OpenAI-compatible transcription API)', () => {
  it("whisper.cpp's /inference at PARLEY_OPENAI_TRANSCRIBE_URL: the question is sent once as a 16 kHz WAV and answered", async () => {
    const whisper = await startFakeTranscription({ transcripts: ['he was not an ill disposed young man'] });
    const reply = 'He sounds kind.';
    const openai = await startFakeOpenAi({ llm: () => ({ text: reply, tokenMs: 5 }) });
    closers.push(whisper.close, openai.close);
    const env = { PARLEY_OPENAI_TRANSCRIBE_URL: whisper.url, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await runParley(['run', '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1.5]), '--stt', 'openai-transcribe', '--json', '--speed', '0'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] }).turns;
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ user: 'he was not an ill disposed young man', assistant: reply });
    const spoken = whisper.requests.filter((q) => q.file && q.file.rms > 0.01);
    expect(spoken).toHaveLength(1);
    expect(spoken[0]).toMatchObject({ path: '/inference', status: 200, fields: { model: 'whisper-1', response_format: 'json' }, file: { sampleRate: 16000 } });
    // The LLM's OpenAI key is not sent to the transcription server.
    expect(whisper.requests.map((q) => q.authorization)).toEqual(whisper.requests.map(() => undefined));
  }, 30_000);

  it('a slow server (1.5 s per answer, as whisper.cpp on a CPU): the turn waits for its words instead of ending on silence', async () => {
    const whisper = await startFakeTranscription({ transcripts: ['he was not an ill disposed young man'], answerDelayMs: 1500 });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'Why?', tokenMs: 5 }) });
    closers.push(whisper.close, openai.close);
    const env = { PARLEY_OPENAI_TRANSCRIBE_URL: whisper.url, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await runParley(['run', '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1.5]), '--stt', 'openai-transcribe', '--json', '--speed', '0'], env);
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] }).turns;
    expect(turns.map((t) => t.user)).toEqual(['he was not an ill disposed young man']);
  }, 30_000);

  it('an OpenAI-style API (URL ending in /v1) that refuses the key: the run fails naming OPENAI_TRANSCRIBE_API_KEY, after one request', async () => {
    const api = await startFakeTranscription({ apiKey: 'sk-right', transcripts: ['hello'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'Hi.' }) });
    closers.push(api.close, openai.close);
    const env = { PARLEY_OPENAI_TRANSCRIBE_URL: api.baseUrl, OPENAI_TRANSCRIBE_API_KEY: 'sk-wrong', PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await runParley(['run', '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1]), '--stt', 'openai-transcribe', '--json', '--speed', '0'], env);
    expect(`${r.stdout}${r.stderr}`).toMatch(/invalid API key for OpenAI-compatible transcription.*OPENAI_TRANSCRIBE_API_KEY/);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({ path: '/v1/audio/transcriptions', status: 401 });
  }, 30_000);

  it('--offline: allowed on loopback (only the stages without a local model are named), refused at another address', async () => {
    const models = { PARLEY_MODELS_DIR: mkdtempSync(path.join(tmpdir(), 'parley-whisper-models-')) };
    const wav = await microphoneWav([0.2, 'librivox-ss01-0880.wav', 0.2]);
    const local = await runParley(['run', '--offline', '--stt', 'openai-transcribe', '--in', wav], { ...models, PARLEY_OPENAI_TRANSCRIBE_URL: 'http://127.0.0.1:9' });
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/parley models pull qwen3/);
    expect(local.stderr).not.toMatch(/zipformer|forbids/);
    const remote = await runParley(['run', '--offline', '--stt', 'openai-transcribe', '--in', wav], { ...models, PARLEY_OPENAI_TRANSCRIBE_URL: 'http://192.0.2.10:8080' });
    expect(remote).toMatchObject({ code: 2, stderr: expect.stringMatching(/offline mode forbids cloud providers: STT 'openai-transcribe' is refused \(its endpoint at 192\.0\.2\.10 is not on this machine/) });
  }, 30_000);
});
