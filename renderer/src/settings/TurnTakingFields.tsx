import { useEffect, useId, useRef, useState } from 'react';
import type { Settings } from '../../../electron/shared/settings';
import { switchMode, turnTakingFields, type TurnTaking, type TurnTakingField, type TurnTakingKey } from './turn-taking-fields';

type Problems = Partial<Record<TurnTakingKey, string>>;

/**
 * How Parley decides your turn is over: the mode, the knobs that apply in it (the waits under
 * Advanced), each with help. `problems` (what the engine would refuse) show at their fields once a
 * save was tried (`attempt` > 0); each new attempt focuses the first one.
 */
export function TurnTakingFields({
  settings,
  update,
  problems,
  attempt,
  onInvalid,
}: {
  settings: Settings;
  update: (change: (draft: Settings) => void) => void;
  problems: Problems;
  attempt: number;
  /** The browser refused a field we explain ourselves (its own bubble is suppressed). */
  onInvalid: () => void;
}) {
  const base = useId();
  const ref = useRef<HTMLFieldSetElement>(null);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const t = settings.turnTaking;
  const shown = attempt > 0 ? problems : {};
  const fields = turnTakingFields(t.endOfTurn);
  const advanced = fields.filter((f) => f.advanced);

  useEffect(() => {
    if (attempt > 0) ref.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [attempt]);

  const set = <K extends TurnTakingKey>(key: K, value: TurnTaking[K]) => update((d) => void (d.turnTaking[key] = value));
  const field = (f: TurnTakingField) => {
    const id = `${base}-${f.key}`;
    const helpId = `${id}-help`;
    const problemId = `${id}-problem`;
    const problem = shown[f.key];
    const help = (
      <p id={helpId} className="field__help">
        {f.help}
        {f.kind === 'number' ? ` Default: ${f.defaultValue}${f.unit ? `\u00a0${f.unit}` : ''}.` : ''}
      </p>
    );
    if (f.kind === 'boolean') {
      return (
        <div className="field" key={f.key}>
          <div className="field__check">
            <input id={id} type="checkbox" checked={t[f.key]} aria-describedby={helpId} onChange={(e) => set(f.key, e.target.checked)} />
            <label htmlFor={id}>{f.label}</label>
          </div>
          {help}
        </div>
      );
    }
    if (f.kind === 'choice') {
      return (
        <div className="field" key={f.key}>
          <label htmlFor={id}>{f.label}</label>
          <select id={id} value={t[f.key]} aria-describedby={helpId} onChange={(e) => update((d) => void (d.turnTaking = switchMode(d.turnTaking, e.target.value as TurnTaking['endOfTurn'])))}>
            {f.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          {help}
        </div>
      );
    }
    const value = t[f.key];
    return (
      <div className="field" key={f.key}>
        <label htmlFor={id}>{f.unit ? `${f.label} (${f.unit})` : f.label}</label>
        <input
          id={id}
          type="number"
          min={f.min}
          max={f.max}
          step={f.step}
          value={Number.isFinite(value) ? String(value) : ''}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${problemId} ${helpId}` : helpId}
          onChange={(e) => set(f.key, e.target.value === '' ? Number.NaN : Number(e.target.value))}
          onInvalid={(e) => {
            // The same rule as the engine's: say it in our words, at the field, instead of the browser's bubble.
            if (!problems[f.key]) return;
            e.preventDefault();
            onInvalid();
          }}
        />
        {problem && (
          <p id={problemId} className="field__problem status__error">
            {problem}
          </p>
        )}
        {help}
      </div>
    );
  };

  return (
    <fieldset ref={ref} className="settings-section">
      <legend>Turn-taking</legend>
      {fields.filter((f) => !f.advanced).map(field)}
      {advanced.length > 0 && (
        // A wait with a problem keeps Advanced open, so the problem is seen and can be fixed.
        <details className="advanced" open={advancedOpen || advanced.some((f) => shown[f.key])} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}>
          <summary>Advanced: how long Parley waits after you stop</summary>
          <p className="field__help">Parley keeps the waits in order: the wait when you sound done is never longer than the wait when unsure, and the longest wait never shorter.</p>
          {advanced.map(field)}
        </details>
      )}
    </fieldset>
  );
}

