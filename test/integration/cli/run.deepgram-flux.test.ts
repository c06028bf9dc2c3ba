import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeFlux } from '../../fakes/deepgram-flux.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { paddedSpeech } from '../../helpers/speech.js';

const closers = useClosers();

describe('parley run --stt deepgram-flux', () => {
  it('transcribes a spoken question over /v2/listen and answers the turn Flux ended', async () => {
    const flux = await startFakeFlux({ utterances: ['he was not an ill disposed young man'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'He sounds kind.' }), tts: { msPerChar: 3 } });
    closers.push(flux.close, openai.close);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-flux-')), 'question.wav');
    const { audio } = await paddedSpeech('librivox-ss01-0880.wav', 0.4, 1.5);
    await writeWavFile(file, { sampleRate: 16000, channels: [audio] }, 'pcm16');
    const env = { PARLEY_DEEPGRAM_FLUX_URL: flux.url, DEEPGRAM_API_KEY: flux.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };
    const r = await runParley(['run', '--in', file, '--stt', 'deepgram-flux', '--json', '--speed', '0'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { turns: { user: string; assistant: string }[] };
    expect(report.turns).toEqual([expect.objectContaining({ user: 'he was not an ill disposed young man', assistant: 'He sounds kind.' })]);
    expect(flux.stats.turns).toEqual(['he was not an ill disposed young man']);
    // Nothing v1-only reached the service (it would have closed the connection).
    expect(flux.stats.rejected).toEqual([]);
    expect(flux.stats.queries[0]!.get('model')).toBe('flux-general-en');
  });
});
