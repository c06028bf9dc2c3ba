import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT, speechFile } from '../../paths.js';

// The real `parley` bin as a user runs it (compiled by the integration project's global setup).
const run = promisify(execFile);
async function parley(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'bin', 'parley.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('parley vad', () => {
  it('prints the speech segments of a recording as a table', async () => {
    const r = await parley('vad', speechFile('jfk.wav'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^jfk\.wav: 11\.00 s, 16000 Hz, 1 ch, pcm16/);
    expect(r.stdout).toMatch(/4 segments, \d+\.\d\d s of speech/);
    expect(r.stdout).toMatch(/real-time factor 0\.\d+\) on cpu/);
  });

  it('prints JSON with --json, and options change the result', async () => {
    const def = JSON.parse((await parley('vad', speechFile('jfk.wav'), '--json')).stdout);
    expect(def).toMatchObject({ durationS: 11, sampleRate: 16000, channels: 1, provider: 'cpu' });
    expect(def.segments).toHaveLength(4);
    for (const s of def.segments) expect(s.end).toBeGreaterThan(s.start);
    const merged = JSON.parse((await parley('vad', speechFile('jfk.wav'), '--json', '--min-silence-ms', '2000')).stdout);
    expect(merged.segments).toHaveLength(1);
    expect(merged.segments[0].start).toBeCloseTo(def.segments[0].start, 2);
    const strict = JSON.parse((await parley('vad', speechFile('jfk.wav'), '--json', '--threshold', '0.99', '--min-speech-ms', '1500')).stdout);
    expect(strict.speechS).toBeLessThan(def.speechS);
  });

  it('prints help and the version', async () => {
    const help = await parley('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/parley vad <file\.wav>/);
    const version = await parley('--version');
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(version.stdout.trim()).toBe(`parley ${pkg.version}`);
  });

  it.each([
    ['a missing file', ['vad', 'does-not-exist.wav'], /file not found: does-not-exist\.wav/],
    ['a file that is not a WAV', ['vad', path.join(ROOT, 'package.json')], /not a WAV file/],
    ['an unreadable model', ['vad', speechFile('jfk.wav'), '--model', path.join(ROOT, 'README.md')], /cannot load .*README\.md/],
    ['a missing model', ['vad', speechFile('jfk.wav'), '--model', 'nope.onnx'], /model file not found: nope\.onnx/],
    ['no file at all', ['vad'], /vad needs a WAV file/],
    ['an out-of-range option', ['vad', speechFile('jfk.wav'), '--threshold', '1.5'], /invalid --threshold/],
    ['an unknown option', ['vad', '--loud'], /Unknown option '--loud'/],
    ['an unknown command', ['transcribe'], /unknown command 'transcribe'/],
  ])('exits 2 with one line on stderr for %s', async (_what, args, message) => {
    const r = await parley(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^parley: error: /);
    expect(lines[0]).toMatch(message);
  });

  it('reports a truncated WAV as truncated', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    const cut = path.join(dir, 'cut.wav');
    writeFileSync(cut, readFileSync(speechFile('librivox-ss01-0880.wav')).subarray(0, 5000));
    const r = await parley('vad', cut);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/truncated WAV: data chunk declares \d+ bytes but only 4956 are present/);
  });
});
