import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../helpers/net.js';
import { ROOT } from '../../../paths.js';

/** Alive and not a zombie waiting for its (new) parent to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

describe('a local server Parley started does not outlive Parley', () => {
  it('is killed when the process that started it exits without stopping it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-orphan-'));
    const pidFile = path.join(dir, 'server.pid');
    const port = await freePort();
    // The "Moshi server": a plain Node process holding the port (no wrapper process in between).
    const serverScript = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); require('net').createServer().listen(${port}, '127.0.0.1')`;
    const moduleUrl = pathToFileURL(path.join(ROOT, 'out', 'node', 'electron', 'engine', 's2s', 'local-server.js')).href;
    // Parley's process: starts the server, then exits at once (as a crash or a quit past its deadline would).
    const parley = `
      const { LocalServer } = await import(${JSON.stringify(moduleUrl)});
      const server = new LocalServer({ command: ${JSON.stringify(`"${process.execPath}" -e "${serverScript.replace(/"/g, '\\"')}"`)}, host: '127.0.0.1', port: ${port}, startTimeoutMs: 20000 });
      await server.ensureRunning();
      process.exit(0);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', parley], { stdio: ['ignore', 'inherit', 'inherit'] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    const survived = alive(pid);
    if (survived) process.kill(pid, 'SIGKILL');
    expect(survived).toBe(false);
  }, 30_000);
});
