import { useState } from 'react';
import type { ParleyApi } from '../../../electron/shared/ipc';

/** The output of a local model server Parley started (Moshi with a launch command). */
export function ServerLogs({ api }: { api: ParleyApi }) {
  const [logs, setLogs] = useState<{ running: boolean; lines: string[] } | undefined>();
  const load = () => void api.serverLogs().then(setLogs).catch(() => setLogs({ running: false, lines: ['(could not read the logs)'] }));
  return (
    <details className="server-logs" onToggle={(e) => (e.currentTarget.open ? load() : undefined)}>
      <summary>Local server logs</summary>
      <p>
        {logs === undefined ? 'Loading…' : logs.running ? 'The server Parley started is running.' : 'Parley is not running a local server (it starts one when a conversation needs it and a launch command is set).'}{' '}
        <button type="button" onClick={load}>
          Refresh
        </button>
      </p>
      {logs && logs.lines.length > 0 && <pre tabIndex={0}>{logs.lines.slice(-200).join('\n')}</pre>}
    </details>
  );
}
