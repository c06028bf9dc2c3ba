import type { InvokeHandlers } from '../../shared/dispatch.js';
import type { ModelActionResult } from '../../shared/models.js';
import { toErrorInfo } from '../errors.js';
import { PRESETS, findCatalogEntry } from './catalog.js';
import type { ModelStore } from './store.js';
import type { ModelTransfers } from './transfers.js';

type ModelChannel = 'parley:models-list' | 'parley:models-progress' | 'parley:models-pull' | 'parley:models-import' | 'parley:models-pause' | 'parley:models-resume' | 'parley:models-cancel' | 'parley:models-remove';
export type ModelHandlers = Pick<InvokeHandlers, ModelChannel>;

/**
 * The Models page's channels. Refusals and faults are answered as data (a typed ErrorInfo), so the
 * page can say them in plain words whatever the transport; only a request that breaks the
 * channel's schema is rejected (by the dispatcher, before these run).
 */
export function modelHandlers(store: Pick<ModelStore, 'list' | 'remove'>, transfers: ModelTransfers): ModelHandlers {
  return {
    'parley:models-list': async () => {
      const rows = await store.list();
      const models = rows.map((m) => {
        const notes = findCatalogEntry(m.id)?.notes;
        return { ...m, ...(notes ? { notes } : {}) };
      });
      const diskBytes = rows.reduce((sum, m) => sum + (m.installed && !m.bundled ? (m.diskBytes ?? 0) : 0), 0);
      return { models, presets: PRESETS.map((p) => ({ id: p.id, name: p.name, models: { ...p.models } })), diskBytes, transfers: transfers.list() };
    },
    'parley:models-progress': () => transfers.list(),
    'parley:models-pull': ({ id, sha256 }) => guarded(() => transfers.pull(id, sha256)),
    'parley:models-import': (request) => guarded(() => transfers.import(request)),
    'parley:models-pause': ({ id }) => transfers.pause(id),
    'parley:models-resume': ({ id }) => transfers.resume(id),
    'parley:models-cancel': ({ id }) => transfers.cancel(id),
    'parley:models-remove': ({ id }) =>
      guarded(async () => {
        if (transfers.active(id)) return { ok: false, error: { code: 'model/invalid-request', message: `${id} is being downloaded: cancel the download first` } };
        if (!(await store.remove(id))) return { ok: false, error: { code: 'model/not-installed', message: `${id} is not installed, so there is nothing to remove` } };
        return { ok: true };
      }),
  };
}

async function guarded(action: () => Promise<ModelActionResult>): Promise<ModelActionResult> {
  try {
    return await action();
  } catch (e) {
    return { ok: false, error: toErrorInfo(e, 'model/invalid-request') };
  }
}
