import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeWavFile } from '../../../electron/engine/audio/wav.js';
import { readWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeAnthropic } from '../../fakes/anthropic.js';
import { startFakeDeepgram } from '../../fakes/deepgram.js';
import { startFakeMoshi } from '../../fakes/moshi.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { startFakeRealtime } from '../../fakes/openai-realtime.js';
import { paddedSpeech } from '../../helpers/speech.js';
import { writeSilentWav } from '../../helpers/wav-files.js';
import { ROOT } from '../../paths.js';
import { runParley, useClosers } from '../../helpers/cli.js';

const closers = useClosers();
const parley = runParley;

async function questionWav(tailS = 0.4): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-run-'));
  const file = path.join(dir, 'question.wav');
  const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.4, tailS);
  // Stored as 48 kHz stereo 24-bit, so the CLI's own conversion is exercised too.
  const up = (await import('../../../electron/engine/audio/resampler.js')).resample(audio, 16000, 48000);
  await writeWavFile(file, { sampleRate: 48000, channels: [up, up] }, 'pcm24');
  return file;
}

describe('parley run', () => {
  it('runs a spoken question through the cascade and prints turns with latency spans as JSON', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['he was not an ill disposed young man'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'He sounds kind. Why do you ask?', tokenMs: 5 }), tts: { msPerChar: 3 } });
    closers.push(deepgram.close, openai.close);
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-run-out-'));
    const out = path.join(dir, 'reply.wav');
    const log = path.join(dir, 'session.jsonl');
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await parley(['run', '--in', await questionWav(), '--out', out, '--log', log, '--json', '--speed', '0'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { turns: { user: string; assistant: string; spans: Record<string, number>; voiceToVoiceMs: number }[] };
    expect(report.turns).toHaveLength(1);
    expect(report.turns[0]).toMatchObject({ user: 'he was not an ill disposed young man', assistant: 'He sounds kind. Why do you ask?' });
    expect(Object.keys(report.turns[0]!.spans)).toEqual(['speechEnd', 'endOfTurn', 'sttFinal', 'llmFirstToken', 'firstSentence', 'ttsFirstByte', 'firstAudioPlayed']);
    expect(report.turns[0]!.voiceToVoiceMs).toBeGreaterThan(0);
    // The reply as played: 3 ms per character per sentence at 24 kHz.
    const reply = await readWavFile(out);
    expect(reply.sampleRate).toBe(24000);
    expect(reply.channels[0]!.length).toBe(Math.round(24000 * 0.003 * 'He sounds kind.'.length) + Math.round(24000 * 0.003 * 'Why do you ask?'.length));
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(lines.map((l) => l.kind)).toEqual(['session-start', 'user', 'assistant', 'latency']);
  });

  it('prints a readable waterfall without --json', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'Hi!' }) });
    closers.push(deepgram.close, openai.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/you: {4}hello\n {2}parley: Hi!/);
    expect(r.stdout).toMatch(/LLM first token +\d+ ms/);
    expect(r.stdout).toMatch(/voice-to-voice: \d+ ms/);
    // How the turn ended, in one line (the cascade's decision).
    expect(r.stdout).toMatch(/\n {2}end of turn: [a-z+-]+ \((complete|uncertain|incomplete|forced)\) \d+ ms(, reply prepared early)?\n/);
  });

  it('falls back to another LLM when the first keeps failing', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    const openai = await startFakeOpenAi({ llmFaults: [{ kind: 'status', status: 503 }, { kind: 'status', status: 503 }, { kind: 'status', status: 503 }] });
    const anthropic = await startFakeAnthropic({ llm: () => ({ text: 'Claude answering.' }) });
    closers.push(deepgram.close, openai.close, anthropic.close);
    const env = {
      PARLEY_DEEPGRAM_URL: deepgram.url,
      DEEPGRAM_API_KEY: deepgram.key,
      PARLEY_OPENAI_URL: openai.baseUrl,
      OPENAI_API_KEY: openai.key,
      PARLEY_ANTHROPIC_URL: anthropic.url,
      ANTHROPIC_API_KEY: anthropic.key,
    };
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0', '--json', '--fallback-llm', 'anthropic'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).turns[0]).toMatchObject({ user: 'hello', assistant: 'Claude answering.' });
    expect(anthropic.requests).toHaveLength(1);
  });

  it('a missing key is a clear error naming the variable (exit 2)', async () => {
    const r = await parley(['run', '--in', await questionWav()], { OPENAI_API_KEY: 'x' });
    expect(r.code).toBe(2);
    // The CLI has no settings screen: the environment variable is the one place to put the key.
    expect(r.stderr.trim()).toBe('parley: error: no API key for Deepgram: set DEEPGRAM_API_KEY in the environment (e.g. export DEEPGRAM_API_KEY=...)');
  });

  it('--llm-model chooses the model of the chosen LLM (here Ollama)', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    // Ollama's OpenAI-compatible API ignores the key; the client sends a placeholder.
    const ollama = await startFakeOpenAi({ apiKey: 'not-needed', llm: () => ({ text: 'Hi from a local model.' }) });
    const openai = await startFakeOpenAi({});
    closers.push(deepgram.close, ollama.close, openai.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OLLAMA_URL: ollama.baseUrl, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0', '--json', '--llm', 'ollama', '--llm-model', 'qwen2.5:7b'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).turns[0]).toMatchObject({ user: 'hello', assistant: 'Hi from a local model.' });
    const chats = ollama.requests.filter((q) => q.path.endsWith('/chat/completions'));
    expect(chats.map((q) => q.body.model)).toEqual(['qwen2.5:7b']);
    const help = await parley(['run', '--help'], {});
    expect(help.stdout).toMatch(/--llm-model <name> +the model the LLM runs/);
  });

  it('bad options are said in plain words', async () => {
    const speed = await parley(['run', '--in', 'x.wav', '--speed', 'fast'], {});
    expect(speed.code).toBe(2);
    expect(speed.stderr).toBe('parley: error: --speed must be a number from 0 to 100 (1 = real time, 0 = skip the stretches where Parley only listens) (got "fast")\n');
    const unknown = await parley(['run', '--in', 'x.wav', '--voice', 'alloy'], {});
    expect(unknown.stderr).toBe('parley: error: unknown option --voice (see: parley run --help)\n');
  });

  it('streams a 512 MiB recording with --speed 0 with bounded memory', async () => {
    const deepgram = await startFakeDeepgram({ utterances: [] });
    const openai = await startFakeOpenAi({});
    closers.push(deepgram.close, openai.close);
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-run-big-'));
    const big = path.join(dir, 'big.wav');
    // 256 channels of float64 silence at 16 kHz (sparse on disk): 16.4 s of audio in 512 MiB.
    writeSilentWav(big, 512 * 1024 * 1024, { channels: 256 });
    const rssFile = path.join(dir, 'peak-rss');
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key, PARLEY_TEST_PEAK_RSS_FILE: rssFile };
    const r = await parley(['run', '--in', big, '--speed', '0', '--json'], env, ['--import', pathToFileURL(path.join(ROOT, 'test', 'helpers', 'report-peak-rss.mjs')).href]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ turns: [] });
    // All of it reached speech-to-text (16.4 s of audio and the 1.5 s pause after it).
    expect(deepgram.stats.audioBytes / 32000).toBeGreaterThan(17.5);
    // Reading the file whole would need at least its 512 MiB; streaming needs the runtime and one chunk.
    expect(Number(readFileSync(rssFile, 'utf8')) / 1024).toBeLessThan(350);
  }, 60_000);

  it('an unreachable endpoint is named (exit 1)', async () => {
    const env = { PARLEY_DEEPGRAM_URL: 'ws://127.0.0.1:9', DEEPGRAM_API_KEY: 'k', OPENAI_API_KEY: 'k' };
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0', '--json'], env);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { errors: { stage: string; code: string; message: string }[] };
    expect(report.errors[0]).toMatchObject({ stage: 'stt', code: 'provider/unreachable', message: expect.stringContaining('ws://127.0.0.1:9') });
  });

  it('rejects an unknown provider and a bad endpoint variable', async () => {
    const unknown = await parley(['run', '--in', 'x.wav', '--llm', 'gpt5'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown LLM provider 'gpt5' \(available: openai, ollama, llama-cpp, anthropic\)/);
    const badUrl = await parley(['run', '--in', 'x.wav'], { PARLEY_DEEPGRAM_URL: 'not a url', DEEPGRAM_API_KEY: 'k' });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/Deepgram: PARLEY_DEEPGRAM_URL must be a ws:\/\/ or wss:\/\/ URL/);
  });

  it('--mode s2s --s2s moshi: streams the recording (then silence) in real time and prints the same JSON shape', async () => {
    const moshi = await startFakeMoshi({ replies: [[' Nice', ' to', ' meet', ' you', '.']] });
    closers.push(moshi.close);
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-s2s-'));
    const out = path.join(dir, 'reply.wav');
    const r = await parley(['run', '--mode', 's2s', '--s2s', 'moshi', '--in', await questionWav(), '--out', out, '--json'], { PARLEY_MOSHI_URL: moshi.baseUrl });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { turns: { user: string; assistant: string; spans: Record<string, number>; voiceToVoiceMs: number; overlapMs: number; speechEndS: number }[] };
    expect(report.turns).toHaveLength(1);
    expect(report.turns[0]).toMatchObject({ user: expect.stringMatching(/^\(spoke \d\.\d s\)$/), assistant: 'Nice to meet you.', overlapMs: 0 });
    // Where the speech ended in the file: 0.4 s of lead-in, then the trimmed recording (within 80 ms).
    const { speechMs } = await paddedSpeech('librivox-ss01-0880.wav', 0.4, 0.4);
    expect(Math.abs(report.turns[0]!.speechEndS - (0.4 + speechMs / 1000))).toBeLessThanOrEqual(0.08);
    expect(Object.keys(report.turns[0]!.spans)).toEqual(['speechEnd', 'endOfTurn', 'firstAudioPlayed']);
    expect(report.turns[0]!.voiceToVoiceMs).toBeGreaterThan(0);
    const reply = await readWavFile(out);
    expect(reply.sampleRate).toBe(24000);
    expect(moshi.stats.secondsHeard).toBeGreaterThan(3);
  }, 40_000);

  it('--mode s2s --s2s openai-realtime: the same, with the user transcribed; a missing key names the variable', async () => {
    const realtime = await startFakeRealtime({ transcripts: ['what is new'], reply: () => ({ text: 'Not much, and you?' }) });
    closers.push(realtime.close);
    const missing = await parley(['run', '--mode', 's2s', '--s2s', 'openai-realtime', '--in', await questionWav()], { PARLEY_OPENAI_REALTIME_URL: realtime.url });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no API key for OpenAI Realtime: set OPENAI_API_KEY/);
    const r = await parley(['run', '--mode', 's2s', '--s2s', 'openai-realtime', '--in', await questionWav(), '--json'], { PARLEY_OPENAI_REALTIME_URL: realtime.url, OPENAI_API_KEY: realtime.key });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] };
    expect(report.turns).toEqual([expect.objectContaining({ user: 'what is new', assistant: 'Not much, and you?' })]);
  }, 40_000);

  it('--mode s2s: a call that dies after the handshake is a failed run (exit 1), not a quiet success', async () => {
    // Drops after the user's turn (4 s of audio heard), then every reconnect drops too (a server
    // that keeps dying). The file goes on almost 3 s past the drop, so a loaded fake that decodes late
    // still drops the call before the run's input ends.
    const moshi = await startFakeMoshi({ faults: [{ kind: 'drop', afterMs: 4000, connection: 1 }, ...[2, 3, 4].map((connection) => ({ kind: 'drop' as const, afterMs: 100, connection }))] });
    closers.push(moshi.close);
    const r = await parley(['run', '--mode', 's2s', '--s2s', 'moshi', '--in', await questionWav(3.4)], { PARLEY_MOSHI_URL: moshi.baseUrl });
    expect(r.code).toBe(1);
    expect(moshi.stats.connections).toBe(4); // three reconnects, then the run gives up
    expect(r.stderr).toMatch(/s2s error: Moshi closed the connection mid-call/);
  }, 30_000);

  it('--mode s2s against nothing: a one-line error that says what to do (exit 1)', async () => {
    const r = await parley(['run', '--mode', 's2s', '--in', await questionWav()], { PARLEY_MOSHI_URL: 'ws://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach Moshi at ws:\/\/127\.0\.0\.1:9\/api\/chat.*Is the Moshi server running\?/);
  }, 20_000);
});
