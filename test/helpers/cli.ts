import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterEach } from 'vitest';
import { ROOT } from '../paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the compiled `parley` as a user would, in a clean environment: only what the test sets
 * (no real keys or endpoints leak in). `nodeArgs` go to node itself (e.g. a memory limit).
 */
export function runParley(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<CliResult> {
  return new Promise((resolve) => {
    const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PARLEY_SHARED_MODELS: process.env.PARLEY_SHARED_MODELS ?? '', ...env };
    execFile(process.execPath, [...nodeArgs, path.join(ROOT, 'bin', 'parley.js'), ...args], { cwd: ROOT, env: childEnv }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The servers a test file starts: push their close() here; they are closed after each test. */
export function useClosers(): (() => Promise<void>)[] {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  return closers;
}
