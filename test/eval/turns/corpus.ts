// Composes the corpus from its scripts: phrase audio (espeak, committed) and real recordings, joined
// with exact silences, optionally mixed with seeded noise. The labels come from this timeline, so
// where each turn ends and which pauses are mid-turn is known exactly.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readWavFile } from '../../../electron/engine/audio/wav.js';
import { rmsOf } from '../../helpers/signals.js';
import { speechFile } from '../../paths.js';
import { BACKCHANNEL_CASES, LEAD_MS, NOISE_SNRS_DB, NOISY_CASE_IDS, TURN_CASES, phraseKey, type BackchannelCase, type Phrase, type TurnCase } from './corpus-spec.js';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus');
export const PHRASES_DIR = path.join(CORPUS_DIR, 'phrases');
export const RATE = 16000;
const samplesOf = (ms: number) => Math.round((ms * RATE) / 1000);
const msOf = (samples: number) => (samples * 1000) / RATE;

export interface WordLabel {
  /** As a smart-formatting STT writes it, punctuation of the chunk's end removed. */
  text: string;
  startMs: number;
  endMs: number;
  chunk: number;
}

export interface ChunkLabel {
  text: string;
  startMs: number;
  endMs: number;
  /** Silence after the chunk; mid-turn for every chunk but the last. */
  pauseAfterMs: number;
  midTurnPause: boolean;
}

export interface TurnLabels {
  id: string;
  category: TurnCase['category'];
  note: string;
  source: 'espeak' | 'recording';
  snrDb: number | null;
  durationMs: number;
  /** The intended turn: speech from its first word to its last. */
  turn: { startMs: number; endMs: number; text: string };
  chunks: ChunkLabel[];
  /** Mid-turn pauses: the agent must listen through these. */
  pauses: Array<{ startMs: number; endMs: number; textBefore: string }>;
  words: WordLabel[];
}

export interface LabelledTurnCase {
  labels: TurnLabels;
  audio: Float32Array;
}

export interface BackchannelLabels {
  id: string;
  kind: BackchannelCase['kind'];
  durationMs: number;
  parley: { startMs: number; endMs: number; text: string };
  user: { startMs: number; endMs: number; text: string };
}

export interface LabelledBackchannelCase {
  labels: BackchannelLabels;
  /** What the microphone hears: the echo Parley's voice leaves after echo cancellation, plus the user. */
  mic: Float32Array;
  /** What Parley is playing. */
  playback: Float32Array;
}

export interface Corpus {
  turns: LabelledTurnCase[];
  backchannels: LabelledBackchannelCase[];
  /** Cases left out, and why (a phrase not generated yet, a recording missing). */
  skipped: Array<{ id: string; reason: string }>;
}

/** Speech level of synthetic phrases: about -20 dBFS RMS, a normal microphone level. */
const PHRASE_RMS = 0.1;
/** What is left of Parley's voice in the microphone after the OS echo canceller: -26 dB. */
const ECHO_RESIDUAL = 0.05;

class MissingAudio extends Error {}

/** FNV-1a: a stable seed from a name. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h || 1;
}

async function phraseAudio(phrase: Phrase): Promise<Float32Array> {
  const file = path.join(PHRASES_DIR, `${phraseKey(phrase)}.wav`);
  if (!existsSync(file)) throw new MissingAudio(`phrase not generated: ${path.basename(file)} (run test/eval/turns/generate-corpus.ts)`);
  const audio = (await readWavFile(file)).channels[0]!;
  const gain = PHRASE_RMS / Math.max(1e-6, rmsOf(audio));
  return audio.map((v) => v * gain);
}

async function recordingAudio(file: string, fromMs = 0, toMs?: number): Promise<Float32Array> {
  const full = speechFile(file);
  if (!existsSync(full)) throw new MissingAudio(`recording missing: ${full}`);
  const wav = await readWavFile(full);
  if (wav.sampleRate !== RATE) throw new Error(`${file}: expected ${RATE} Hz, got ${wav.sampleRate}`);
  const x = wav.channels[0]!;
  return x.slice(samplesOf(fromMs), toMs === undefined ? x.length : samplesOf(toMs));
}

/** Splits a chunk's words over its duration in proportion to their length (a stand-in for forced alignment). */
function wordTimes(text: string, startMs: number, endMs: number, chunk: number): WordLabel[] {
  const words = text.replace(/[.?!,]+$/, '').split(/\s+/).filter(Boolean);
  const weights = words.map((w) => w.length + 2);
  const total = weights.reduce((a, b) => a + b, 0);
  let at = startMs;
  return words.map((w, i) => {
    const len = ((endMs - startMs) * weights[i]!) / total;
    const word = { text: w, startMs: Math.round(at), endMs: Math.round(at + len), chunk };
    at += len;
    return word;
  });
}

/** Seeded brown-ish noise (white noise through a one-pole low-pass): closer to room and street noise than white. */
export function roomNoise(samples: number, seed: number): Float32Array {
  const out = new Float32Array(samples);
  let x = seed >>> 0 || 1;
  let y = 0;
  for (let i = 0; i < samples; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    y = 0.85 * y + ((x / 0xffffffff) * 2 - 1);
    out[i] = y;
  }
  return out;
}

/** A cough: two short noise bursts with fast attack and exponential decay, band-limited. */
export function syntheticCough(seed = 7): Float32Array {
  const out = new Float32Array(samplesOf(420));
  const noise = roomNoise(out.length, seed);
  const bursts = [
    { at: 0, ms: 160, amp: 0.6 },
    { at: 230, ms: 190, amp: 0.45 },
  ];
  for (const b of bursts) {
    const start = samplesOf(b.at);
    const n = samplesOf(b.ms);
    for (let i = 0; i < n && start + i < out.length; i++) {
      const env = Math.min(1, i / samplesOf(8)) * Math.exp(-i / samplesOf(b.ms / 3));
      out[start + i]! += (b.amp * env * noise[start + i]!) / 4;
    }
  }
  return out;
}

async function composeTurn(spec: TurnCase): Promise<LabelledTurnCase> {
  const parts: Float32Array[] = [new Float32Array(samplesOf(LEAD_MS))];
  const chunks: ChunkLabel[] = [];
  const words: WordLabel[] = [];
  let at = samplesOf(LEAD_MS);
  for (const [i, chunk] of spec.chunks.entries()) {
    const audio = chunk.phrase ? await phraseAudio(chunk.phrase) : await recordingAudio(chunk.recording!.file, chunk.recording!.fromMs, chunk.recording!.toMs);
    const text = chunk.phrase?.text ?? chunk.recording!.text;
    const startMs = msOf(at);
    const endMs = msOf(at + audio.length);
    parts.push(audio, new Float32Array(samplesOf(chunk.pauseAfterMs)));
    at += audio.length + samplesOf(chunk.pauseAfterMs);
    const last = i === spec.chunks.length - 1;
    chunks.push({ text, startMs, endMs, pauseAfterMs: chunk.pauseAfterMs, midTurnPause: !last });
    words.push(...wordTimes(text, startMs, endMs, i));
  }
  const audio = new Float32Array(at);
  let offset = 0;
  for (const part of parts) {
    audio.set(part, offset);
    offset += part.length;
  }
  const first = chunks[0]!;
  const last = chunks.at(-1)!;
  const labels: TurnLabels = {
    id: spec.id,
    category: spec.category,
    note: spec.note,
    source: spec.chunks.some((c) => c.recording) ? 'recording' : 'espeak',
    snrDb: null,
    durationMs: msOf(audio.length),
    turn: { startMs: first.startMs, endMs: last.endMs, text: chunks.map((c) => c.text).join(' ') },
    chunks,
    pauses: chunks.filter((c) => c.midTurnPause).map((c, i) => ({ startMs: c.endMs, endMs: chunks[i + 1]!.startMs, textBefore: chunks.slice(0, i + 1).map((x) => x.text).join(' ') })),
    words,
  };
  return { labels, audio };
}

/** The same case under seeded noise at `snrDb` relative to its speech level. */
function withNoise(c: LabelledTurnCase, snrDb: number, seed: number): LabelledTurnCase {
  let speechEnergy = 0;
  let speechSamples = 0;
  for (const chunk of c.labels.chunks) {
    const from = samplesOf(chunk.startMs);
    const to = samplesOf(chunk.endMs);
    speechEnergy += rmsOf(c.audio, from, to) ** 2 * (to - from);
    speechSamples += to - from;
  }
  const speechRms = Math.sqrt(speechEnergy / speechSamples);
  const noise = roomNoise(c.audio.length, seed);
  const gain = speechRms / 10 ** (snrDb / 20) / Math.max(1e-9, rmsOf(noise));
  const audio = c.audio.map((v, i) => v + gain * noise[i]!);
  return { audio, labels: { ...c.labels, id: `${c.labels.id}@${snrDb}dB`, snrDb } };
}

async function composeBackchannel(spec: BackchannelCase): Promise<LabelledBackchannelCase> {
  const parley = await phraseAudio(spec.parley);
  const user = spec.user === 'cough' ? syntheticCough() : await phraseAudio(spec.user);
  const parleyStart = samplesOf(300);
  const userStart = parleyStart + samplesOf(spec.userAtMs);
  const length = Math.max(parleyStart + parley.length, userStart + user.length) + samplesOf(800);
  const playback = new Float32Array(length);
  playback.set(parley, parleyStart);
  const mic = playback.map((v) => v * ECHO_RESIDUAL);
  for (let i = 0; i < user.length; i++) mic[userStart + i]! += user[i]!;
  return {
    mic,
    playback,
    labels: {
      id: spec.id,
      kind: spec.kind,
      durationMs: msOf(length),
      parley: { startMs: msOf(parleyStart), endMs: msOf(parleyStart + parley.length), text: spec.parley.text },
      user: { startMs: msOf(userStart), endMs: msOf(userStart + user.length), text: spec.user === 'cough' ? '(cough)' : spec.user.text },
    },
  };
}

export async function loadCorpus(): Promise<Corpus> {
  const corpus: Corpus = { turns: [], backchannels: [], skipped: [] };
  const skip = (id: string, e: unknown) => {
    if (!(e instanceof MissingAudio)) throw e;
    corpus.skipped.push({ id, reason: e.message });
  };
  for (const spec of TURN_CASES) {
    try {
      const c = await composeTurn(spec);
      corpus.turns.push(c);
      if (NOISY_CASE_IDS.includes(spec.id)) for (const snr of NOISE_SNRS_DB) corpus.turns.push(withNoise(c, snr, seedOf(`${spec.id}@${snr}`)));
    } catch (e) {
      skip(spec.id, e);
    }
  }
  for (const spec of BACKCHANNEL_CASES) {
    try {
      corpus.backchannels.push(await composeBackchannel(spec));
    } catch (e) {
      skip(spec.id, e);
    }
  }
  return corpus;
}
