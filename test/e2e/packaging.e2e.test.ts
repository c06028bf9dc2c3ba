import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';

const require = createRequire(path.join(ROOT, 'package.json'));
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/**
 * An "Electron distribution" electron-builder can package without downloading Electron: a stand-in
 * binary that carries Electron's fuse wire (sentinel, version 1, length, one byte per fuse, set to
 * Electron 45's defaults) so electron-builder's fuse step runs for real.
 */
function fakeElectronDist(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const wire = Buffer.from('101100011', 'latin1');
  writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\n'), Buffer.from(FUSE_SENTINEL), Buffer.from([1, wire.length]), wire]), { mode: 0o755 });
  writeFileSync(path.join(dir, 'version'), require('electron/package.json').version as string);
}

// The real electron-builder on the real build (globalSetup compiles main and the renderer; the
// preload is bundled here), packaging a Linux x64 directory: what the deb and AppImage contain.
describe.runIf(process.platform === 'linux' && process.arch === 'x64')('electron-builder --dir (Linux x64)', () => {
  // The packaged directory is ~70 MB: do not leave it behind.
  const workDirs: string[] = [];
  afterEach(() => {
    for (const dir of workDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  it('packages only the built app, this platform\'s onnxruntime, Opus as WebAssembly, the models and icons, with the fuses set', async () => {
    execFileSync(process.execPath, [path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '--config', 'vite.preload.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    const work = mkdtempSync(path.join(tmpdir(), 'parley-pack-'));
    workDirs.push(work);
    fakeElectronDist(path.join(work, 'electron-dist'));
    const cli = path.join(path.dirname(require.resolve('electron-builder/package.json')), 'cli.js');
    execFileSync(
      process.execPath,
      [cli, '--config', 'electron-builder.yml', '--dir', '--linux', '--x64', `-c.electronDist=${path.join(work, 'electron-dist')}`, '-c.npmRebuild=false', `-c.directories.output=${path.join(work, 'release')}`],
      { cwd: ROOT, stdio: 'pipe' },
    );
    const app = path.join(work, 'release', 'linux-unpacked');
    const asar = require('@electron/asar') as { listPackage(file: string): string[] };
    const files = asar.listPackage(path.join(app, 'resources', 'app.asar')).map((f) => f.replace(/\\/g, '/').replace(/^\//, ''));

    // The built app and nothing else from the project: no sources, tests, source maps or build info.
    expect(files).toEqual(expect.arrayContaining(['package.json', 'out/node/electron/main/index.js', 'out/node/electron/main/engine-process-main.js', 'out/preload/index.cjs', 'out/renderer/index.html']));
    expect(files.filter((f) => !/^(out\/(node|preload|renderer)(\/|$)|out$|node_modules(\/|$)|package\.json$)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('out/') && (f.endsWith('.map') || f.endsWith('.ts')))).toEqual([]);
    // No renderer-only modules, no native Opus; its WebAssembly build is there.
    expect(files.filter((f) => /^node_modules\/(react|react-dom|scheduler|zustand)(\/|$)/.test(f))).toEqual([]);
    expect(files.filter((f) => f.startsWith('node_modules/@evan/opus/') && f.endsWith('.node'))).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['node_modules/@evan/opus/wasm/simd.wasm', 'node_modules/zod/package.json']));

    // onnxruntime outside the asar, only linux/x64.
    const napi = path.join(app, 'resources', 'app.asar.unpacked', 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    expect(readdirSync(napi)).toEqual(['linux']);
    expect(readdirSync(path.join(napi, 'linux'))).toEqual(['x64']);
    expect(existsSync(path.join(app, 'resources', 'app.asar.unpacked', 'node_modules', '@evan'))).toBe(false);

    expect(existsSync(path.join(app, 'resources', 'models', 'silero-vad', 'silero_vad.onnx'))).toBe(true);
    expect(readdirSync(path.join(app, 'resources', 'icons')).sort()).toEqual(['tray.png', 'tray@2x.png', 'trayTemplate.png', 'trayTemplate@2x.png']);

    // The fuses electron-builder.yml asks for, read back from the packaged binary.
    const fuses = require('@electron/fuses') as { getCurrentFuseWire(file: string): Promise<Record<string, number>>; FuseV1Options: Record<number, string> };
    const wire = await fuses.getCurrentFuseWire(path.join(app, 'parley'));
    const read = Object.fromEntries(Object.entries(wire).filter(([k]) => k !== 'version').map(([k, v]) => [fuses.FuseV1Options[Number(k)], v === 49]));
    const wanted = (load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> }).electronFuses;
    const name = (key: string) => key[0]!.toUpperCase() + key.slice(1);
    for (const [key, value] of Object.entries(wanted)) expect(read[name(key)], key).toBe(value);
  }, 240_000);
});
