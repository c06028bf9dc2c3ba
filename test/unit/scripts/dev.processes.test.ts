import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../paths.js';

// `npm run dev` when Electron cannot start: every process it started ends with it (a `tsc --watch`
// left behind keeps rewriting out/node and holds the terminal's attention for nothing).
const FIXTURE = path.join(ROOT, 'test', 'unit', 'scripts', 'dev-fixture.mjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

async function runWithElectron(electron: 'exits' | 'missing' | 'throws'): Promise<{ code: number | null; watcherPid: number; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-dev-'));
  // What `electron .` would run: a package that exits at once.
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: 'exit.js' }));
  writeFileSync(path.join(dir, 'exit.js'), 'process.exit(3);');
  const pidFile = path.join(dir, 'watcher.pid');
  const child = spawn(process.execPath, [FIXTURE, pidFile, electron], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const watcherPid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (watcherPid) leftovers.push(watcherPid);
  rmSync(dir, { recursive: true, force: true });
  return { code, watcherPid, stderr };
}

describe('npm run dev: its processes live and die together', () => {
  it.each(['exits', 'missing', 'throws'] as const)('Electron that %s: the script exits non-zero and no watcher survives', async (electron) => {
    const { code, watcherPid, stderr } = await runWithElectron(electron);
    expect(watcherPid).toBeGreaterThan(0);
    expect(code).not.toBe(0);
    await vi.waitFor(() => expect(alive(watcherPid)).toBe(false), { timeout: 10_000, interval: 20 });
    if (electron !== 'exits') expect(stderr).toMatch(/npm run dev: .*Electron/);
  }, 20_000);
});
