import { useState } from 'react';
import type { LatencyMarkName } from '../../../electron/shared/conversation';
import { labelledTicks, earliestMark, formatTick, labelledIndexes, latestMark, niceTicks, percentOf, stackTurn, stageMedians, STACK_STAGES, type StackSegment } from './chart-math';
import { voiceToVoiceStats, type LatencyView, type TurnView } from './model';
import { describeDecision } from './turn-decision';
import './charts.css';

/** The waterfall's rows: each stage from the mark before it to its own mark (ms after you stopped speaking). */
const STAGES: { mark: LatencyMarkName; from: LatencyMarkName; label: string }[] = [
  { mark: 'endOfTurn', from: 'speechEnd', label: 'End of turn' },
  { mark: 'sttFinal', from: 'speechEnd', label: 'STT final' },
  { mark: 'llmFirstToken', from: 'endOfTurn', label: 'LLM first token' },
  { mark: 'firstSentence', from: 'llmFirstToken', label: 'First sentence' },
  { mark: 'ttsFirstByte', from: 'firstSentence', label: 'TTS first byte' },
  { mark: 'firstAudioPlayed', from: 'ttsFirstByte', label: 'First audio' },
];

const ms = (v: number) => `${Math.round(v)} ms`;

/** A time axis in ms: where it starts (below 0 when a reply was prepared early), where it ends, its ticks. */
export interface TimeScale {
  min: number;
  end: number;
  ticks: number[];
}

/** The axis that fits one or more turns' marks, so several waterfalls can share it. */
export function timeScale(latencies: LatencyView[]): TimeScale {
  const { start, end, ticks } = niceTicks(Math.max(0, ...latencies.map(latestMark)), 4, Math.min(0, ...latencies.map(earliestMark)));
  return { min: start, end, ticks };
}

export function LatencyPanel({ turns }: { turns: TurnView[] }) {
  const measured = turns.filter((t) => t.latency);
  const [chosen, setChosen] = useState<number | undefined>();
  const turn = measured.find((t) => t.id === chosen) ?? measured.at(-1);
  return (
    <section className="latency chart-panel" aria-label="Latency">
      <h2>Latency</h2>
      {turn?.latency ? <Waterfall turnId={turn.id} latency={turn.latency} /> : <p className="latency__empty">Each turn’s stages appear here once Parley answers.</p>}
      <SessionChart turns={turns} selected={turn?.id} onSelect={setChosen} />
    </section>
  );
}

/** Tick marks along a track: thin lines, and (on the axis row) their labels. */
function Ticks({ scale, labels, dense }: { scale: TimeScale; labels?: boolean; dense?: boolean }) {
  // A wide axis (Compare) labels every tick; a narrow one (the side panel) only those far enough apart.
  const shown = dense ? new Set(scale.ticks.keys()) : labelledTicks(scale.ticks);
  return (
    <>
      {scale.ticks.map((t, i) => {
        const left = percentOf(t, scale.end, scale.min);
        const edge = i === 0 && left === 0 ? ' chart-tick--first' : i === scale.ticks.length - 1 ? ' chart-tick--last' : '';
        if (labels && !shown.has(i)) return null;
        return labels ? (
          <span key={t} className={`chart-tick__label${edge}`} style={{ left: `${left}%` }}>
            {formatTick(t)}
          </span>
        ) : (
          <span key={t} className="chart-tick" style={{ left: `${left}%` }} />
        );
      })}
    </>
  );
}

/** A time axis under a table of bars: empty under the labels, ticks under the tracks, the unit under the values. */
export function AxisRow({ scale, dense }: { scale: TimeScale; dense?: boolean }) {
  return (
    <tr className="chart-axis" aria-hidden="true">
      <td />
      <td className="chart-axis__track">
        <Ticks scale={scale} labels dense={dense} />
      </td>
      <td className="chart-axis__unit">ms</td>
    </tr>
  );
}

/**
 * One turn's stages as bars on a time axis in ms. Given a `scale`, several waterfalls share it (Compare),
 * so the faster one is visibly shorter; otherwise the axis fits this turn.
 */
export function Waterfall({ turnId, latency, caption, scale }: { turnId: number; latency: LatencyView; caption?: string; scale?: TimeScale }) {
  const spans = latency.spans;
  const axis = scale ?? timeScale([latency]);
  // How the end of turn was decided: a short label on its row, the whole sentence on hover and for screen readers.
  const decision = latency.decision ? describeDecision(latency.decision) : undefined;
  return (
    <figure className="chart-waterfall" aria-label={caption ? `${caption} latency waterfall` : `Turn ${turnId} latency waterfall`}>
      <figcaption>
        {caption ?? `Turn ${turnId}`}: voice-to-voice <strong data-testid="voice-to-voice">{latency.voiceToVoiceMs !== undefined ? ms(latency.voiceToVoiceMs) : '—'}</strong>
        {latency.overlapMs ? <span> · spoke over you {ms(latency.overlapMs)}</span> : null}
      </figcaption>
      <table className="chart-bars">
        <tbody>
          {STAGES.map(({ mark, from, label }) => {
            const end = spans[mark];
            if (end === undefined) return null;
            const start = Math.min(end, spans[from] ?? 0);
            const timing = `${label}: at ${ms(end)} after you stopped speaking (${ms(end - start)} for this stage)`;
            const why = mark === 'endOfTurn' ? decision : undefined;
            const left = percentOf(start, axis.end, axis.min);
            return (
              <tr key={mark} title={why ? `${why.sentence}\n${timing}` : timing}>
                <th scope="row">
                  {label}
                  {why && (
                    <>
                      <span className="chart-waterfall__why" aria-hidden="true" data-testid="end-of-turn-why">
                        {why.label}
                      </span>
                      <span className="visually-hidden">: {why.sentence}</span>
                    </>
                  )}
                </th>
                <td className="chart-bars__track">
                  <Ticks scale={axis} />
                  <span className={`chart-bar chart-stage--${mark}`} data-stage={mark} style={{ left: `${left}%`, width: `${Math.max(0.5, percentOf(end, axis.end, axis.min) - left)}%` }} />
                </td>
                <td className="chart-bars__value">{ms(end)}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <AxisRow scale={axis} dense={scale !== undefined} />
        </tfoot>
      </table>
      {decision && spans.endOfTurn === undefined && <p className="chart-waterfall__decision">{decision.sentence}</p>}
    </figure>
  );
}

/** "End of turn 200 ms, LLM first token 350 ms, …": what each stage added, for a bar's label and read-out. */
const breakdown = (segments: StackSegment[]) =>
  segments
    .filter((s) => s.ms > 0)
    .map((s) => `${s.label} ${ms(s.ms)}`)
    .join(', ');

/**
 * Voice-to-voice per turn as stacked bars (what each stage added, see stackTurn) on an axis in ms, with
 * the session's median and p90 lines and a legend. Each bar is a button: hovering or focusing it reads
 * its values out, choosing it shows that turn's waterfall above.
 */
function SessionChart({ turns, selected, onSelect }: { turns: TurnView[]; selected?: number; onSelect: (id: number) => void }) {
  const [pointed, setPointed] = useState<number | undefined>();
  const { values, median, p90 } = voiceToVoiceStats(turns);
  if (values.length === 0 || median === undefined || p90 === undefined) return null;
  const bars = values.map((v) => {
    const spans = turns.find((t) => t.id === v.turnId)?.latency?.spans ?? {};
    const segments = stackTurn(spans);
    const stacked = segments.reduce((sum, s) => sum + s.ms, 0);
    return { ...v, segments, total: Math.max(v.ms, stacked) };
  });
  const { end, ticks } = niceTicks(Math.max(p90, ...bars.map((b) => b.total)), 4);
  const labelled = labelledIndexes(bars.length);
  const shown = bars.find((b) => b.turnId === pointed);
  const medians = stageMedians(bars.map((b) => turns.find((t) => t.id === b.turnId)?.latency?.spans ?? {}));
  const stagesUsed = STACK_STAGES.filter((s) => bars.some((b) => b.segments.some((x) => x.mark === s.mark && x.ms > 0)));
  return (
    <figure className="chart-session" aria-label="Voice-to-voice per turn">
      <figcaption data-testid="session-stats">
        Session: median {ms(median)}, p90 {ms(p90)} over {values.length} turn{values.length === 1 ? '' : 's'}
      </figcaption>
      <div className="chart-session__frame">
        <div className="chart-session__yaxis" aria-hidden="true">
          <span className="chart-session__unit">ms</span>
          {ticks.map((t) => (
            <span key={t} className="chart-session__ytick" style={{ bottom: `${percentOf(t, end)}%` }}>
              {formatTick(t)}
            </span>
          ))}
        </div>
        <div className="chart-session__plot">
          {ticks.map((t) => (
            <span key={t} className="chart-session__grid" aria-hidden="true" style={{ bottom: `${percentOf(t, end)}%` }} />
          ))}
          <span className="chart-session__line chart-session__line--p90" aria-hidden="true" data-testid="p90-line" style={{ bottom: `${percentOf(p90, end)}%` }} />
          <span className="chart-session__line chart-session__line--median" aria-hidden="true" data-testid="median-line" style={{ bottom: `${percentOf(median, end)}%` }} />
          <div className="chart-session__bars" role="group" aria-label="Turns (choose one to see its waterfall)">
            {bars.map((b) => {
              const detail = breakdown(b.segments);
              return (
                <button
                  type="button"
                  key={b.turnId}
                  className="chart-session__bar"
                  aria-pressed={b.turnId === selected}
                  aria-label={`Turn ${b.turnId}: ${ms(b.ms)} voice-to-voice${detail ? ` (${detail})` : ''}`}
                  onClick={() => onSelect(b.turnId)}
                  onMouseEnter={() => setPointed(b.turnId)}
                  onMouseLeave={() => setPointed((p) => (p === b.turnId ? undefined : p))}
                  onFocus={() => setPointed(b.turnId)}
                  onBlur={() => setPointed((p) => (p === b.turnId ? undefined : p))}
                >
                  <span className="chart-session__stack" style={{ height: `${percentOf(b.total, end)}%` }}>
                    {b.segments.map((s) => (s.ms > 0 ? <span key={s.mark} className={`chart-stage--${s.mark}`} style={{ height: `${(s.ms / b.total) * 100}%` }} /> : null))}
                  </span>
                </button>
              );
            })}
          </div>
        </div>
        <div className="chart-session__xaxis" aria-hidden="true">
          {bars.map((b, i) => (
            <span key={b.turnId}>{labelled.has(i) ? b.turnId : ''}</span>
          ))}
        </div>
        <span className="chart-session__xtitle" aria-hidden="true">
          turn
        </span>
      </div>
      <p className="chart-session__readout" data-testid="session-readout" aria-hidden="true">
        {shown ? (
          <>
            <strong>
              Turn {shown.turnId}: {ms(shown.ms)}
            </strong>
            {breakdown(shown.segments) ? ` · ${breakdown(shown.segments)}` : ''}
          </>
        ) : (
          'Point at or focus a turn for its values; choose one for its waterfall.'
        )}
      </p>
      <ul className="chart-legend" aria-label="Legend">
        <li>
          <span className="chart-legend__line chart-legend__line--median" aria-hidden="true" />
          median {ms(median)}
        </li>
        <li>
          <span className="chart-legend__line chart-legend__line--p90" aria-hidden="true" />
          p90 {ms(p90)}
        </li>
        {stagesUsed.map((s) => (
          <li key={s.mark}>
            <span className={`chart-legend__swatch chart-stage--${s.mark}`} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
      {medians.length > 0 && (
        <details className="chart-medians">
          <summary>Median per stage</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Median added</th>
                <th scope="col">Turns</th>
              </tr>
            </thead>
            <tbody>
              {medians.map((m) => (
                <tr key={m.mark}>
                  <th scope="row">
                    <span className={`chart-legend__swatch chart-stage--${m.mark}`} aria-hidden="true" />
                    {m.label}
                  </th>
                  <td>{ms(m.median)}</td>
                  <td>{m.turns}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
