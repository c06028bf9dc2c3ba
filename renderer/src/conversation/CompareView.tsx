import type { CompareResult } from '../../../electron/shared/conversation';
import { Waterfall } from './LatencyPanel';
import { useLiveStore } from './store';

const title = (r: CompareResult) => (r.architecture === 's2s' ? `Speech-to-speech (${r.providers.s2s ?? '?'})` : `Cascade (${Object.values(r.providers).join(' → ')})`);

/** Both architectures on the same utterance, side by side: their answers and waterfalls. */
export function CompareView() {
  const compare = useLiveStore((s) => s.compare);
  if (!compare) return null;
  return (
    <section className="compare" aria-label="Comparison of both architectures" aria-live="polite">
      <h2>Both architectures, same words</h2>
      {compare.state === 'running' && <p role="status">Replaying your last utterance{compare.utteranceMs ? ` (${(compare.utteranceMs / 1000).toFixed(1)} s)` : ''} through both architectures…</p>}
      {compare.state === 'failed' && (
        <p className="problem" role="alert">
          {compare.error?.message ?? 'The comparison failed.'}
        </p>
      )}
      {compare.state === 'done' && compare.results && (
        <div className="compare__columns">
          {compare.results.map((r) => (
            <article key={r.architecture} className="compare__side" aria-label={title(r)}>
              <h3>{title(r)}</h3>
              {r.user && <p className="bubble bubble--user">{r.user}</p>}
              {r.assistant && <p className="bubble bubble--assistant">{r.assistant}</p>}
              {r.error && (
                <p className="turn__error" role="alert">
                  {r.error.message}
                </p>
              )}
              {r.latency && <Waterfall turnId={0} caption={title(r)} latency={r.latency} />}
            </article>
          ))}
        </div>
      )}
    </section>
  );
}
