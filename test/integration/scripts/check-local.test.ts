import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLocal, wordErrorRate } from '../../../scripts/check-local.js';
import { FIXTURE_MOONSHINE, FIXTURE_STT, FIXTURE_TTS } from '../../helpers/sherpa.js';
import { SPEECH_DIR } from '../../paths.js';

describe('npm run check:local', () => {
  it('word error rate: edit distance over the reference words, case and punctuation ignored', () => {
    expect(wordErrorRate('And so, my fellow Americans.', 'and so my fellow americans')).toBe(0);
    expect(wordErrorRate('ask not what your country', 'ask what your country can')).toBeCloseTo(2 / 5);
    expect(wordErrorRate('a b', '')).toBe(1);
  });

  it('says each absent model is absent (with how to get it) and measures nothing', async () => {
    const lines: string[] = [];
    const r = await checkLocal(mkdtempSync(path.join(tmpdir(), 'parley-check-none-')), SPEECH_DIR, (l) => lines.push(l));
    expect(r).toEqual({ stt: [], tts: [], absent: ['zipformer-en-20m-streaming', 'pocket-tts-int8-2026-01-26', 'kokoro-en-v0_19'] });
    expect(lines.filter((l) => l.startsWith('ABSENT')).map((l) => l.match(/parley models pull ([^\s).]+)/)?.[1])).toEqual(r.absent);
    expect(lines.at(-1)).toMatch(/^V2V +not measured/);
  });

  it('runs what is present end to end (here the generated stand-ins, found by their unpacked archive names): WER per reference file, RTF, first audio', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-check-some-'));
    cpSync(FIXTURE_STT, path.join(dir, 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17'), { recursive: true });
    cpSync(FIXTURE_TTS, path.join(dir, 'pocket-tts-int8-2026-01-26'), { recursive: true });
    cpSync(FIXTURE_MOONSHINE, path.join(dir, 'moonshine-tiny-en-int8'), { recursive: true });
    const lines: string[] = [];
    const r = await checkLocal(dir, SPEECH_DIR, (l) => lines.push(l));
    expect(r.absent).toEqual(['kokoro-en-v0_19']);
    // Every speech file that has a transcript, scored (gibberish scores badly, which is the point: the figure is real).
    expect(r.stt[0]!.files.map((f) => f.file)).toEqual(['jfk.wav', 'librivox-ss01-0870.wav', 'librivox-ss01-0880.wav', 'librivox-ss01-0890.wav']);
    for (const f of r.stt[0]!.files) expect(f.wer).toBeGreaterThan(0.5);
    // Measured again with the second pass, whose (stand-in) transcript is its own.
    expect(r.stt.map((s) => s.model)).toEqual(['zipformer-en-20m-streaming', 'zipformer-en-20m-streaming + moonshine-tiny-en-int8']);
    expect(r.stt[1]!.files.every((f) => f.transcript.includes('second pass'))).toBe(true);
    expect(r.tts[0]!.sentences).toHaveLength(2);
    for (const s of r.tts[0]!.sentences) expect(s.audioS).toBeGreaterThan(0.5);
    expect(lines.at(-1)).toMatch(/^V2V +local part/);
  });
});
