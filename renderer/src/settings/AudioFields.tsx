import { useEffect, useState } from 'react';
import type { Settings } from '../../../electron/shared/settings';

type Devices = { inputs: MediaDeviceInfo[]; outputs: MediaDeviceInfo[] };

/** The audio devices the OS offers (names appear once the microphone was allowed). */
function useDevices(): Devices {
  const [devices, setDevices] = useState<Devices>({ inputs: [], outputs: [] });
  useEffect(() => {
    const md = navigator.mediaDevices;
    if (!md?.enumerateDevices) return;
    const load = () =>
      void md
        .enumerateDevices()
        .then((all) => setDevices({ inputs: all.filter((d) => d.kind === 'audioinput' && d.deviceId !== 'default'), outputs: all.filter((d) => d.kind === 'audiooutput' && d.deviceId !== 'default') }))
        .catch(() => undefined);
    load();
    md.addEventListener('devicechange', load);
    return () => md.removeEventListener('devicechange', load);
  }, []);
  return devices;
}

/** Input and output devices (barge-in is with turn-taking, the push-to-talk shortcut under Shortcuts). */
export function AudioFields({ settings, update }: { settings: Settings; update: (change: (draft: Settings) => void) => void }) {
  const { inputs, outputs } = useDevices();
  const deviceSelect = (id: string, label: string, help: string, list: MediaDeviceInfo[], value: string | undefined, set: (d: Settings, v: string | undefined) => void) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} aria-describedby={`${id}-help`} onChange={(e) => update((d) => set(d, e.target.value || undefined))}>
        <option value="">System default</option>
        {list.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
        {value && !list.some((d) => d.deviceId === value) && <option value={value}>Saved device (not connected)</option>}
      </select>
      <p id={`${id}-help`} className="field__help">
        {help}
      </p>
    </div>
  );
  return (
    <fieldset className="settings-section">
      <legend>Audio</legend>
      {deviceSelect('input-device', 'Microphone', 'The microphone Parley listens to. Device names appear once the microphone was allowed.', inputs, settings.audio.inputDeviceId, (d, v) => (d.audio.inputDeviceId = v))}
      {deviceSelect('output-device', 'Speaker', 'Where Parley speaks.', outputs, settings.audio.outputDeviceId, (d, v) => (d.audio.outputDeviceId = v))}
    </fieldset>
  );
}
