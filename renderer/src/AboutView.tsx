import type { EngineInfo } from '../../electron/shared/ipc';
import { useLiveStore } from './conversation/store';
import { deviceText } from './models/model';
import './about.css';

const KEY_STORAGE: Record<EngineInfo['keyStorage'], string> = {
  encrypted: 'Encrypted with your system keychain',
  memory: 'In memory only, until this server stops',
  unavailable: 'Not stored (no system keychain): keys come from the environment',
};

/** About and diagnostics: the engine's version, where models run and how long they took to load. */
export function AboutView({ info }: { info: EngineInfo }) {
  const devices = useLiveStore((s) => s.view.devices);
  return (
    <section className="about" aria-labelledby="about-title">
      <h2 id="about-title">About Parley</h2>
      <dl className="about-list">
        <dt>Version</dt>
        <dd>{info.version}</dd>
        <dt>Platform</dt>
        <dd>{info.platform}</dd>
        <dt>Voice activity detection</dt>
        <dd data-testid="about-vad">
          <VadStatus vad={info.vad} />
        </dd>
        <dt>API keys</dt>
        <dd>{KEY_STORAGE[info.keyStorage]}</dd>
        <dt>Local models</dt>
        <dd>{devices.length > 0 ? devices.map((d) => <p key={d.stage}>{deviceText(d)}</p>) : 'None loaded in this session.'}</dd>
      </dl>
      {info.notices.length > 0 && (
        <>
          <h3>Engine notices</h3>
          <ul className="about-notices">
            {info.notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function VadStatus({ vad }: { vad: EngineInfo['vad'] }) {
  switch (vad.state) {
    case 'loading':
      return <>Loading…</>;
    case 'ready':
      return (
        <>
          Voice activity detection ready on {vad.provider.toUpperCase()} ({Math.round(vad.loadMs)} ms).
        </>
      );
    case 'failed':
      return <span className="about-error">Failed: {vad.error.message}</span>;
  }
}
