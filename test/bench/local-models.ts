// Which model each embedded engine runs in the local benchmarks: a folder or file given on the
// command line, else the recommended model found in a models folder (located the way
// `npm run check:local` does), else the generated stand-in the tests use. A stand-in is flagged,
// so every table, JSON file and chart can say that its timings say nothing about a real model.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CATALOG, defaultModelFor, type CatalogEntry } from '../../electron/engine/models/catalog.js';
import { findModel } from '../../scripts/check-local.js';
import { FIXTURE_STT, FIXTURE_TTS } from '../helpers/sherpa.js';
import { TINY_GGUF } from './local-llm.js';

export type LocalTask = 'stt' | 'llm' | 'tts';

export interface LocalModelChoice {
  task: LocalTask;
  /** Catalog id the engine is told (it names the files it expects); the folder's own when it is a catalog model. */
  id: string;
  /** The model folder (STT, TTS) or GGUF file (LLM). */
  path: string;
  /** A generated or random-weight test model: its timings say nothing about a real model's. */
  standIn: boolean;
  /** How it was chosen, for the table. */
  source: 'given' | 'models folder' | 'stand-in';
  /** What it is, in a few words. */
  description: string;
}

export interface LocalModelArgs {
  sttModel?: string | undefined;
  ttsModel?: string | undefined;
  gguf?: string | undefined;
  /** A models folder (PARLEY_MODELS_DIR layout, or unpacked archives), as `npm run check:local -- --models`. */
  modelsDir?: string | undefined;
}

const STAND_IN: Record<LocalTask, { path: string; description: string }> = {
  stt: { path: FIXTURE_STT, description: 'STAND-IN: generated gibberish streaming Zipformer (test/fixtures/sherpa), not a real model' },
  llm: { path: TINY_GGUF, description: 'STAND-IN: tiny random-weight GGUF (~1 M parameters), not a real model' },
  tts: { path: FIXTURE_TTS, description: 'STAND-IN: generated tone-per-character VITS voice (test/fixtures/sherpa), not a real model' },
};

/** The catalog entry a folder or file is (by its id or its archive's name), else the task's default. */
export function catalogEntryFor(task: LocalTask, modelPath: string): CatalogEntry {
  const base = path.basename(modelPath);
  const archiveName = (e: CatalogEntry) => path.basename(e.url).replace(/\.(tar\.bz2|tar\.gz|tar)$/, '');
  return CATALOG.find((e) => e.task === task && (e.id === base || archiveName(e) === base)) ?? defaultModelFor(task)!;
}

/** A GGUF file as given, or the first .gguf in a folder (an installed model is a folder by its id). */
function ggufIn(p: string): string | undefined {
  if (!statSync(p).isDirectory()) return p;
  const file = readdirSync(p).find((f) => f.toLowerCase().endsWith('.gguf'));
  return file ? path.join(p, file) : undefined;
}

/**
 * Catalog models a models folder is searched for, the recommended first. STT: only the streaming
 * transducer (the live provider's kind); TTS and LLM: any of the catalog's.
 */
function candidates(task: LocalTask): CatalogEntry[] {
  const recommended = defaultModelFor(task)!;
  return task === 'stt' ? [recommended] : [recommended, ...CATALOG.filter((e) => e.task === task && e.id !== recommended.id)];
}

export function chooseLocalModels(args: LocalModelArgs): Record<LocalTask, LocalModelChoice> {
  const given: Record<LocalTask, string | undefined> = { stt: args.sttModel, llm: args.gguf, tts: args.ttsModel };
  const choose = (task: LocalTask): LocalModelChoice => {
    const explicit = given[task];
    if (explicit !== undefined) {
      const p = path.resolve(explicit);
      if (!existsSync(p)) throw new Error(`the ${task} model ${p} does not exist`);
      const file = task === 'llm' ? ggufIn(p) : p;
      if (!file) throw new Error(`no .gguf file in ${p}`);
      const standIn = path.resolve(file) === path.resolve(STAND_IN[task].path);
      const entry = catalogEntryFor(task, p);
      return { task, id: entry.id, path: file, standIn, source: 'given', description: standIn ? STAND_IN[task].description : `${path.basename(p)} (given)` };
    }
    const recommended = defaultModelFor(task)!;
    if (args.modelsDir) {
      for (const entry of candidates(task)) {
        const found = findModel(path.resolve(args.modelsDir), entry);
        const file = found && (task === 'llm' ? ggufIn(found) : found);
        if (file) return { task, id: entry.id, path: file, standIn: false, source: 'models folder', description: `${entry.id} (${entry.name})` };
      }
    }
    return { task, id: recommended.id, path: STAND_IN[task].path, standIn: true, source: 'stand-in', description: STAND_IN[task].description };
  };
  return { stt: choose('stt'), llm: choose('llm'), tts: choose('tts') };
}
