import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ErrorInfo } from '../../../electron/shared/errors';
import type { ParleyApi } from '../../../electron/shared/ipc';
import type { ModelActionResult, ModelEntry, ModelPreset, ModelsList, TransferStatus } from '../../../electron/shared/models';
import { ImportForm } from './ImportForm';
import './models.css';
import { formatBytes, groupByTask, isRunning, modelErrorText, presetMissing, sizeText } from './model';
import { ModelRow } from './ModelRow';
import { TransferBar } from './TransferBar';

/** How often the page asks for progress while something downloads: smooth enough for a bar, cheap for the engine. */
export const PROGRESS_POLL_MS = 500;

/**
 * The model manager: the catalog by task (size before download, memory, licence, installed), the
 * presets, downloads with progress, pause, resume and cancel, delete, disk usage, and import from
 * a mirror or a file. Progress is polled (see PROGRESS_POLL_MS) only while a transfer runs.
 */
export function ModelsView({ api }: { api: ParleyApi }) {
  const [list, setList] = useState<ModelsList | undefined>();
  const [transfers, setTransfers] = useState<TransferStatus[]>([]);
  const [loadError, setLoadError] = useState<string | undefined>();
  // Refusals per model (the reason an action was not done), shown at the model.
  const [errors, setErrors] = useState<Record<string, ErrorInfo>>({});
  const [presetNote, setPresetNote] = useState<string | undefined>();

  const refresh = useCallback(async () => {
    try {
      const l = await api.listModels();
      setList(l);
      setTransfers(l.transfers);
      setLoadError(undefined);
    } catch (e) {
      setLoadError(`Could not load the models: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, [api]);

  useEffect(() => void refresh(), [refresh]);

  const running = transfers.some(isRunning);
  const runningRef = useRef(running);
  runningRef.current = running;
  useEffect(() => {
    if (!running) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const next = await api.modelsProgress().catch(() => undefined);
      if (stopped) return;
      if (next) {
        setTransfers(next);
        // One finished: the list (installed, disk usage) changed.
        if (!next.some(isRunning)) await refresh();
      }
      if (!stopped && runningRef.current) timer = setTimeout(() => void poll(), PROGRESS_POLL_MS);
    };
    timer = setTimeout(() => void poll(), PROGRESS_POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, running, refresh]);

  /** Runs an action; a refusal is kept at its model, success refreshes the progress. */
  const act = async (id: string, action: () => Promise<ModelActionResult>): Promise<boolean> => {
    const r = await action().catch((e: unknown): ModelActionResult => ({ ok: false, error: { code: 'model/invalid-request', message: e instanceof Error ? e.message : String(e) } }));
    setErrors((current) => {
      const { [id]: _old, ...rest } = current;
      return r.ok ? rest : { ...rest, [id]: r.error };
    });
    const next = await api.modelsProgress().catch(() => undefined);
    if (next) setTransfers(next);
    return r.ok;
  };

  if (!list) return <p role="status">{loadError ?? 'Loading models…'}</p>;

  const transferOf = (id: string) => transfers.find((t) => t.id === id);
  const installPreset = async (preset: ModelPreset) => {
    const missing = presetMissing(preset, list.models).filter((m) => !transferOf(m.id) || !isRunning(transferOf(m.id)!));
    let started = 0;
    for (const m of missing) if (await act(m.id, () => api.pullModel(m.id))) started++;
    setPresetNote(`${preset.name}: ${started} of ${missing.length} download${missing.length === 1 ? '' : 's'} started${started < missing.length ? '; each model that was not says why below' : ''}.`);
  };
  // Imported models (not in the catalog) are listed under their task too.
  const groups = groupByTask(list.models);

  return (
    <section className="models" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <p className="models__intro">
        Local models keep everything on this machine. Nothing is downloaded unless you ask here (or with <code>parley models pull</code>).{' '}
        <span data-testid="models-disk">Downloaded models use {formatBytes(list.diskBytes)} of disk.</span>
      </p>
      {loadError && (
        <p className="problem" role="alert">
          <span>{loadError}</span>
        </p>
      )}

      <section aria-labelledby="presets-title" className="models__presets">
        <h3 id="presets-title">Presets</h3>
        <div className="presets">
          {list.presets.map((p) => (
            <PresetCard key={p.id} preset={p} models={list.models} onInstall={() => void installPreset(p)} />
          ))}
        </div>
        <p role="status">{presetNote}</p>
      </section>

      {groups.map((g) => (
        <section key={g.task} aria-labelledby={`models-${g.task}`}>
          <h3 id={`models-${g.task}`}>{g.label}</h3>
          <ul className="model-list">
            {g.models.map((m) => (
              <ModelRow
                key={m.id}
                model={m}
                transfer={transferOf(m.id)}
                error={errors[m.id]}
                onPull={(sha256) => act(m.id, () => api.pullModel(m.id, sha256))}
                onPause={() => act(m.id, () => api.pauseModel(m.id))}
                onResume={() => act(m.id, () => api.resumeModel(m.id))}
                onCancel={() => act(m.id, () => api.cancelModel(m.id))}
                onRemove={async () => {
                  if (await act(m.id, () => api.removeModel(m.id))) await refresh();
                }}
              />
            ))}
          </ul>
        </section>
      ))}

      <Transfers transfers={transfers.filter((t) => !list.models.some((m) => m.id === t.id))} api={api} act={act} errors={errors} />

      <ImportForm
        onImport={async (request) => {
          const r = await api.importModel(request).catch((e: unknown): ModelActionResult => ({ ok: false, error: { code: 'model/invalid-request', message: e instanceof Error ? e.message : String(e) } }));
          if (r.ok) {
            setTransfers((await api.modelsProgress().catch(() => undefined)) ?? transfers);
            await refresh();
          }
          return r;
        }}
      />
    </section>
  );
}

function PresetCard({ preset, models, onInstall }: { preset: ModelPreset; models: ModelEntry[]; onInstall: () => void }) {
  const entries = Object.values(preset.models).flatMap((id) => models.filter((m) => m.id === id));
  const missing = presetMissing(preset, models);
  const known = missing.every((m) => m.sizeBytes !== null);
  const download = missing.reduce((sum, m) => sum + (m.sizeBytes ?? 0), 0);
  const titleId = useId();
  return (
    <article className="preset" aria-labelledby={titleId}>
      <h4 id={titleId}>{preset.name}</h4>
      <ul>
        {entries.map((m) => (
          <li key={m.id}>
            {m.name} <span className="model__facts">({m.installed ? 'installed' : sizeText(m)})</span>
          </li>
        ))}
      </ul>
      <p className="model__facts">
        {missing.length === 0 ? 'Everything is installed.' : `To download: ${missing.length} model${missing.length === 1 ? '' : 's'}, ${known ? formatBytes(download) : `at least ${formatBytes(download)} (some sizes unknown)`}.`}
      </p>
      <button type="button" disabled={missing.length === 0} onClick={onInstall} aria-label={`Install preset ${preset.name}`}>
        Install preset
      </button>
    </article>
  );
}

function Transfers({ transfers, api, act, errors }: { transfers: TransferStatus[]; api: ParleyApi; act: (id: string, a: () => Promise<ModelActionResult>) => Promise<boolean>; errors: Record<string, ErrorInfo> }) {
  const shown = transfers.filter((t) => isRunning(t) || t.state === 'failed');
  if (shown.length === 0) return null;
  return (
    <section aria-labelledby="imports-title">
      <h3 id="imports-title">Imports</h3>
      <ul className="model-list">
        {shown.map((t) => (
          <li key={t.id} className="model" aria-label={t.id}>
            <div className="model__head">
              <span className="model__name">{t.id}</span>
            </div>
            {isRunning(t) && <TransferBar name={t.id} transfer={t} onPause={() => act(t.id, () => api.pauseModel(t.id))} onResume={() => act(t.id, () => api.resumeModel(t.id))} onCancel={() => act(t.id, () => api.cancelModel(t.id))} />}
            {(errors[t.id] ?? t.error) && (
              <p className="field__problem" role="alert">
                {modelErrorText((errors[t.id] ?? t.error)!, t.id)}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
