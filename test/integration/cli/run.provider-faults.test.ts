import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeAnthropic } from '../../fakes/anthropic.js';
import { startFakeDeepgram } from '../../fakes/deepgram.js';
import { startFakeElevenLabs } from '../../fakes/elevenlabs.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { microphoneWav } from '../../helpers/speech.js';
import { runParley, useClosers } from '../../helpers/cli.js';

const closers = useClosers();
const parley = runParley;

interface JsonTurn {
  user: string;
  assistant: string;
  errors?: { stage: string; code: string; message: string }[];
}

const SPEECH = 'librivox-ss01-0880.wav';

describe.each([
  ['ends without message_stop', 'end'],
  ['sends an error event', 'malformed'],
] as const)('parley run: Anthropic %s mid-reply', (_what, kind) => {
  it('the finished sentence plays in full, and the transcript and log say only that sentence', async () => {
    const sentence = 'Sure thing, here it is.';
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    // 20 ms of audio per character: the sentence is still playing when the stream fails.
    const openai = await startFakeOpenAi({ tts: { msPerChar: 20 } });
    // message_start, block start, ping, then 5 words: the failure comes after "Anything".
    const anthropic = await startFakeAnthropic({ llm: () => ({ text: `${sentence} Anything else you need`, tokenMs: 40 }), faults: [{ kind, after: 9 }] });
    closers.push(deepgram.close, openai.close, anthropic.close);
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-run-fault-'));
    const out = path.join(dir, 'reply.wav');
    const log = path.join(dir, 'session.jsonl');
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key, PARLEY_ANTHROPIC_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.key };
    const r = await parley(['run', '--in', await microphoneWav([0.4, SPEECH, 0.4]), '--llm', 'anthropic', '--tts', 'openai', '--out', out, '--log', log, '--json', '--speed', '0'], env);
    const turns = (JSON.parse(r.stdout) as { turns: JsonTurn[] }).turns;
    expect(turns).toHaveLength(1);
    expect(turns[0]).toMatchObject({ user: 'hello', assistant: sentence });
    expect(turns[0]!.errors!.map((e) => e.stage)).toEqual(['llm']);
    const logged = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; text?: string });
    expect(logged.filter((l) => l.kind === 'assistant').map((l) => l.text)).toEqual([sentence]);
    // Only the finished sentence went to speech, and all of its audio was played.
    expect(openai.requests.filter((q) => q.path === '/v1/audio/speech').map((q) => q.body.input)).toEqual([sentence]);
    const played = await readWavFile(out);
    expect(played.channels[0]!.length).toBe(Math.round(24000 * 0.02 * sentence.length));
  }, 30_000);
});

describe('parley run: independent checks of issue 16 through the CLI', () => {
  it('ElevenLabs refuses (500) with --fallback-tts openai: the turn is answered in full', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'First sentence here. And a second one.' }), tts: { msPerChar: 1 } });
    const elevenlabs = await startFakeElevenLabs({ faults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 500 }] });
    closers.push(deepgram.close, openai.close, elevenlabs.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key, PARLEY_ELEVENLABS_URL: elevenlabs.url, ELEVENLABS_API_KEY: elevenlabs.key };
    const r = await parley(['run', '--in', await microphoneWav([0.4, SPEECH, 0.4]), '--tts', 'elevenlabs', '--fallback-tts', 'openai', '--json', '--speed', '0'], env);
    expect(r.code).toBe(0);
    expect(elevenlabs.stats.connections).toBeGreaterThan(0);
    const turns = (JSON.parse(r.stdout) as { turns: JsonTurn[] }).turns;
    expect(turns).toEqual([expect.objectContaining({ user: 'hello', assistant: 'First sentence here. And a second one.' })]);
    expect(turns[0]!.errors).toBeUndefined();
  }, 40_000);

  it('ElevenLabs never sends isFinal: the turn ends once all its audio played, with no error and no wait', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['hello'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'First sentence here. And a second one.' }) });
    const elevenlabs = await startFakeElevenLabs({ noFinal: true, msPerChar: 2 });
    closers.push(deepgram.close, openai.close, elevenlabs.close);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'parley-run-el-')), 'reply.wav');
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key, PARLEY_ELEVENLABS_URL: elevenlabs.url, ELEVENLABS_API_KEY: elevenlabs.key };
    const r = await parley(['run', '--in', await microphoneWav([0.4, SPEECH, 0.4]), '--tts', 'elevenlabs', '--out', out, '--json', '--speed', '0'], env);
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: JsonTurn[] }).turns;
    expect(turns).toEqual([expect.objectContaining({ user: 'hello', assistant: 'First sentence here. And a second one.' })]);
    expect(turns[0]!.errors).toBeUndefined();
    const played = await readWavFile(out);
    expect(played.channels[0]!.length).toBe(elevenlabs.stats.generated.reduce((n, g) => n + g.samples, 0));
  }, 40_000);

  it('a malformed Anthropic tool call, then a second question: the second is answered', async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['what is two plus two', 'and now say hi'] });
    const openai = await startFakeOpenAi({ tts: { msPerChar: 1 } });
    const anthropic = await startFakeAnthropic({
      llm: (req) => {
        const last = req.messages.at(-1)!;
        if (last.role === 'user' && last.content === 'what is two plus two') return { toolCalls: [{ name: 'calculate', argumentsJson: '{"expression": "2+2", ' }] };
        if (last.role === 'user' && last.content === 'and now say hi') return { text: 'Hi again.' };
        return { text: 'I could not work that out.' };
      },
    });
    closers.push(deepgram.close, openai.close, anthropic.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key, PARLEY_ANTHROPIC_URL: anthropic.url, ANTHROPIC_API_KEY: anthropic.key };
    // Real time, so the first reply has ended before the second question.
    const r = await parley(['run', '--in', await microphoneWav([0.4, SPEECH, 3, SPEECH, 0.4]), '--llm', 'anthropic', '--tts', 'openai', '--json'], env);
    const turns = (JSON.parse(r.stdout) as { turns: JsonTurn[] }).turns;
    // (Under load the VAD may end a turn at a pause inside the recording; that turn is resumed, not answered.)
    expect(turns.filter((t) => t.assistant !== '').map((t) => [t.user, t.assistant])).toEqual([
      ['what is two plus two', 'I could not work that out.'],
      ['and now say hi', 'Hi again.'],
    ]);
    expect(turns.flatMap((t) => t.errors ?? []).filter((e) => e.stage !== 'tool')).toEqual([]);
    expect(r.code).toBe(0);
  }, 40_000);
});
