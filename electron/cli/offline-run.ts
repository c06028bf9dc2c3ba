import { defaultModelFor, findCatalogEntry, type ModelTask } from '../engine/models/catalog.js';
import { taskWords, type ModelStore } from '../engine/models/store.js';
import { ParleyError } from '../engine/errors.js';
import { assertAllowedOffline } from '../engine/providers/offline.js';
import { resolveProvider, type ProviderKind } from '../engine/providers/registry.js';

type Stage = 'stt' | 'llm' | 'tts';

/** The embedded engine (a provider id) that runs each stage's local model. */
export const LOCAL_ENGINES: Record<Stage, string> = { stt: 'sherpa-onnx', llm: 'llama-cpp', tts: 'sherpa-onnx' };

export interface OfflineChoices {
  stt?: string | undefined;
  llm?: string | undefined;
  tts?: string | undefined;
  fallbackLlm?: string | undefined;
  fallbackTts?: string | undefined;
  /** The model the chosen LLM runs (--llm-model): an embedded engine needs it installed. */
  llmModel?: string | undefined;
}

/** The embedded engines an offline run uses for the stages left to their local models, and the model each runs. */
export type OfflinePicks = Partial<Record<Stage, { provider: string; model: string }>>;

/**
 * `parley run --offline`, checked before any audio, model or connection: a chosen cloud provider
 * is refused by name; a stage left to its local model (or given to an embedded engine) needs that
 * model installed (named, with the command that installs it). Nothing here touches the network.
 * Returns the embedded engine each stage left to its local model runs on.
 */
export async function checkOfflineCascade(choices: OfflineChoices, store: ModelStore, env: NodeJS.ProcessEnv = process.env): Promise<OfflinePicks> {
  const chosen: [ProviderKind, string | undefined][] = [
    ['stt', choices.stt],
    ['llm', choices.llm],
    ['tts', choices.tts],
    ['llm', choices.fallbackLlm],
    ['tts', choices.fallbackTts],
  ];
  for (const [kind, id] of chosen) if (id !== undefined) checkOfflineProvider(kind, id, env);

  const missing: string[] = [];
  const picks: OfflinePicks = {};
  for (const task of ['stt', 'llm', 'tts'] as const) {
    const engine = LOCAL_ENGINES[task];
    const chosen = choices[task];
    // A stage given to a server (Ollama, a loopback endpoint) brings its own model.
    if (chosen !== undefined && chosen !== engine) continue;
    const given = task === 'llm' ? choices.llmModel : undefined;
    if (given !== undefined && isGgufPath(given)) {
      picks[task] = { provider: engine, model: given }; // a file, not an install: the engine names it if it is missing
      continue;
    }
    const modelId = given ?? defaultModelFor(task as ModelTask)!.id;
    const howToGet = findCatalogEntry(modelId) ? `run parley models pull ${modelId}` : `not in the catalog: parley models import <file> --task ${task} --id ${modelId}`;
    if (!(await store.installed(modelId))) missing.push(`the ${taskWords(task)} model '${modelId}' (${howToGet})`);
    else picks[task] = { provider: engine, model: modelId };
  }
  if (missing.length) throw new ParleyError('model/not-installed', `offline mode needs local models that are not installed: ${missing.join(', ')}`);
  return picks;
}

/** --llm-model for llama.cpp: an installed model's id, or a GGUF file. */
export function isGgufPath(model: string): boolean {
  return /\.gguf$/i.test(model);
}

/** A provider chosen for an offline run: refused unless it stays on this machine (its key is not needed to tell). */
export function checkOfflineProvider(kind: ProviderKind, id: string, env: NodeJS.ProcessEnv = process.env): void {
  assertAllowedOffline(resolveProvider(kind, id, {}, env, () => 'not-needed-to-check-locality'));
}
