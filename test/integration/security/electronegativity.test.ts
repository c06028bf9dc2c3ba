import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// The security scan in `npm test` must be able to fail: run it on a deliberately insecure window.
describe('security scan (Electronegativity)', () => {
  it('fails on an insecure BrowserWindow and names the check', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-insecure-'));
    writeFileSync(
      path.join(dir, 'main.js'),
      "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false } });\n",
    );
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'scripts', 'security-scan.mjs'), dir], { cwd: ROOT }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/HIGH\s+LIMIT_NAVIGATION_GLOBAL_CHECK/);
    expect(result.stdout).toMatch(/HIGH\s+CONTEXT_ISOLATION_JS_CHECK/);
    expect(result.stdout).toMatch(/unexplained high-severity/);
  }, 60_000);
});
