import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { writeSilentWav } from '../../helpers/wav-files.js';
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

/** The first bytes of a real MP3 (an ID3v2 tag, then an MPEG-1 Layer III frame header). */
function mp3File(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-cli-')), 'song.mp3');
  const bytes = new Uint8Array(4096);
  bytes.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0]);
  bytes.set([0xff, 0xfb, 0x90, 0x64], 10);
  writeFileSync(file, bytes);
  return file;
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
    ['an out-of-range option', ['vad', speechFile('jfk.wav'), '--threshold', '1.5'], /--threshold must be a probability above 0 and below 1, e\.g\. 0\.5 \(got "1\.5"\)$/],
    ['the threshold 1 (nothing is ever that certain)', ['vad', speechFile('jfk.wav'), '--threshold', '1'], /--threshold must be a probability above 0 and below 1/],
    ['a word where a number belongs', ['vad', speechFile('jfk.wav'), '--min-silence-ms', 'soon'], /--min-silence-ms must be a number of milliseconds from 0 to 600000 \(got "soon"\)$/],
    ['an unknown option', ['vad', '--loud'], /^parley: error: unknown option --loud \(see: parley vad --help\)$/],
    ['an option without its value', ['vad', speechFile('jfk.wav'), '--threshold'], /^parley: error: --threshold needs a value \(see: parley vad --help\)$/],
    ['a value given to a switch', ['vad', speechFile('jfk.wav'), '--json=yes'], /^parley: error: --json is a switch and takes no value/],
    ['an unknown option of serve', ['serve', '--prot', '80'], /^parley: error: unknown option --prot \(see: parley serve --help\)$/],
    ['an MP3 file', ['vad', mp3File()], /is an MP3 file, not a WAV: convert it first, e\.g\. `ffmpeg -i in\.mp3 -ar 16000 -ac 1 out\.wav` or `sox /],
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

  it('the help gives the range the threshold accepts', async () => {
    const help = await parley('vad', '--help');
    expect(help.stdout).toMatch(/--threshold <p> +speech starts at probability >= p \(above 0 and below 1, default 0\.5\)/);
    expect((await parley('vad', speechFile('jfk.wav'), '--threshold', '0.99', '--neg-threshold', '0.01')).code).toBe(0);
  });

  it('--device cuda without the CUDA provider: one line saying why, then the result on cpu', async () => {
    const r = await parley('vad', speechFile('jfk.wav'), '--device', 'cuda');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('parley: --device cuda: the CUDA provider of onnxruntime is not installed (see the README, "GPU"); running on cpu\n');
    expect(r.stdout).toMatch(/4 segments.* on cpu\n$/);
  });

  it('streams a 512 MiB WAV with bounded memory, with the same report as a small file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-big-'));
    const big = path.join(dir, 'big.wav');
    // 256 channels of float64 silence at 16 kHz (sparse on disk): 16.4 s of audio in 512 MiB.
    writeSilentWav(big, 512 * 1024 * 1024, { channels: 256 });
    const rssFile = path.join(dir, 'peak-rss');
    const { stdout } = await run(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'test', 'helpers', 'report-peak-rss.mjs')).href, path.join(ROOT, 'bin', 'parley.js'), 'vad', big, '--json'], {
      cwd: ROOT,
      env: { ...process.env, PARLEY_TEST_PEAK_RSS_FILE: rssFile },
    });
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ durationS: 16.384, sampleRate: 16000, channels: 256, encoding: 'float64', segments: [], speechS: 0 });
    // Reading the file whole would need at least its 512 MiB (and more to decode it); streaming needs the runtime and one chunk.
    const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
    expect(peakMiB).toBeLessThan(350);
  }, 60_000);

  it('reports a truncated WAV as truncated', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-'));
    const cut = path.join(dir, 'cut.wav');
    writeFileSync(cut, readFileSync(speechFile('librivox-ss01-0880.wav')).subarray(0, 5000));
    const r = await parley('vad', cut);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/truncated WAV: data chunk declares \d+ bytes but only 4956 are present/);
  });
});
