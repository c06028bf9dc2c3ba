/**
 * `npm run check:local -- --models <dir> [--json]`: runs the recommended local models end to end
 * with their real weights, when they are there. Nothing is downloaded. Written against these files
 * (sherpa-onnx releases, unpacked, or installed with `parley models pull`):
 *
 *   STT  sherpa-onnx-streaming-zipformer-en-20M-2023-02-17/  (catalog id zipformer-en-20m-streaming)
 *          encoder-epoch-99-avg-1.int8.onnx, decoder-epoch-99-avg-1.onnx,
 *          joiner-epoch-99-avg-1.int8.onnx, tokens.txt
 *   TTS  sherpa-onnx-pocket-tts-int8-2026-01-26/  (catalog id pocket-tts-int8-2026-01-26)
 *          lm_flow.int8.onnx, lm_main.int8.onnx, encoder.onnx, decoder.int8.onnx,
 *          text_conditioner.onnx, vocab.json, token_scores.json, test_wavs/bria.wav
 *   TTS  kokoro-en-v0_19/  (catalog id kokoro-en-v0_19): model.onnx, voices.bin, tokens.txt, espeak-ng-data/
 *   STT second pass  sherpa-onnx-moonshine-tiny-en-int8/  (catalog id moonshine-tiny-en-int8):
 *          preprocess.onnx, encode.int8.onnx, uncached_decode.int8.onnx, cached_decode.int8.onnx, tokens.txt
 *          (when present, the STT is measured again with it as the second pass)
 *
 * `<dir>` is a models folder (PARLEY_MODELS_DIR: one folder per catalog id) or a folder holding the
 * unpacked archives. Prints per model: STT word error rate against the reference transcripts in
 * ../shared/models/speech, real-time factor and finalize latency; TTS time to first audio and
 * real-time factor; and the local part of voice-to-voice (STT finalize + TTS first audio; the LLM's
 * time to first sentence comes on top). A model that is absent is said to be absent, never guessed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readWavFile } from '../electron/engine/audio/wav.js';
import { CATALOG, type CatalogEntry } from '../electron/engine/models/catalog.js';
import { SherpaOnnxStt, SherpaSttSettingsSchema } from '../electron/engine/providers/stt/sherpa-onnx.js';
import { SherpaOnnxTts, SherpaTtsSettingsSchema } from '../electron/engine/providers/tts/sherpa-onnx.js';
import type { SttEvent, SttProvider, TtsEvent, TtsProvider } from '../electron/engine/providers/types.js';

const STT_MODELS = ['zipformer-en-20m-streaming'];
const TTS_MODELS = ['pocket-tts-int8-2026-01-26', 'kokoro-en-v0_19'];
const SECOND_PASS = 'moonshine-tiny-en-int8';
const SENTENCES = ['Sure, I can help with that.', 'The meeting is moved to three thirty tomorrow afternoon, in the small room on the second floor.'];

/** Word error rate: word-level edit distance over the reference length, after lower-casing and dropping punctuation. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const words = (s: string) => s.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean);
  const ref = words(reference);
  const hyp = words(hypothesis);
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const row = [i];
    for (let j = 1; j <= hyp.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    prev = row;
  }
  return ref.length === 0 ? (hyp.length === 0 ? 0 : 1) : prev[hyp.length]! / ref.length;
}

/** Where a catalog model is under `dir`: its installed folder (by id) or its unpacked archive (by the archive's name). */
export function findModel(dir: string, entry: CatalogEntry): string | undefined {
  const archive = path.basename(entry.url).replace(/\.(tar\.bz2|tar\.gz|tar)$/, '');
  return [path.join(dir, entry.id), path.join(dir, archive)].find((d) => existsSync(d));
}

interface SttResult {
  model: string;
  files: { file: string; wer: number; rtf: number; finalizeMs: number; transcript: string }[];
}
interface TtsResult {
  model: string;
  sentences: { text: string; firstAudioMs: number; rtf: number; audioS: number }[];
}

async function checkStt(id: string, dir: string, speechDir: string, secondPass?: { id: string; dir: string }): Promise<SttResult> {
  const provider = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ model: id, modelDir: dir, ...(secondPass ? { secondPassModel: secondPass.id, secondPassModelDir: secondPass.dir } : {}) }));
  const files: SttResult['files'] = [];
  for (const name of readdirSync(speechDir).filter((f) => f.endsWith('.wav') && existsSync(path.join(speechDir, f.replace(/\.wav$/, '.txt'))))) {
    const wav = await readWavFile(path.join(speechDir, name));
    const audio = wav.channels[0]!;
    const { transcript, totalMs, finalizeMs } = await transcribeAtFullSpeed(provider, audio, wav.sampleRate);
    files.push({ file: name, wer: wordErrorRate(readFileSync(path.join(speechDir, name.replace(/\.wav$/, '.txt')), 'utf8'), transcript), rtf: totalMs / 1000 / (audio.length / wav.sampleRate), finalizeMs, transcript });
  }
  return { model: secondPass ? `${id} + ${secondPass.id}` : id, files };
}

/**
 * A recording through a local STT as fast as it goes (100 ms blocks, then end): its words, the
 * whole time taken and the wait for the last final after the input ended.
 */
export async function transcribeAtFullSpeed(provider: SttProvider, audio: Float32Array, sampleRate: number): Promise<{ transcript: string; totalMs: number; finalizeMs: number }> {
  const stream = await provider.open({ sampleRate });
  const finals: string[] = [];
  const reading = (async () => {
    for await (const e of stream as AsyncIterable<SttEvent>) if (e.type === 'final' && e.text) finals.push(e.text);
  })();
  const started = performance.now();
  const block = Math.round(sampleRate / 10);
  for (let i = 0; i < audio.length; i += block) stream.push(audio.subarray(i, i + block), true);
  const finalizing = performance.now();
  await stream.end();
  await reading;
  const done = performance.now();
  return { transcript: finals.join(' '), totalMs: done - started, finalizeMs: done - finalizing };
}

/** One sentence through a voice: time to its first audio, to its end, and how much audio it made. */
export async function speakTimed(provider: TtsProvider, text: string): Promise<{ firstAudioMs: number; totalMs: number; audioS: number }> {
  const stream = provider.open({});
  const started = performance.now();
  stream.push(text);
  stream.end();
  let first: number | undefined;
  let samples = 0;
  for await (const e of stream as AsyncIterable<TtsEvent>) {
    if (e.type !== 'audio') continue;
    first ??= performance.now();
    samples += e.pcm.length;
  }
  const end = performance.now();
  return { firstAudioMs: (first ?? end) - started, totalMs: end - started, audioS: samples / provider.sampleRate };
}

async function checkTts(id: string, dir: string): Promise<TtsResult> {
  const provider = new SherpaOnnxTts(SherpaTtsSettingsSchema.parse({ model: id, modelDir: dir }));
  // Loading is not part of the answer's latency: warm the model with a word first.
  const warm = provider.open({});
  warm.push('Hello.');
  warm.end();
  for await (const _ of warm as AsyncIterable<TtsEvent>) void _;
  const sentences: TtsResult['sentences'] = [];
  for (const text of SENTENCES) {
    const { firstAudioMs, totalMs, audioS } = await speakTimed(provider, text);
    sentences.push({ text, firstAudioMs, rtf: totalMs / 1000 / audioS, audioS });
  }
  return { model: id, sentences };
}

export async function checkLocal(modelsDir: string, speechDir: string, say: (line: string) => void): Promise<{ stt: SttResult[]; tts: TtsResult[]; absent: string[] }> {
  const absent: string[] = [];
  const stt: SttResult[] = [];
  const tts: TtsResult[] = [];
  for (const id of [...STT_MODELS, ...TTS_MODELS]) {
    const entry = CATALOG.find((e) => e.id === id)!;
    const dir = findModel(modelsDir, entry);
    if (!dir) {
      absent.push(id);
      say(`ABSENT  ${id}: not in ${modelsDir} (looked for ${entry.id}/ and ${path.basename(entry.url).replace(/\.tar\.bz2$/, '')}/ with ${entry.files.join(', ')}; get it with parley models pull ${id}). Not measured.`);
      continue;
    }
    say(`USING   ${id}: ${dir}`);
    if (entry.task === 'stt') {
      const moonshine = CATALOG.find((e) => e.id === SECOND_PASS)!;
      const secondDir = findModel(modelsDir, moonshine);
      if (!secondDir) say(`ABSENT  ${SECOND_PASS} (optional second pass): not in ${modelsDir}; get it with parley models pull ${SECOND_PASS}. Not measured.`);
      for (const second of secondDir ? [undefined, { id: SECOND_PASS, dir: secondDir }] : [undefined]) {
        const r = await checkStt(id, dir, speechDir, second);
        stt.push(r);
        for (const f of r.files) say(`STT     ${r.model}  ${f.file}: WER ${(f.wer * 100).toFixed(1)}%  RTF ${f.rtf.toFixed(3)}  finalize ${f.finalizeMs.toFixed(0)} ms  "${f.transcript.slice(0, 80)}"`);
      }
    } else {
      const r = await checkTts(id, dir);
      tts.push(r);
      for (const s of r.sentences) say(`TTS     ${id}  first audio ${s.firstAudioMs.toFixed(0)} ms  RTF ${s.rtf.toFixed(3)}  (${s.audioS.toFixed(2)} s of audio)  "${s.text.slice(0, 40)}"`);
    }
  }
  const finalize = stt[0]?.files.map((f) => f.finalizeMs);
  const firstAudio = tts[0]?.sentences[0]?.firstAudioMs;
  if (finalize?.length && firstAudio !== undefined) {
    const median = [...finalize].sort((a, b) => a - b)[Math.floor(finalize.length / 2)]!;
    say(`V2V     local part (STT finalize ${median.toFixed(0)} ms + TTS first audio ${firstAudio.toFixed(0)} ms) = ${(median + firstAudio).toFixed(0)} ms; the LLM's time to its first sentence and the end-of-turn wait come on top`);
  } else say('V2V     not measured: needs both an STT and a TTS model present');
  return { stt, tts, absent };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { models: { type: 'string' }, speech: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.models) {
    process.stderr.write('usage: npm run check:local -- --models <dir> [--speech <dir>] [--json]\n');
    return 2;
  }
  const speech = values.speech ?? process.env.PARLEY_SHARED_MODELS_SPEECH ?? path.resolve(import.meta.dirname, '..', '..', 'shared', 'models', 'speech');
  const lines: string[] = [];
  const result = await checkLocal(path.resolve(values.models), speech, (l) => (values.json ? lines.push(l) : process.stdout.write(l + '\n')));
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return 0;
}

if (process.argv[1] && import.meta.filename === path.resolve(process.argv[1])) {
  main().then((code) => process.exit(code), (e: unknown) => {
    process.stderr.write(`check:local: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
