import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWavFile, writeWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeGradium } from '../../fakes/gradium.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { paddedSpeech } from '../../helpers/speech.js';

// `parley run --stt gradium --tts gradium` against the fake Gradium service (and a fake LLM).
const closers = useClosers();

async function questionWav(): Promise<string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-run-gradium-')), 'question.wav');
  const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.4, 1.5);
  await writeWavFile(file, { sampleRate: 16000, channels: [audio] }, 'pcm16');
  return file;
}

async function services() {
  const gradium = await startFakeGradium({ utterances: ['he was not an ill disposed young man'], msPerChar: 3 });
  const openai = await startFakeOpenAi({ llm: () => ({ text: 'He sounds kind. Why do you ask?' }) });
  closers.push(gradium.close, openai.close);
  return { gradium, env: { PARLEY_GRADIUM_URL: gradium.url, GRADIUM_API_KEY: gradium.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key } };
}

describe('parley run with Gradium speech to text and text to speech', () => {
  it('hears the question, answers it, and speaks the reply sentence by sentence', async () => {
    const { gradium, env } = await services();
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'parley-run-gradium-out-')), 'reply.wav');
    const r = await runParley(['run', '--in', await questionWav(), '--stt', 'gradium', '--tts', 'gradium', '--out', out, '--json', '--speed', '0'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] };
    expect(report.turns).toEqual([expect.objectContaining({ user: 'he was not an ill disposed young man', assistant: 'He sounds kind. Why do you ask?' })]);
    expect(gradium.stats.texts).toEqual(['He sounds kind. <flush>', 'Why do you ask? <flush>']);
    const reply = await readWavFile(out);
    expect(reply.sampleRate).toBe(24000);
    expect(reply.channels[0]!.length).toBe(gradium.stats.generated.reduce((n, g) => n + g.samples, 0));
  });

  it('a rejected Gradium key: one attempt, one line naming the variable, exit 2', async () => {
    const { gradium, env } = await services();
    const r = await runParley(['run', '--in', await questionWav(), '--stt', 'gradium', '--speed', '0'], { ...env, GRADIUM_API_KEY: 'revoked' });
    expect(r.code).toBe(2);
    expect(gradium.stats.attempts).toBe(1);
    expect(r.stderr).toBe('parley: stt error: invalid API key for Gradium: API key is revoked or expired (check GRADIUM_API_KEY)\n');
  });
});
