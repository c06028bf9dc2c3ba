import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeDeepgram } from '../../fakes/deepgram.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { paddedSpeech } from '../../helpers/speech.js';
import { runParley, useClosers } from '../../helpers/cli.js';

// `parley run` against a speech-to-text that cannot work: a short, true answer and the right exit code.
const closers = useClosers();
const parley = runParley;

async function questionWav(): Promise<string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-run-stt-')), 'question.wav');
  const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.4, 0.4);
  await writeWavFile(file, { sampleRate: 16000, channels: [audio] }, 'pcm16');
  return file;
}

async function services(deepgram: Parameters<typeof startFakeDeepgram>[0]) {
  const dg = await startFakeDeepgram(deepgram);
  const openai = await startFakeOpenAi({ llm: () => ({ text: 'Hi!' }) });
  closers.push(dg.close, openai.close);
  return { dg, env: { PARLEY_DEEPGRAM_URL: dg.url, DEEPGRAM_API_KEY: dg.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key } };
}

describe('parley run: speech-to-text faults', () => {
  it('a rejected Deepgram key: one attempt, one line naming the provider and the variable to fix, exit 2', async () => {
    const { dg, env } = await services({});
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0'], { ...env, DEEPGRAM_API_KEY: 'revoked' });
    expect(r.code).toBe(2);
    expect(dg.stats.attempts).toBe(1);
    expect(r.stderr).toBe('parley: stt error: invalid API key for Deepgram: Invalid credentials. (check DEEPGRAM_API_KEY)\n');
    expect(r.stdout).not.toMatch(/No speech/);
  });

  it('Deepgram answering 503 forever: a handful of attempts, at most 3 lines on stderr, exit 1', async () => {
    const { dg, env } = await services({ refuseAll: { status: 503 } });
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0'], env);
    expect(r.code).toBe(1);
    expect(dg.stats.attempts).toBe(6);
    const lines = r.stderr.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.at(-1)).toBe('parley: stt error: Deepgram server error (503): fake 503; gave up after 6 attempts');
    expect(r.stdout).not.toMatch(/No speech/);
  });
});
