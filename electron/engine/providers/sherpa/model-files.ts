import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ParleyError } from '../../errors.js';
import { findCatalogEntry } from '../../models/catalog.js';
import { modelsDir } from '../../models/paths.js';
import { ModelStore, missingModelError } from '../../models/store.js';
import type { SttModelSpec, TtsModelSpec } from './protocol.js';

/**
 * Finds a sherpa-onnx model's files on disk and says what kind of model it is. Nothing is
 * downloaded: a model that is not installed is an error naming `parley models pull <id>`.
 * A model folder is the installed one (PARLEY_MODELS_DIR or the data folder) or one given in the
 * settings (`modelDir`); its files may sit in it or in its single top folder (sherpa-onnx archives
 * unpack into a folder named like the archive).
 */
export async function modelFolder(modelId: string, modelDir?: string, env: NodeJS.ProcessEnv = process.env, installedIn?: string): Promise<string> {
  if (modelDir) {
    const st = await stat(modelDir).catch(() => undefined);
    if (!st?.isDirectory()) throw new ParleyError('model/not-installed', `the model folder ${modelDir} (for '${modelId}') does not exist: run parley models pull ${modelId}, or fix the folder in settings`);
    return modelDir;
  }
  const installed = await new ModelStore({ dir: installedIn ?? modelsDir(undefined, env) }).installed(modelId);
  if (!installed) throw missingModelError(modelId);
  return installed.dir;
}

/** The files of a folder and of its subfolders, as paths relative to it (two levels: the archive's top folder and e.g. test_wavs/). */
async function listFiles(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = rel ? path.join(rel, e.name) : e.name;
      if (e.isDirectory()) {
        dirs.push(p);
        if (depth < 2) await walk(p, depth + 1);
      } else if (e.isFile()) files.push(p);
    }
  };
  await walk('', 0);
  return { files: files.sort(), dirs: dirs.sort() };
}

/** The file for a role: the catalog's name for it when it lists one, else int8 before float, shortest path first. */
function pick(files: string[], pattern: RegExp, catalogFiles: string[] = []): string | undefined {
  const matching = files.filter((f) => pattern.test(path.basename(f)));
  const listed = matching.find((f) => catalogFiles.includes(path.basename(f)));
  if (listed) return listed;
  return matching.sort((a, b) => Number(/\.int8\./.test(b)) - Number(/\.int8\./.test(a)) || a.split(path.sep).length - b.split(path.sep).length)[0];
}

function incomplete(modelId: string, dir: string, what: string): ParleyError {
  return new ParleyError('onnx/model-invalid', `the model '${modelId}' in ${dir} is incomplete (${what}): reinstall it with parley models pull ${modelId}`);
}

export interface SttSpecOptions {
  numThreads: number;
  /** ONNX Runtime execution provider (default cpu). */
  provider?: SttModelSpec['provider'];
  endpoint: SttModelSpec['endpoint'];
  /** An offline Moonshine model (its id and folder) that transcribes each utterance again. */
  secondPass?: { modelId: string; dir: string };
}

/** Finds each file a model needs by its role (a name pattern, the catalog's list first); a missing one is named. */
async function roleFinder(modelId: string, dir: string): Promise<(name: string, pattern: RegExp) => string> {
  const { files } = await listFiles(dir);
  const listed = findCatalogEntry(modelId)?.files ?? [];
  return (name, pattern) => {
    const f = pick(files, pattern, listed);
    if (!f) throw incomplete(modelId, dir, `no ${name}`);
    return path.join(dir, f);
  };
}

/** Moonshine (v1) as sherpa-onnx's OfflineRecognizer loads it: preprocess, encode, uncached and cached decoders, tokens. */
async function moonshineFiles(modelId: string, dir: string): Promise<NonNullable<SttModelSpec['secondPass']>> {
  const role = await roleFinder(modelId, dir);
  return {
    modelId,
    preprocessor: role('preprocess*.onnx', /^preprocess.*\.onnx$/),
    encoder: role('encode*.onnx', /^encode.*\.onnx$/),
    uncachedDecoder: role('uncached_decode*.onnx', /^uncached_decode.*\.onnx$/),
    cachedDecoder: role('cached_decode*.onnx', /^cached_decode.*\.onnx$/),
    tokens: role('tokens.txt', /^tokens\.txt$/),
  };
}

/** A streaming transducer (encoder, decoder, joiner, tokens.txt), as sherpa-onnx's OnlineRecognizer loads it. */
export async function sttSpec(modelId: string, dir: string, o: SttSpecOptions): Promise<SttModelSpec> {
  const role = await roleFinder(modelId, dir);
  return {
    kind: 'stt',
    modelId,
    transducer: { encoder: role('encoder*.onnx', /^encoder.*\.onnx$/), decoder: role('decoder*.onnx', /^decoder.*\.onnx$/), joiner: role('joiner*.onnx', /^joiner.*\.onnx$/) },
    tokens: role('tokens.txt', /^tokens\.txt$/),
    numThreads: o.numThreads,
    provider: o.provider ?? 'cpu',
    endpoint: o.endpoint,
    ...(o.secondPass ? { secondPass: await moonshineFiles(o.secondPass.modelId, o.secondPass.dir) } : {}),
  };
}

/**
 * A sherpa-onnx OfflineTts model, by the files it has: Kyutai Pocket TTS (lm_main, lm_flow, encoder,
 * decoder, text_conditioner, vocab.json, token_scores.json and a reference voice WAV), Kokoro
 * (model, voices.bin, tokens.txt, espeak-ng-data) or VITS / Piper (one .onnx, tokens.txt, and
 * espeak-ng-data or a lexicon, or neither for character models).
 */
export async function ttsSpec(modelId: string, dir: string, o: { numThreads: number; voice?: string; provider?: TtsModelSpec['provider'] }): Promise<TtsModelSpec> {
  const { files, dirs } = await listFiles(dir);
  const listed = findCatalogEntry(modelId)?.files ?? [];
  const at = (f: string | undefined) => (f === undefined ? undefined : path.join(dir, f));
  const need = (name: string, pattern: RegExp) => {
    const f = pick(files, pattern, listed);
    if (!f) throw incomplete(modelId, dir, `no ${name}`);
    return path.join(dir, f);
  };
  const espeakData = at(dirs.find((d) => path.basename(d) === 'espeak-ng-data'));
  const base = { kind: 'tts' as const, modelId, numThreads: o.numThreads, provider: o.provider ?? 'cpu' };
  if (pick(files, /^lm_main.*\.onnx$/)) {
    const wavs = files.filter((f) => f.endsWith('.wav'));
    const voice = (o.voice && wavs.find((f) => path.basename(f, '.wav') === o.voice)) || wavs.find((f) => path.basename(f) === 'bria.wav') || wavs[0];
    if (!voice) throw incomplete(modelId, dir, 'no reference voice (.wav)');
    return {
      ...base,
      model: {
        pocket: {
          lmFlow: need('lm_flow*.onnx', /^lm_flow.*\.onnx$/),
          lmMain: need('lm_main*.onnx', /^lm_main.*\.onnx$/),
          encoder: need('encoder*.onnx', /^encoder.*\.onnx$/),
          decoder: need('decoder*.onnx', /^decoder.*\.onnx$/),
          textConditioner: need('text_conditioner*.onnx', /^text_conditioner.*\.onnx$/),
          vocabJson: need('vocab.json', /^vocab\.json$/),
          tokenScoresJson: need('token_scores.json', /^token_scores\.json$/),
        },
      },
      referenceWav: path.join(dir, voice),
    };
  }
  if (pick(files, /^voices\.bin$/)) {
    const lexicons = files.filter((f) => /^lexicon.*\.txt$/.test(path.basename(f))).map((f) => path.join(dir, f));
    return {
      ...base,
      model: {
        kokoro: {
          model: need('model*.onnx', /^model.*\.onnx$/),
          voices: need('voices.bin', /^voices\.bin$/),
          tokens: need('tokens.txt', /^tokens\.txt$/),
          ...(espeakData ? { dataDir: espeakData } : {}),
          ...(lexicons.length ? { lexicon: lexicons.join(',') } : {}),
        },
      },
    };
  }
  const lexicon = at(pick(files, /^lexicon\.txt$/));
  return {
    ...base,
    model: {
      vits: {
        model: need('the voice (.onnx)', /\.onnx$/),
        tokens: need('tokens.txt', /^tokens\.txt$/),
        ...(espeakData ? { dataDir: espeakData } : {}),
        ...(lexicon ? { lexicon } : {}),
      },
    },
  };
}

/**
 * Catches what would kill the inference process before sherpa-onnx sees it: every file it will
 * open must exist and not be empty (a missing tokens.txt makes it exit, an unreadable ONNX file
 * abort; the worker's process contains the second, this names the first).
 */
export async function checkFiles(modelId: string, spec: SttModelSpec | TtsModelSpec): Promise<void> {
  const paths: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === 'string' && v.includes(path.sep)) paths.push(...v.split(','));
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  collect(spec.kind === 'stt' ? { t: spec.transducer, k: spec.tokens, s: spec.secondPass } : { m: spec.model, r: spec.referenceWav });
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new ParleyError('onnx/model-invalid', `the model '${modelId}' is incomplete: ${p} is missing; reinstall it with parley models pull ${modelId}`);
    if (st.isFile() && st.size === 0) throw new ParleyError('onnx/model-invalid', `the model '${modelId}' is corrupt: ${p} is empty; reinstall it with parley models pull ${modelId}`);
  }
}

/** A model the worker could not load (sherpa-onnx refused it, or aborted its process over it): named, with how to reinstall it. */
export function modelLoadError(modelId: string, reason: string): ParleyError {
  return new ParleyError('onnx/model-invalid', `the model '${modelId}' could not be loaded (${reason}): it may be corrupt or not a sherpa-onnx model; reinstall it with parley models pull ${modelId}`);
}
