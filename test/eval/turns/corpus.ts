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
  /**
   * Mid-turn pauses (silence of 100 ms or more before the turn's end): the agent must listen through
   * these. 'hesitation': scripted between chunks (0.6-0.85 s, or a recording's own); 'short': inside a
   * chunk (a comma, a breath).
   */
  pauses: Array<{ startMs: number; endMs: number; kind: 'hesitation' | 'short'; textBefore: string }>;
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

/** Silence inside speech at least this long is a pause (eot-bench annotates every pause of 100 ms or more). */
export const MIN_PAUSE_MS = 100;
/** A pause this long is a hesitation (the scripted ones are 0.6-0.85 s); shorter ones are commas and breaths. */
export const HESITATION_MS = 500;
const WINDOW_MS = 10;

/**
 * Where a chunk is voiced, in ms from its start: 10 ms windows above the threshold, joined across
 * gaps shorter than MIN_PAUSE_MS. espeak's pauses are digital silence (an absolute -50 dBFS finds
 * them); recordings have a noise floor and breaths, so theirs is relative to the loudest window (-25 dB).
 */
export function voicedSegments(x: Float32Array, threshold: { absoluteDb: number } | { belowPeakDb: number }): Array<[number, number]> {
  const win = samplesOf(WINDOW_MS);
  const db: number[] = [];
  for (let i = 0; i + win <= x.length; i += win) db.push(20 * Math.log10(rmsOf(x, i, i + win) + 1e-12));
  const limit = 'absoluteDb' in threshold ? threshold.absoluteDb : Math.max(...db) - threshold.belowPeakDb;
  const segments: Array<[number, number]> = [];
  for (const [i, level] of db.entries()) {
    if (level < limit) continue;
    const last = segments.at(-1);
    if (last && i * WINDOW_MS - last[1] < MIN_PAUSE_MS) last[1] = (i + 1) * WINDOW_MS;
    else segments.push([i * WINDOW_MS, (i + 1) * WINDOW_MS]);
  }
  return segments;
}

/**
 * Places a chunk's words on its voiced segments (a stand-in for forced alignment): comma groups on
 * segments when they match one to one, else every word in proportion to its length over the voiced time.
 */
function wordTimes(text: string, segments: Array<[number, number]>, offsetMs: number, chunk: number): WordLabel[] {
  // Groups the speaker pauses between: marked with '|' (recordings), else the commas (espeak pauses at each).
  const bare = text.replace(/[.?!,]+$/, '');
  const groups = (bare.includes('|') ? bare.split(/\s*\|\s*/) : bare.split(/(?<=,)\s+/)).map((g) => g.split(/\s+/).filter(Boolean)).filter((g) => g.length > 0);
  const place = (words: string[], spans: Array<[number, number]>): WordLabel[] => {
    const voiced = spans.reduce((n, [a, b]) => n + b - a, 0);
    const weights = words.map((w) => w.length + 2);
    const total = weights.reduce((a, b) => a + b, 0);
    // Voiced time -> real time, skipping the silences between spans.
    const at = (v: number) => {
      for (const [a, b] of spans) {
        if (v <= b - a) return a + v;
        v -= b - a;
      }
      return spans.at(-1)![1];
    };
    let v = 0;
    return words.map((w, i) => {
      const len = (voiced * weights[i]!) / total;
      const word = { text: w, startMs: Math.round(offsetMs + at(v)), endMs: Math.round(offsetMs + at(v + len)), chunk };
      v += len;
      return word;
    });
  };
  if (groups.length === segments.length) return groups.flatMap((g, i) => place(g, [segments[i]!]));
  // Else the groups may match the long pauses only (a recording with breaths inside its phrases).
  const phrases: Array<Array<[number, number]>> = [[]];
  for (const [k, seg] of segments.entries()) {
    if (k > 0 && seg[0] - segments[k - 1]![1] >= HESITATION_MS) phrases.push([]);
    phrases.at(-1)!.push(seg);
  }
  if (groups.length === phrases.length) return groups.flatMap((g, i) => place(g, phrases[i]!));
  return place(groups.flat(), segments);
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
  const pauses: TurnLabels['pauses'] = [];
  let at = samplesOf(LEAD_MS);
  for (const [i, chunk] of spec.chunks.entries()) {
    const audio = chunk.phrase ? await phraseAudio(chunk.phrase) : await recordingAudio(chunk.recording!.file, chunk.recording!.fromMs, chunk.recording!.toMs);
    const text = (chunk.phrase?.text ?? chunk.recording!.text).replace(/\s*\|\s*/g, ' ');
    const segments = voicedSegments(audio, chunk.phrase ? { absoluteDb: -50 } : { belowPeakDb: 25 });
    const offset = msOf(at);
    const startMs = offset + segments[0]![0];
    const endMs = offset + segments.at(-1)![1];
    const chunkWords = wordTimes(chunk.phrase?.text ?? chunk.recording!.text, segments, offset, i);
    for (let k = 1; k < segments.length; k++) {
      const before = chunkWords.filter((w) => w.endMs <= offset + segments[k - 1]![1]).map((w) => w.text);
      const gap = segments[k]![0] - segments[k - 1]![1];
      pauses.push({ startMs: offset + segments[k - 1]![1], endMs: offset + segments[k]![0], kind: gap >= HESITATION_MS ? 'hesitation' : 'short', textBefore: [...chunks.map((c) => c.text), ...before].join(' ') });
    }
    const last = i === spec.chunks.length - 1;
    const next = spec.chunks[i + 1];
    parts.push(audio, new Float32Array(samplesOf(chunk.pauseAfterMs)));
    at += audio.length + samplesOf(chunk.pauseAfterMs);
    chunks.push({ text, startMs, endMs, pauseAfterMs: chunk.pauseAfterMs, midTurnPause: !last });
    words.push(...chunkWords);
    // The pause to the next chunk ends where its speech starts (found once that chunk is placed).
    if (next) pauses.push({ startMs: endMs, endMs: NaN, kind: 'hesitation', textBefore: chunks.map((c) => c.text).join(' ') });
  }
  // Close each pause between chunks at the start of the chunk after it.
  let k = 0;
  for (const p of pauses) if (Number.isNaN(p.endMs)) p.endMs = chunks[++k]!.startMs;
  const audio = new Float32Array(at);
  let offset = 0;
  for (const part of parts) {
    audio.set(part, offset);
    offset += part.length;
  }
  const labels: TurnLabels = {
    id: spec.id,
    category: spec.category,
    note: spec.note,
    source: spec.chunks.some((c) => c.recording) ? 'recording' : 'espeak',
    snrDb: null,
    durationMs: msOf(audio.length),
    turn: { startMs: chunks[0]!.startMs, endMs: chunks.at(-1)!.endMs, text: chunks.map((c) => c.text).join(' ') },
    chunks,
    pauses: pauses.sort((a, b) => a.startMs - b.startMs),
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
