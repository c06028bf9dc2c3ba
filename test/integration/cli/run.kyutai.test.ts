import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeKyutai } from '../../fakes/kyutai-moshi-server.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { microphoneWav } from '../../helpers/speech.js';

const closers = useClosers();

/** The fake's audio for a text: 60 ms a character per word, at least 2 frames of 1920 samples. */
const textSamples = (text: string) => text.split(' ').reduce((n, w) => n + Math.max(2, Math.ceil((w.length * 60) / 80)) * 1920, 0);

describe('parley run --stt kyutai --tts kyutai (a self-hosted moshi-server)', () => {
  it('transcribes the question with Kyutai STT and speaks the reply with Kyutai TTS, both at PARLEY_KYUTAI_URL', async () => {
    const kyutai = await startFakeKyutai({ utterances: ['he was not an ill disposed young man'], authorizedIds: ['lan-secret'] });
    const reply = 'He sounds kind. Why do you ask?';
    const openai = await startFakeOpenAi({ llm: () => ({ text: reply, tokenMs: 5 }) });
    closers.push(kyutai.close, openai.close);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'parley-run-kyutai-')), 'reply.wav');
    const env = { PARLEY_KYUTAI_URL: kyutai.url, KYUTAI_API_KEY: 'lan-secret', PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await runParley(['run', '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1.5]), '--stt', 'kyutai', '--tts', 'kyutai', '--out', out, '--json', '--speed', '0'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] }).turns;
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ user: 'he was not an ill disposed young man', assistant: reply });
    // The engine's finalize went out as a marker and came back.
    expect(kyutai.stats.stt.markersReturned.length).toBeGreaterThan(0);
    // One TTS connection for the reply, each sentence sent as its own Text, then Eos.
    expect(kyutai.stats.tts.connections).toBe(1);
    expect(kyutai.stats.tts.texts).toEqual(['He sounds kind.', 'Why do you ask?']);
    const played = await readWavFile(out);
    expect(played.sampleRate).toBe(24000);
    expect(played.channels[0]!.length).toBe(textSamples('He sounds kind.') + textSamples('Why do you ask?'));
  }, 30_000);

  it('a key the server refuses: the run fails with a message naming KYUTAI_API_KEY', async () => {
    const kyutai = await startFakeKyutai({ authorizedIds: ['lan-secret'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'Hi.' }) });
    closers.push(kyutai.close, openai.close);
    const env = { PARLEY_KYUTAI_URL: kyutai.url, KYUTAI_API_KEY: 'wrong', PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await runParley(['run', '--in', await microphoneWav([0.4, 'librivox-ss01-0880.wav', 1]), '--stt', 'kyutai', '--json', '--speed', '0'], env);
    expect(`${r.stdout}${r.stderr}`).toMatch(/invalid API key for Kyutai STT.*KYUTAI_API_KEY/);
    expect(kyutai.stats.stt.attempts).toBe(1);
  }, 30_000);
});
