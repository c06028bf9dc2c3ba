import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWavFile } from '../../../electron/engine/audio/wav.js';
import { startFakeDeepgram } from '../../fakes/deepgram.js';
import { startFakeOpenAi } from '../../fakes/openai.js';
import { runParley, useClosers } from '../../helpers/cli.js';
import { paddedSpeech } from '../../helpers/speech.js';

const closers = useClosers();

interface RunTurn {
  user: string;
  assistant: string;
  speechEndS: number;
  endOfTurn: { by: string; turnClass: string; delayMs: number; preempted: boolean };
}

/** Real speech stretches and silences (s) in order; returns the file and where each stretch of speech ends (s). */
async function recording(parts: (string | number)[]): Promise<{ file: string; speechEndsS: number[] }> {
  const chunks: Float32Array[] = [];
  const speechEndsS: number[] = [];
  let samples = 0;
  for (const part of parts) {
    const audio = typeof part === 'number' ? new Float32Array(Math.round(16000 * part)) : (await paddedSpeech(part, 0, 0)).audio;
    chunks.push(audio);
    samples += audio.length;
    if (typeof part === 'string') speechEndsS.push(samples / 16000);
  }
  const all = new Float32Array(samples);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-turns-')), 'hesitations.wav');
  await writeWavFile(file, { sampleRate: 16000, channels: [all] });
  return { file, speechEndsS };
}

describe('parley run: turn-taking on a recording with mid-sentence hesitations', () => {
  it('answers no pause inside a sentence, each intended turn once, and complete turns fast', async () => {
    // Turn 1 breaks after "a flight to" (0.8 s) and after "um," (0.7 s); turn 2 dictates a number
    // with a 0.75 s pause inside it; turn 3 is a complete question. 2.5 s of silence between turns.
    const { file, speechEndsS } = await recording([
      0.4, 'librivox-ss01-0880.wav', 0.8, 'librivox-ss01-0890.wav', 0.7, 'librivox-ss01-0880.wav', 2.5,
      'librivox-ss01-0880.wav', 0.75, 'librivox-ss01-0880.wav', 2.5,
      'librivox-ss01-0890.wav', 2.5,
    ]);
    const deepgram = await startFakeDeepgram({
      utterances: ['I need a flight to', 'Boston, um,', 'on Friday morning.', 'My number is 415 555', '0199.', 'What will the weather be like in Boston on Friday?'],
      // Pauses of 0.5 s and more close an utterance (the STT finalises each stretch on its own).
      utteranceGapMs: 500,
      finalDelayMs: 60,
    });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'Sure.', tokenMs: 5 }), tts: { msPerChar: 3 } });
    closers.push(deepgram.close, openai.close);
    const env = { PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key };

    const r = await runParley(['run', '--in', file, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: RunTurn[] }).turns;
    expect(turns.map((t) => t.user)).toEqual([
      'I need a flight to Boston, um, on Friday morning.',
      'My number is 415 555 0199.',
      'What will the weather be like in Boston on Friday?',
    ]);
    expect(turns.every((t) => t.assistant === 'Sure.')).toBe(true);
    // speechEndS is where each turn's last speech ended in the file (within 80 ms).
    const ends = [speechEndsS[2]!, speechEndsS[4]!, speechEndsS[5]!];
    turns.forEach((t, i) => expect(Math.abs(t.speechEndS - ends[i]!)).toBeLessThanOrEqual(0.08));
    // Complete turns end on the words, well within 400 ms of the speech.
    for (const t of turns) {
      expect(t.endOfTurn).toMatchObject({ turnClass: 'complete', by: expect.stringContaining('semantics') });
      expect(t.endOfTurn.delayMs).toBeLessThanOrEqual(400);
    }
  }, 60_000);
});
