import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

/** Which build of @evan/opus a fresh Node process loads with `env`. */
function opusBuild(env: NodeJS.ProcessEnv): string {
  const script = `require(${JSON.stringify(path.join(ROOT, 'node_modules/@evan/opus/lib.js'))}); const files = Object.keys(require.cache); process.stdout.write(files.some((f) => f.includes('/wasm/')) ? 'wasm' : files.some((f) => f.includes('/node/')) ? 'native' : 'none');`;
  const { OPUS_FORCE_WASM: _, ...rest } = process.env;
  return execFileSync(process.execPath, ['-e', script], { env: { ...rest, ...env }, encoding: 'utf8' });
}

describe('Opus in Electron (the V8 memory cage refuses its native binary)', () => {
  it('the Electron entry point configures Opus before anything can load it', () => {
    const source = readFileSync(path.join(ROOT, 'electron/main/index.ts'), 'utf8');
    const imports = [...source.matchAll(/^import\s.*?['"]([^'"]+)['"];?$/gm)].map((m) => m[1]);
    expect(imports[0]).toBe('./opus-wasm.js');
    expect(readFileSync(path.join(ROOT, 'electron/main/opus-wasm.ts'), 'utf8')).toMatch(/process\.env\.OPUS_FORCE_WASM \?\?= '1'/);
  });

  it('@evan/opus loads its WebAssembly build when told to, and its native one otherwise (the CLI under Node)', () => {
    expect(opusBuild({ OPUS_FORCE_WASM: '1' })).toBe('wasm');
    expect(opusBuild({})).toBe(process.platform === 'linux' || process.platform === 'darwin' || process.platform === 'win32' ? 'native' : 'wasm');
  });
});
