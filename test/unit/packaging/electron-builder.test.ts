import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// Packaging cannot run here (no Electron binary): check the config with electron-builder's own
// schema validation, and the files it would ship with electron-builder's own file matcher.
const config = load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
interface PlatformConfig {
  target: unknown;
  files?: unknown[];
}
interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter?: string[] }[];
  electronFuses: Record<string, boolean>;
  directories: { buildResources: string };
  linux: PlatformConfig & { syncDesktopName?: boolean; executableName?: string };
  mac: PlatformConfig & { hardenedRuntime: boolean; entitlements: string; extendInfo: Record<string, string>; notarize?: boolean };
  win: PlatformConfig;
  deb?: Record<string, unknown>;
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const require = createRequire(path.join(ROOT, 'package.json'));

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration validation (its JSON schema)", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, log: { isEnabled: boolean; add(): void }): Promise<void> };
    await expect(validateConfiguration(config, { isEnabled: false, add: () => {} })).resolves.toBeUndefined();
  });

  it('makes the deb the primary Linux package (it installs an AppArmor profile; the AppImage aborts on Ubuntu 24.04+)', () => {
    expect(config.linux.target).toEqual(['deb', 'AppImage']);
  });

  it('has what the deb target requires: a homepage and an author with an email (FpmTarget)', () => {
    expect(pkg.homepage).toMatch(/^https:\/\/\S+$/);
    expect(pkg.author).toMatchObject({ name: expect.any(String), email: expect.stringMatching(/^[^@\s]+@[^@\s]+\.[a-z]+$/) });
  });

  it('builds the dmg for Apple Silicon only (onnxruntime-node 1.30 ships no darwin/x64 binary)', () => {
    expect(existsSync(path.join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/darwin/x64'))).toBe(false);
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/\w/);
    expect(readFileSync(path.join(ROOT, config.mac.entitlements), 'utf8')).toContain('com.apple.security.device.audio-input');
    expect(config.win.target).toBe('nsis');
  });

  it('sets the Electron fuses (security checklist item 19)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // The page comes from parley://app, so file: needs no extra privileges.
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('names the desktop file so the Wayland global-shortcut portal can find the app', () => {
    expect(config.linux.syncDesktopName).toBe(true);
    expect(pkg.desktopName).toBe(`${config.linux.executableName}.desktop`);
  });

  it('unpacks onnxruntime, llama.cpp and sherpa-onnx from the asar, not the Opus package (Electron runs its WebAssembly build), and ships the bundled models', () => {
    const sherpaNative = 'node_modules/sherpa-onnx-{darwin,linux,win}-*/**';
    expect(config.asarUnpack).toEqual(['node_modules/onnxruntime-node/**', 'node_modules/node-llama-cpp/bins', 'node_modules/node-llama-cpp/llama/localBuilds', 'node_modules/@node-llama-cpp/*', sherpaNative]);
    // The platform package installed here (sherpa-onnx-node loads it as ../sherpa-onnx-<platform>-<arch>) is
    // matched, its addon and the libraries beside it included.
    const platformPackage = `sherpa-onnx-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
    expect(platformPackage).toMatch(/^sherpa-onnx-(darwin|linux|win)-[^/]+$/);
    const natives = readdirSync(path.join(ROOT, 'node_modules', platformPackage)).filter((f) => /\.(node|so|dylib|dll)$/.test(f));
    expect(natives).toEqual(expect.arrayContaining(['sherpa-onnx.node']));
    expect(natives.length).toBeGreaterThan(1);
    const models = config.extraResources.find((r) => r.to === 'models')!;
    expect(existsSync(path.join(ROOT, models.from, 'silero-vad', 'silero_vad.onnx'))).toBe(true);
    expect(existsSync(path.join(ROOT, models.from, 'silero-vad', 'LICENSE'))).toBe(true);
  });

  it('packages the entry points package.json names', () => {
    expect(pkg.main).toBe('out/node/electron/main/index.js');
    expect(existsSync(path.join(ROOT, 'electron', 'main', 'index.ts'))).toBe(true);
    expect(existsSync(path.join(ROOT, 'electron', 'preload', 'index.ts'))).toBe(true);
    expect(config.files).toEqual(expect.arrayContaining(['out/node/electron/**/*.js', 'out/preload/**', 'out/renderer/**']));
    expect(existsSync(path.join(ROOT, pkg.bin.parley))).toBe(true);
  });
});

/** PNG width and height from its IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('icons', () => {
  it('gives every package an app icon (electron-builder derives .icns, .ico and the Linux sizes from a 1024 px PNG)', () => {
    expect(pngSize(path.join(ROOT, config.directories.buildResources, 'icon.png'))).toEqual([1024, 1024]);
  });

  it('ships a 16x16 macOS tray template image with its @2x variant, black and transparent only', () => {
    const icons = config.extraResources.find((r) => r.to === 'icons')!;
    expect(pngSize(path.join(ROOT, icons.from, 'trayTemplate.png'))).toEqual([16, 16]);
    expect(pngSize(path.join(ROOT, icons.from, 'trayTemplate@2x.png'))).toEqual([32, 32]);
    expect(pngSize(path.join(ROOT, icons.from, 'tray.png'))).toEqual([32, 32]);
    const svg = readFileSync(path.join(ROOT, icons.from, 'trayTemplate.svg'), 'utf8');
    expect([...svg.matchAll(/(?:fill|stroke)="(#[0-9a-f]+)"/gi)].map((m) => m[1]!.toLowerCase())).toEqual(expect.arrayContaining(['#000']));
    expect([...svg.matchAll(/(?:fill|stroke)="(#[0-9a-f]+)"/gi)].every((m) => m[1]!.toLowerCase() === '#000')).toBe(true);
  });
});

type FileFilter = (file: string, stat: { isDirectory(): boolean }) => boolean;
const fileMatcher = require('app-builder-lib/out/fileMatcher.js') as {
  getNodeModuleFileMatcher(appDir: string, dest: string, expand: (p: string) => string, platformOptions: unknown, packager: unknown): { createFilter(): FileFilter };
  getMainFileMatchers(appDir: string, dest: string, expand: (p: string) => string, platformOptions: unknown, packager: unknown, outDir: string, isElectronCompile: boolean): { createFilter(): FileFilter }[];
};
const { expandMacro } = require('app-builder-lib/out/util/macroExpander.js') as { expandMacro(p: string, arch: string, appInfo: unknown, extra: Record<string, string>): string };
const { doMergeConfigs } = require('app-builder-lib/out/util/config/config.js') as { doMergeConfigs(configs: unknown[]): BuilderConfig };

/** The configuration as electron-builder holds it after loading (root `files` normalised into file sets). */
const resolved = () => doMergeConfigs([structuredClone(config)]);
/** The machine each package is built on (a dmg needs macOS): electron-builder's ${platform} is its process.platform. */
const BUILT_ON = { linux: 'linux', mac: 'darwin', win: 'win32' } as const;
const expander = (platform: 'linux' | 'mac' | 'win', arch: string, host: string = BUILT_ON[platform]) => (p: string) =>
  expandMacro(p.replaceAll('${platform}', host), arch, {}, { os: platform, '/*': '{,/**/*}' });
const packagerStub = (c: BuilderConfig) => ({ config: c, debugLogger: { isEnabled: false } });

/** Files under `dir` (relative to the project) that pass `filter`, descending only into directories it accepts. */
function walk(filter: FileFilter, dir: string): string[] {
  const out: string[] = [];
  const visit = (file: string) => {
    const stat = statSync(file);
    if (!filter(file, stat)) return;
    if (!stat.isDirectory()) return void out.push(path.relative(ROOT, file));
    for (const name of readdirSync(file)) visit(path.join(file, name));
  };
  visit(dir);
  return out;
}

/**
 * What each package carries from node_modules, resolved with electron-builder's own matcher
 * (getNodeModuleFileMatcher over the loaded configuration, the ${arch}/${os} macros expanded per target).
 */
function shippedFiles(platform: 'linux' | 'mac' | 'win', arch: 'x64' | 'arm64', moduleDir: string, host?: string): string[] {
  const c = resolved();
  const filter = fileMatcher.getNodeModuleFileMatcher(ROOT, '/app', expander(platform, arch, host), c[platform], packagerStub(c)).createFilter();
  return walk(filter, path.join(ROOT, 'node_modules', moduleDir));
}

/** Whether a project file (outside node_modules) goes into the package, by electron-builder's main file matcher. */
function shipsProjectFile(platform: 'linux' | 'mac' | 'win', relative: string): boolean {
  const c = resolved();
  const stub = { info: { config: c, projectDir: ROOT, buildResourcesDir: c.directories.buildResources, isPrepackedAppAsar: false, debugLogger: { isEnabled: false } } };
  const [main] = fileMatcher.getMainFileMatchers(ROOT, '/app', expander(platform, 'x64'), c[platform], stub, path.join(ROOT, 'release'), false);
  const filter = main!.createFilter();
  // Every parent directory must pass too (the copier stops at a refused directory).
  const parts = relative.split('/');
  return parts.every((_, i) => filter(path.join(ROOT, ...parts.slice(0, i + 1)), { isDirectory: () => i < parts.length - 1 }));
}

describe('what each package ships from the project', () => {
  it('keeps file patterns in the root list (a platform-level `files` of only exclusions makes electron-builder package everything)', () => {
    for (const platform of ['linux', 'mac', 'win'] as const) expect(config[platform].files).toBeUndefined();
  });

  it('only the built app: compiled main and engine, preload, renderer and package.json; no sources, tests, maps or build info', () => {
    for (const platform of ['linux', 'mac', 'win'] as const) {
      for (const file of ['out/node/electron/main/index.js', 'out/node/electron/main/engine-process-main.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'package.json']) {
        expect(shipsProjectFile(platform, file), `${platform}: ${file}`).toBe(true);
      }
      for (const file of ['out/node/electron/main/index.js.map', 'electron/main/index.ts', 'test/unit/main/app.test.ts', 'docs/DESIGN.md', 'out/tsbuildinfo/node.tsbuildinfo', 'test-results/vitest.json', 'renderer/src/main.tsx', 'scripts/dev.mjs']) {
        expect(shipsProjectFile(platform, file), `${platform}: ${file}`).toBe(false);
      }
    }
  });
});

describe('what each package ships from node_modules', () => {
  const onnxBinaries = (platform: 'linux' | 'mac' | 'win', arch: 'x64' | 'arm64', host?: string) =>
    [...new Set(shippedFiles(platform, arch, 'onnxruntime-node', host).filter((f) => f.includes('/bin/napi-v6/')).map((f) => f.split('/').slice(4, 6).join('/')))].sort();

  it('carries only the target platform and architecture of onnxruntime', () => {
    expect(onnxBinaries('linux', 'x64')).toEqual(['linux/x64']);
    expect(onnxBinaries('linux', 'arm64')).toEqual(['linux/arm64']);
    expect(onnxBinaries('mac', 'arm64')).toEqual(['darwin/arm64']);
    expect(onnxBinaries('win', 'x64')).toEqual(['win32/x64']);
    // A Windows installer built on Linux keeps the building machine's binaries too (never too few).
    expect(onnxBinaries('win', 'x64', 'linux')).toEqual(['linux/x64', 'win32/x64']);
    // ...and still its JavaScript.
    expect(shippedFiles('linux', 'x64', 'onnxruntime-node')).toContain('node_modules/onnxruntime-node/package.json');
  });

  it('leaves out what Vite already bundled into the renderer (react, react-dom, scheduler, zustand)', () => {
    for (const name of ['react', 'react-dom', 'scheduler', 'zustand']) expect(shippedFiles('linux', 'x64', name)).toEqual([]);
    // ...but not what main needs.
    expect(shippedFiles('linux', 'x64', 'zod').length).toBeGreaterThan(0);
  });

  it('carries the WebAssembly build of Opus, not its native binaries (refused by the V8 memory cage)', () => {
    const opus = shippedFiles('linux', 'x64', '@evan/opus');
    expect(opus).toEqual(expect.arrayContaining(['node_modules/@evan/opus/lib.js', 'node_modules/@evan/opus/wasm/simd.wasm', 'node_modules/@evan/opus/wasm/opus.wasm']));
    expect(opus.filter((f) => f.endsWith('.node'))).toEqual([]);
  });
});
