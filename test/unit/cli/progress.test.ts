import { describe, expect, it } from 'vitest';
import { progressPrinter, progressText } from '../../../electron/cli/progress.js';
import type { DownloadProgress } from '../../../electron/engine/models/download.js';

const MB = 2 ** 20;
const at = (received: number, extra: Partial<DownloadProgress> = {}): DownloadProgress => ({ receivedBytes: received, totalBytes: 100 * MB, bytesPerSecond: 2 * MB, etaSeconds: (100 * MB - received) / (2 * MB), state: 'downloading', ...extra });

describe('download progress on the terminal', () => {
  it('says percent, bytes, speed and ETA in words', () => {
    expect(progressText(at(45 * MB))).toBe('45% 45 MB of 100 MB, 2.0 MB/s ETA 28s');
    expect(progressText(at(0, { totalBytes: null, etaSeconds: null, bytesPerSecond: 0 }))).toBe('0 B');
    expect(progressText(at(10 * MB, { state: 'retrying' }))).toMatch(/\(retrying\)$/);
    expect(progressText(at(0, { etaSeconds: 3725 }))).toMatch(/ETA 1h02m$/);
  });

  it('redraws one bar in place on a TTY, at most once per percent', () => {
    const out: string[] = [];
    const p = progressPrinter((t) => out.push(t), true);
    for (let b = 0; b <= 100 * MB; b += MB / 4) p.update(at(b));
    p.finish();
    expect(out.length).toBe(102); // 101 percent steps and the final newline
    expect(out[50]!.startsWith('\r\u001b[2K')).toBe(true); // back to the line's start, erase it
    expect(out[50]).toMatch(/\[#{15}\.{15}\] 50% /);
    expect(out.at(-2)).toMatch(/\[#{30}\] 100% 100 MB of 100 MB/);
    expect(out.at(-1)).toBe('\n');
  });

  it('prints a plain line per 10% when not a terminal', () => {
    const out: string[] = [];
    const p = progressPrinter((t) => out.push(t), false);
    for (let b = 0; b <= 100 * MB; b += MB / 4) p.update(at(b));
    p.finish();
    expect(out.map((l) => l.split(' ')[0])).toEqual(['0%', '10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
  });
});
