import { useState } from 'react';
import type { LatencyMarkName } from '../../../electron/shared/conversation';
import { voiceToVoiceStats, type LatencyView, type TurnView } from './model';
import { describeDecision } from './turn-decision';

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

export function LatencyPanel({ turns }: { turns: TurnView[] }) {
  const measured = turns.filter((t) => t.latency);
  const [chosen, setChosen] = useState<number | undefined>();
  const turn = measured.find((t) => t.id === chosen) ?? measured.at(-1);
  return (
    <section className="latency" aria-label="Latency">
      <h2>Latency</h2>
      {turn?.latency ? <Waterfall turnId={turn.id} latency={turn.latency} /> : <p className="latency__empty">Each turn’s stages appear here once Parley answers.</p>}
      <SessionChart turns={turns} selected={turn?.id} onSelect={setChosen} />
    </section>
  );
}

export function Waterfall({ turnId, latency, caption }: { turnId: number; latency: LatencyView; caption?: string }) {
  const spans = latency.spans;
  const total = Math.max(1, latency.voiceToVoiceMs ?? 0, ...Object.values(spans).map((v) => v ?? 0));
  const min = Math.min(0, ...Object.values(spans).map((v) => v ?? 0));
  const range = total - min;
  // How the end of turn was decided: a short label on its row, the whole sentence on hover and for screen readers.
  const decision = latency.decision ? describeDecision(latency.decision) : undefined;
  return (
    <figure className="waterfall" aria-label={caption ? `${caption} latency waterfall` : `Turn ${turnId} latency waterfall`}>
      <figcaption>
        {caption ?? `Turn ${turnId}`}: voice-to-voice <strong data-testid="voice-to-voice">{latency.voiceToVoiceMs !== undefined ? ms(latency.voiceToVoiceMs) : '—'}</strong>
        {latency.overlapMs ? <span> · spoke over you {ms(latency.overlapMs)}</span> : null}
      </figcaption>
      <table>
        <tbody>
          {STAGES.map(({ mark, from, label }) => {
            const end = spans[mark];
            if (end === undefined) return null;
            const start = Math.min(end, spans[from] ?? 0);
            const timing = `${label}: at ${ms(end)} after you stopped speaking (${ms(end - start)} for this stage)`;
            const why = mark === 'endOfTurn' ? decision : undefined;
            return (
              <tr key={mark} title={why ? `${why.sentence}\n${timing}` : timing}>
                <th scope="row">
                  {label}
                  {why && (
                    <>
                      <span className="waterfall__why" aria-hidden="true" data-testid="end-of-turn-why">
                        {why.label}
                      </span>
                      <span className="visually-hidden">: {why.sentence}</span>
                    </>
                  )}
                </th>
                <td className="waterfall__track">
                  <div className={`waterfall__bar waterfall__bar--${mark}`} style={{ marginLeft: `${((start - min) / range) * 100}%`, width: `${Math.max(0.5, ((end - start) / range) * 100)}%` }} />
                </td>
                <td className="waterfall__value">{ms(end)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {decision && spans.endOfTurn === undefined && <p className="waterfall__decision">{decision.sentence}</p>}
    </figure>
  );
}

/** Voice-to-voice per turn with the session's median and p90; each point says its exact value on hover. */
function SessionChart({ turns, selected, onSelect }: { turns: TurnView[]; selected?: number; onSelect: (id: number) => void }) {
  const { values, median, p90 } = voiceToVoiceStats(turns);
  if (values.length === 0) return null;
  const W = 320;
  const H = 110;
  const pad = 8;
  const top = Math.max(...values.map((v) => v.ms), p90 ?? 0) * 1.15 || 1;
  const x = (i: number) => (values.length === 1 ? W / 2 : pad + (i * (W - 2 * pad)) / (values.length - 1));
  const y = (v: number) => H - pad - (v / top) * (H - 2 * pad);
  return (
    <figure className="session-chart">
      <figcaption data-testid="session-stats">
        Session: median {ms(median!)}, p90 {ms(p90!)} over {values.length} turn{values.length === 1 ? '' : 's'}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Voice-to-voice per turn: ${values.map((v) => ms(v.ms)).join(', ')}`}>
        <line className="session-chart__p90" x1={0} x2={W} y1={y(p90!)} y2={y(p90!)}>
          <title>p90 {ms(p90!)}</title>
        </line>
        <line className="session-chart__median" x1={0} x2={W} y1={y(median!)} y2={y(median!)}>
          <title>median {ms(median!)}</title>
        </line>
        <polyline className="session-chart__line" points={values.map((v, i) => `${x(i)},${y(v.ms)}`).join(' ')} />
        {values.map((v, i) => (
          <circle key={v.turnId} className={v.turnId === selected ? 'session-chart__point session-chart__point--on' : 'session-chart__point'} cx={x(i)} cy={y(v.ms)} r={5} onClick={() => onSelect(v.turnId)}>
            <title>
              Turn {v.turnId}: {ms(v.ms)}
            </title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
