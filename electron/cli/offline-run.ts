import { defaultModelFor, type ModelTask } from '../engine/models/catalog.js';
import { taskWords, type ModelStore } from '../engine/models/store.js';
import { ParleyError } from '../engine/errors.js';
import { assertAllowedOffline } from '../engine/providers/offline.js';
import { resolveProvider, type ProviderKind } from '../engine/providers/registry.js';

/** The embedded engine that runs each stage's local model, when this version has one. */
export const LOCAL_ENGINE: Partial<Record<'stt' | 'llm' | 'tts', string>> = { stt: 'sherpa-onnx', tts: 'sherpa-onnx' };

/** Why a stage without an embedded engine cannot run locally yet. */
const NO_ENGINE_NOTE: Record<'stt' | 'llm' | 'tts', string> = {
  stt: 'this version has no local speech recognition engine yet',
  llm: 'this version cannot run it yet: for now use --llm ollama with Ollama on this machine',
  tts: 'this version has no local speech synthesis engine yet',
};

export interface OfflineChoices {
  stt?: string | undefined;
  llm?: string | undefined;
  tts?: string | undefined;
  fallbackLlm?: string | undefined;
  fallbackTts?: string | undefined;
}

/**
 * `parley run --offline`, checked before any audio, model or connection: a chosen cloud provider
 * is refused by name; a stage left to its local model needs that model installed (named, with the
 * command that installs it). Nothing here touches the network. A stage left to its local model
 * runs on LOCAL_ENGINE (offlineProviderFor).
 */
export async function checkOfflineCascade(choices: OfflineChoices, store: ModelStore, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const chosen: [ProviderKind, string | undefined][] = [
    ['stt', choices.stt],
    ['llm', choices.llm],
    ['tts', choices.tts],
    ['llm', choices.fallbackLlm],
    ['tts', choices.fallbackTts],
  ];
  for (const [kind, id] of chosen) if (id !== undefined) checkOfflineProvider(kind, id, env);

  const missing: string[] = [];
  const noEngine: string[] = [];
  for (const task of ['stt', 'llm', 'tts'] as const) {
    const engine = LOCAL_ENGINE[task];
    // A stage given a provider of its own needs nothing here, unless that is the embedded engine (its model must be installed).
    if (choices[task] !== undefined && choices[task] !== engine) continue;
    const model = defaultModelFor(task as ModelTask)!;
    const installed = Boolean(await store.installed(model.id));
    if (!installed) missing.push(`the ${taskWords(task)} model '${model.id}' (run parley models pull ${model.id}${engine ? '' : `; ${NO_ENGINE_NOTE[task]}`})`);
    else if (!engine) noEngine.push(`${taskWords(task)} (the model '${model.id}' is installed; ${NO_ENGINE_NOTE[task]})`);
  }
  if (missing.length) throw new ParleyError('model/not-installed', `offline mode needs local models that are not installed: ${missing.join(', ')}`);
  if (noEngine.length) throw new ParleyError('offline/no-local-engine', `offline mode cannot run every stage locally yet: ${noEngine.join(', ')}`);
}

/** A provider chosen for an offline run: refused unless it stays on this machine (its key is not needed to tell). */
export function checkOfflineProvider(kind: ProviderKind, id: string, env: NodeJS.ProcessEnv = process.env): void {
  assertAllowedOffline(resolveProvider(kind, id, {}, env, () => 'not-needed-to-check-locality'));
}

/** The provider a stage uses in an offline run: the one chosen, else the embedded engine for its local model. */
export function offlineProviderFor(task: 'stt' | 'llm' | 'tts', chosen: string | undefined): string | undefined {
  return chosen ?? LOCAL_ENGINE[task];
}
