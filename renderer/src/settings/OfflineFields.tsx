import { useId } from 'react';
import type { Settings } from '../../../electron/shared/settings';
import type { MissingModel } from '../models/model';

/** The "Offline only" switch and what it means. */
export function OfflineToggle({ settings, update, switched }: { settings: Settings; update: (change: (draft: Settings) => void) => void; switched: string[] }) {
  const helpId = useId();
  return (
    <fieldset className="settings-section">
      <legend>Privacy</legend>
      <div className="field field--inline">
        <input id="offline-only" type="checkbox" aria-describedby={helpId} checked={settings.offlineOnly} onChange={(e) => update((d) => void (d.offlineOnly = e.target.checked))} />
        <label htmlFor="offline-only">Offline only</label>
      </div>
      <p id={helpId} className="field__help">
        Nothing you say leaves this machine: cloud providers are turned off here and refused by the engine, and every stage runs on local models or servers on this computer (install models on the Models page). Downloads still happen when you ask for them on the Models page.
      </p>
      {switched.length > 0 && (
        <p className="offline-note" role="status">
          Switched to local providers: {switched.join('; ')}. Save to keep.
        </p>
      )}
    </fieldset>
  );
}

/** The chosen embedded engine's models that are not installed, with the way to get them. */
export function MissingModels({ missing, onOpenModels }: { missing: MissingModel[]; onOpenModels: (() => void) | undefined }) {
  if (missing.length === 0) return null;
  return (
    <div className="missing-models" role="note" aria-label="Models not installed">
      <span>Not installed yet, so this stage cannot run:</span>
      <ul>
        {missing.map((m) => (
          <li key={`${m.setting}:${m.id}`}>
            {m.name} (<code>{m.id}</code>){m.setting === 'secondPassModel' ? ', the second pass' : ''}
          </li>
        ))}
      </ul>
      {onOpenModels && (
        <button type="button" onClick={onOpenModels}>
          Get {missing.length === 1 ? 'it' : 'them'} on the Models page
        </button>
      )}
    </div>
  );
}
