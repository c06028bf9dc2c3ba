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

/** Input and output devices and the push-to-talk shortcut (barge-in is with turn-taking). */
export function AudioFields({ settings, update }: { settings: Settings; update: (change: (draft: Settings) => void) => void }) {
  const { inputs, outputs } = useDevices();
  const deviceSelect = (id: string, label: string, list: MediaDeviceInfo[], value: string | undefined, set: (d: Settings, v: string | undefined) => void) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => update((d) => set(d, e.target.value || undefined))}>
        <option value="">System default</option>
        {list.map((d, i) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
        {value && !list.some((d) => d.deviceId === value) && <option value={value}>Saved device (not connected)</option>}
      </select>
    </div>
  );
  return (
    <fieldset>
      <legend>Audio</legend>
      {deviceSelect('input-device', 'Microphone', inputs, settings.audio.inputDeviceId, (d, v) => (d.audio.inputDeviceId = v))}
      {deviceSelect('output-device', 'Speaker', outputs, settings.audio.outputDeviceId, (d, v) => (d.audio.outputDeviceId = v))}
      <div className="field">
        <label htmlFor="ptt-shortcut">Push-to-talk shortcut (desktop app, works in any app: press to talk, press again to send)</label>
        <input id="ptt-shortcut" type="text" maxLength={64} value={settings.pushToTalkShortcut} onChange={(e) => update((d) => void (d.pushToTalkShortcut = e.target.value))} />
      </div>
    </fieldset>
  );
}
