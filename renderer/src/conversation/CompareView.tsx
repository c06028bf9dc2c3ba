import type { CompareResult } from '../../../electron/shared/conversation';
import type { ProviderInfo } from '../../../electron/shared/ipc';
import type { Settings } from '../../../electron/shared/settings';
import { compareSentence, percentOf, type CompareSide } from './chart-math';
import { AxisRow, timeScale, Waterfall, type TimeScale } from './LatencyPanel';
import { providerChain } from './model';
import { useLiveStore } from './store';
import './charts.css';

/** The architecture and its providers in plain words (display names and models). */
const title = (r: CompareResult, providers: ProviderInfo[], settings: Settings | undefined) => `${r.architecture === 's2s' ? 'Speech-to-speech' : 'Cascade'} (${providerChain(r.architecture, r.providers, providers, settings)})`;
const name = (r: CompareResult) => (r.architecture === 's2s' ? 'Speech-to-speech' : 'The cascade');
const side = (r: CompareResult): CompareSide => ({ name: name(r), voiceToVoiceMs: r.latency?.voiceToVoiceMs, failed: r.error !== undefined });

/** Both voice-to-voice times as bars on one axis, under the sentence that says which answered sooner. */
function Totals({ results, scale }: { results: CompareResult[]; scale: TimeScale }) {
  const [a, b] = results;
  return (
    <div className="chart-compare">
      <p className="chart-compare__sentence" data-testid="compare-sentence">
        {a && b ? compareSentence(side(a), side(b)) : ''}
      </p>
      <table className="chart-bars chart-compare__totals" aria-label="Voice-to-voice on one time axis">
        <tbody>
          {results.map((r) => {
            const v = r.error ? undefined : r.latency?.voiceToVoiceMs;
            return (
              <tr key={r.architecture}>
                <th scope="row">{r.architecture === 's2s' ? 'Speech-to-speech' : 'Cascade'}</th>
                <td className="chart-bars__track">
                  {v !== undefined && (
                    <span
                      className={`chart-bar chart-compare__bar chart-compare__bar--${r.architecture}`}
                      data-testid={`compare-total-${r.architecture}`}
                      style={{ left: `${percentOf(0, scale.end, scale.min)}%`, width: `${Math.max(0.5, percentOf(v, scale.end, scale.min) - percentOf(0, scale.end, scale.min))}%` }}
                    />
                  )}
                </td>
                <td className="chart-bars__value">{v !== undefined ? `${Math.round(v)} ms` : r.error ? 'failed' : '—'}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <AxisRow scale={scale} dense />
        </tfoot>
      </table>
    </div>
  );
}

/** Both architectures on the same utterance, side by side: their answers and waterfalls, on one time axis. */
export function CompareView({ providers, settings }: { providers: ProviderInfo[]; settings: Settings | undefined }) {
  const compare = useLiveStore((s) => s.compare);
  if (!compare) return null;
  const results = compare.results ?? [];
  // One axis for both, so the faster architecture is visibly shorter.
  const scale = timeScale(results.flatMap((r) => (r.latency ? [r.latency] : [])));
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
        <>
          <Totals results={results} scale={scale} />
          <div className="compare__columns">
            {results.map((r) => (
              <article key={r.architecture} className="compare__side" aria-label={title(r, providers, settings)}>
                <h3>{title(r, providers, settings)}</h3>
                {r.user && <p className="bubble bubble--user">{r.user}</p>}
                {r.assistant && <p className="bubble bubble--assistant">{r.assistant}</p>}
                {r.error && (
                  <p className="turn__error" role="alert">
                    {r.error.message}
                  </p>
                )}
                {r.latency && <Waterfall turnId={0} caption={title(r, providers, settings)} latency={r.latency} scale={scale} />}
              </article>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
