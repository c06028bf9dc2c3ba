import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { modelHandlers, type ModelHandlers } from '../../electron/engine/models/handlers.js';
import { ModelStore } from '../../electron/engine/models/store.js';
import { ModelTransfers } from '../../electron/engine/models/transfers.js';

/** The Models page's channels over an empty models folder of their own (for tests about other channels). */
export function emptyModelHandlers(): ModelHandlers {
  const store = new ModelStore({ dir: mkdtempSync(path.join(tmpdir(), 'parley-models-')) });
  return modelHandlers(store, new ModelTransfers(store));
}
