import type { DownloadProgress } from '../engine/models/download.js';
import { formatBytes } from '../shared/format.js';

const BAR_WIDTH = 30;

function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  return s >= 3600 ? ` ETA ${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? ` ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : ` ETA ${s}s`;
}

/** "45% 12 MB of 27 MB, 3.1 MB/s ETA 5s" (the sizes alone when the total is unknown). */
export function progressText(p: DownloadProgress): string {
  const speed = p.bytesPerSecond > 0 ? `, ${formatBytes(Math.round(p.bytesPerSecond))}/s` : '';
  const state = p.state === 'downloading' ? '' : ` (${p.state})`;
  if (p.totalBytes === null || p.totalBytes === 0) return `${formatBytes(p.receivedBytes)}${speed}${state}`;
  const pct = Math.floor((p.receivedBytes / p.totalBytes) * 100);
  return `${pct}% ${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}${speed}${eta(p.etaSeconds)}${state}`;
}

/**
 * Download progress on stderr: a bar redrawn in place on a terminal (at most once per percent),
 * otherwise one plain line per 10% (logs and pipes stay readable).
 */
export function progressPrinter(write: (text: string) => void, tty: boolean): { update: (p: DownloadProgress) => void; finish: () => void } {
  let lastKey = '';
  let drawn = false;
  return {
    update(p) {
      const known = p.totalBytes !== null && p.totalBytes > 0;
      const fraction = known ? Math.min(1, p.receivedBytes / p.totalBytes!) : 0;
      if (tty) {
        const key = `${known ? Math.floor(fraction * 100) : Math.floor(p.receivedBytes / 2 ** 20)}:${p.state}`;
        if (key === lastKey) return;
        lastKey = key;
        const filled = Math.round(fraction * BAR_WIDTH);
        const bar = known ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` : '';
        write(`\r\x1b[2K${bar}${progressText(p)}`);
        drawn = true;
        return;
      }
      // Plain: a line each time another tenth is done (or each 100 MB when the size is unknown), and on state changes.
      const key = `${known ? Math.floor(fraction * 10) : Math.floor(p.receivedBytes / (100 * 2 ** 20))}:${p.state}`;
      if (key === lastKey) return;
      lastKey = key;
      write(`${progressText(p)}\n`);
    },
    finish() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}
