import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeDeepgram } from '../../fakes/deepgram.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { paddedSpeech } from '../../helpers/speech.js';
import { runParley, useClosers } from '../../helpers/cli.js';

const closers = useClosers();
const parley = runParley;

async function questionWav(): Promise<string> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-run-')), 'question.wav');
  const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.4, 0.4);
  await writeWavFile(file, { sampleRate: 16000, channels: [audio] });
  return file;
}

describe('parley run: replies that fail', () => {
  it('every reply failed (the LLM kept answering 500): exit 1, with the error on stderr', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    const openai = await startFakeOpenAi({ llmFaults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }] });
    closers.push(deepgram.close, openai.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0'], env);
    expect(r.stderr).toMatch(/llm error: OpenAI-compatible LLM server error \(500\)/);
    expect(r.code).toBe(1);
  });

  it('a reply that worked: exit 0', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'Hi there.' }), tts: { msPerChar: 1 } });
    closers.push(deepgram.close, openai.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await parley(['run', '--in', await questionWav(), '--speed', '0'], env);
    expect(r.code).toBe(0);
  });
});
