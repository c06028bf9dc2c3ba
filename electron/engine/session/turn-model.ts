import path from 'node:path';
import type { TurnAudioScorer } from '../cascade/session.js';
import type { ModelStore } from '../models/store.js';
import { SmartTurnDetector } from '../turn/smart-turn.js';

/** The catalog's Smart Turn model (models/catalog.ts). */
export const SMART_TURN_CATALOG_ID = 'smart-turn-v3.2-cpu';

/**
 * The installed Smart Turn model, loaded on first use and shared by every session (scoring is
 * serialised inside the detector). Resolves undefined when it is not installed or fails to load
 * (`onError` says why): turns are then judged on the words and the provider.
 */
export function installedTurnModel(store: Pick<ModelStore, 'installed'>, onError: (e: unknown) => void): () => Promise<TurnAudioScorer | undefined> {
  let loading: Promise<TurnAudioScorer | undefined> | undefined;
  return () =>
    (loading ??= (async () => {
      const model = await store.installed(SMART_TURN_CATALOG_ID);
      const file = model?.files.find((f) => f.endsWith('.onnx'));
      if (!model || !file) return undefined;
      try {
        return await SmartTurnDetector.load({ modelPath: path.join(model.dir, file), ...(model.sha256 ? { sha256: model.sha256 } : {}) });
      } catch (e) {
        onError(e);
        return undefined;
      }
    })());
}
