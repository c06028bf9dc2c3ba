import { ParleyError } from '../errors.js';

export const MODEL_TASKS = ['stt', 'llm', 'tts', 'vad', 'turn'] as const;
export type ModelTask = (typeof MODEL_TASKS)[number];

/**
 * A model Parley knows how to get. Sizes and checksums are only given where they were confirmed
 * from a public source (null otherwise: `pull` then refuses to install without a user-given
 * --sha256, and the size is shown as unknown). Nothing here is fetched at run time.
 */
export interface CatalogEntry {
  id: string;
  task: ModelTask;
  name: string;
  /** BCP-47 language codes, or 'multi' for many. */
  languages: string[];
  /** Size of the download in bytes (null: not confirmed). */
  sizeBytes: number | null;
  /** Rough memory while loaded, in MB (an estimate from the parameter count, for the UI). */
  memoryMb: number;
  license: string;
  url: string;
  /** sha256 of the downloaded file (null: not confirmed). */
  sha256: string | null;
  /** How the download is laid out: one file, or an archive unpacked into the model's folder. */
  format: 'file' | 'tar' | 'tar.gz' | 'tar.bz2';
  /**
   * The files the engine loads, relative to the archive's top folder (named like the archive). For
   * sherpa-onnx models they are the names sherpa-onnx's own examples load; the provider picks them
   * by these names and finds them in the top folder (see providers/sherpa/model-files.ts).
   */
  files: string[];
  /** Shipped with the app (under resources/): always installed, never pulled. */
  bundled?: boolean;
  notes?: string;
}

export interface CatalogPreset {
  id: 'small' | 'quality';
  name: string;
  /** One model per task. */
  models: Partial<Record<ModelTask, string>>;
}

const SHERPA_ASR = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';
const SHERPA_TTS = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/tts-models';

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'silero-vad-v6',
    task: 'vad',
    name: 'Silero VAD v6.2',
    languages: ['multi'],
    // The file in resources/models/silero-vad (checked against its SHA256SUMS on load).
    sizeBytes: 2_327_524,
    memoryMb: 20,
    license: 'MIT',
    url: 'https://github.com/snakers4/silero-vad/raw/master/src/silero_vad/data/silero_vad.onnx',
    sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3',
    format: 'file',
    files: ['silero_vad.onnx'],
    bundled: true,
  },
  {
    id: 'smart-turn-v3.2-cpu',
    task: 'turn',
    name: 'Smart Turn v3.2 (CPU, int8)',
    languages: ['multi'],
    // pipecat-ai/smart-turn-v3 at commit f766f81 (size and sha256 as recorded by an archival copy of that commit).
    sizeBytes: 8_679_182,
    memoryMb: 60,
    license: 'BSD-2-Clause',
    url: 'https://huggingface.co/pipecat-ai/smart-turn-v3/resolve/f766f81d3cfdf7737ac64aad813d91bbfd56bf93/smart-turn-v3.2-cpu.onnx',
    sha256: '2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f',
    format: 'file',
    files: ['smart-turn-v3.2-cpu.onnx'],
  },
  {
    id: 'zipformer-en-20m-streaming',
    task: 'stt',
    name: 'Streaming Zipformer English 20M (sherpa-onnx, 2023-02-17)',
    languages: ['en'],
    // The files loaded are ~41 MB (int8); the archive also holds the float files and test WAVs.
    // Neither its exact size nor its sha256 could be checked from here: null.
    sizeBytes: null,
    memoryMb: 150,
    license: 'Apache-2.0',
    url: `${SHERPA_ASR}/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17.tar.bz2`,
    sha256: null,
    format: 'tar.bz2',
    // The int8 encoder and joiner with the float decoder, as sherpa-onnx's own apps load this model
    // (the int8 decoder costs accuracy and saves almost nothing).
    files: ['encoder-epoch-99-avg-1.int8.onnx', 'decoder-epoch-99-avg-1.onnx', 'joiner-epoch-99-avg-1.int8.onnx', 'tokens.txt'],
    notes:
      'Default for a 2-core laptop: a streaming transducer gives partials every 320 ms chunk at a small fraction of one core (20M parameters, int8), leaving the other core to the LLM and the audio path. Trained on LibriSpeech: weaker on casual speech than Nemotron streaming (464 MB, NVIDIA Open Model License), which needs a faster machine.',
  },
  {
    id: 'moonshine-tiny-en-int8',
    task: 'stt',
    name: 'Moonshine tiny English int8 (sherpa-onnx; optional second pass)',
    languages: ['en'],
    // About 120 MB of files per a listing of its publisher's folder; not checked from here: null.
    sizeBytes: null,
    memoryMb: 250,
    license: 'MIT',
    url: `${SHERPA_ASR}/sherpa-onnx-moonshine-tiny-en-int8.tar.bz2`,
    sha256: null,
    format: 'tar.bz2',
    files: ['preprocess.onnx', 'encode.int8.onnx', 'uncached_decode.int8.onnx', 'cached_decode.int8.onnx', 'tokens.txt'],
    notes: 'Not a streaming model: the local STT setting secondPassModel runs it on each finished utterance (RTF 0.032 on one Mac core) for a better final than the streaming Zipformer.',
  },
  {
    id: 'parakeet-tdt-0.6b-v2-int8',
    task: 'stt',
    name: 'NVIDIA Parakeet TDT 0.6B v2 int8 (sherpa-onnx)',
    languages: ['en'],
    sizeBytes: null,
    memoryMb: 1200,
    license: 'CC-BY-4.0',
    url: `${SHERPA_ASR}/sherpa-onnx-nemo-parakeet-tdt-0.6b-v2-int8.tar.bz2`,
    sha256: null,
    format: 'tar.bz2',
    files: ['encoder.int8.onnx', 'decoder.int8.onnx', 'joiner.int8.onnx', 'tokens.txt'],
  },
  {
    id: 'qwen3-0.6b-q8_0',
    task: 'llm',
    name: 'Qwen3 0.6B Q8_0 (GGUF)',
    languages: ['multi'],
    sizeBytes: null,
    memoryMb: 1000,
    license: 'Apache-2.0',
    url: 'https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf',
    sha256: null,
    format: 'file',
    files: ['Qwen3-0.6B-Q8_0.gguf'],
  },
  {
    id: 'qwen3-4b-q4_k_m',
    task: 'llm',
    name: 'Qwen3 4B Q4_K_M (GGUF)',
    languages: ['multi'],
    sizeBytes: null,
    memoryMb: 3500,
    license: 'Apache-2.0',
    url: 'https://huggingface.co/Qwen/Qwen3-4B-GGUF/resolve/main/Qwen3-4B-Q4_K_M.gguf',
    sha256: null,
    format: 'file',
    files: ['Qwen3-4B-Q4_K_M.gguf'],
  },
  {
    id: 'pocket-tts-int8-2026-01-26',
    task: 'tts',
    name: 'Kyutai Pocket TTS int8 (sherpa-onnx, 2026-01-26)',
    languages: ['en'],
    // About 98 MB; neither the exact size nor the sha256 could be checked from here: null.
    sizeBytes: null,
    memoryMb: 450,
    license: 'CC-BY-4.0',
    url: `${SHERPA_TTS}/sherpa-onnx-pocket-tts-int8-2026-01-26.tar.bz2`,
    sha256: null,
    format: 'tar.bz2',
    // As sherpa-onnx's Node example loads it; the voice is a reference recording (test_wavs/bria.wav by default).
    files: ['lm_flow.int8.onnx', 'lm_main.int8.onnx', 'encoder.onnx', 'decoder.int8.onnx', 'text_conditioner.onnx', 'vocab.json', 'token_scores.json', 'test_wavs/bria.wav'],
    notes:
      'Default voice: needs no espeak-ng phonemizer at run time, streams faster than real time on a laptop CPU (first audio 250-430 ms on an M2), and its CC-BY-4.0 weights allow any use with attribution (Kyutai, shown in the app). Kokoro is Apache-2.0 but slow on small CPUs (RTF 3.9 on a Pi 4); Piper voices are fast but their licences vary per voice.',
  },
  {
    id: 'kokoro-en-v0_19',
    task: 'tts',
    name: 'Kokoro 82M English v0.19 (sherpa-onnx)',
    languages: ['en'],
    sizeBytes: null,
    memoryMb: 500,
    license: 'Apache-2.0',
    url: `${SHERPA_TTS}/kokoro-en-v0_19.tar.bz2`,
    sha256: null,
    format: 'tar.bz2',
    files: ['model.onnx', 'voices.bin', 'tokens.txt'],
    notes: 'Phonemized with espeak-ng (GPL-3.0+, linked into the prebuilt sherpa-onnx library; its data ships in the archive as espeak-ng-data/). Slow on 2 cores (RTF 3.9 on a Pi 4).',
  },
];

export const PRESETS: readonly CatalogPreset[] = [
  { id: 'small', name: 'Small: any laptop', models: { vad: 'silero-vad-v6', turn: 'smart-turn-v3.2-cpu', stt: 'zipformer-en-20m-streaming', llm: 'qwen3-0.6b-q8_0', tts: 'pocket-tts-int8-2026-01-26' } },
  { id: 'quality', name: 'Quality: needs a GPU', models: { vad: 'silero-vad-v6', turn: 'smart-turn-v3.2-cpu', stt: 'parakeet-tdt-0.6b-v2-int8', llm: 'qwen3-4b-q4_k_m', tts: 'kokoro-en-v0_19' } },
];

/** The model each task uses when nothing else is chosen (the small preset). */
export function defaultModelFor(task: ModelTask): CatalogEntry | undefined {
  const id = PRESETS[0]!.models[task];
  return id === undefined ? undefined : CATALOG.find((e) => e.id === id);
}

export function findCatalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}

export function catalogEntry(id: string): CatalogEntry {
  const entry = findCatalogEntry(id);
  if (!entry) throw new ParleyError('model/unknown', `no model '${id}' in the catalog (see: parley models list)`);
  return entry;
}

/** Model ids become folder names: keep them to a safe alphabet. */
export function isValidModelId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id) && !id.includes('..');
}

export function isSha256(hex: string): boolean {
  return /^[0-9a-f]{64}$/i.test(hex);
}
