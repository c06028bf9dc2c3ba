import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// Packaging cannot run here (no Electron binary): check the config and the files it references.
const config = load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string }[];
  linux: { target: string[] };
  mac: { target: string; hardenedRuntime: boolean; entitlements: string; extendInfo: Record<string, string> };
  win: { target: string };
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('electron-builder.yml', () => {
  it('targets Linux, macOS and Windows with the microphone declared on macOS', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toBe('dmg');
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/\w/);
    expect(readFileSync(path.join(ROOT, config.mac.entitlements), 'utf8')).toContain('com.apple.security.device.audio-input');
    expect(config.win.target).toBe('nsis');
  });

  it('unpacks onnxruntime from the asar and ships the bundled models as extra resources', () => {
    expect(config.asarUnpack).toContain('node_modules/onnxruntime-node/**');
    // Opus's prebuilt N-API binaries must load from outside the asar archive too.
    expect(config.asarUnpack).toContain('node_modules/@evan/opus/**');
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
