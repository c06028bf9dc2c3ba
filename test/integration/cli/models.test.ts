import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { startModelMirror, type ModelMirror } from '../../fakes/model-mirror.js';
import { buildTar } from '../../helpers/tar-builder.js';
import { ROOT } from '../../paths.js';

// The real `parley models` bin as a user runs it (compiled by the integration project's global setup),
// against a mirror on this machine.
async function parley(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'parley.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const MODEL = randomBytes(400_000);

let mirror: ModelMirror | undefined;
afterEach(async () => {
  await mirror?.close();
  mirror = undefined;
});

function modelsEnv() {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-cli-models-'));
  return { dir, env: { PARLEY_MODELS_DIR: dir } };
}

describe('parley models', () => {
  it('lists the catalog as JSON with every field, the bundled VAD installed', async () => {
    const { env } = modelsEnv();
    const r = await parley(env, 'models', 'list', '--json');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Record<string, unknown>[];
    for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(['id', 'task', 'name', 'sizeBytes', 'sha256', 'license', 'url', 'installed']));
    expect(rows.find((m) => m.id === 'silero-vad-v6')).toMatchObject({ task: 'vad', installed: true, sha256: '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3', sizeBytes: 2_327_524, license: 'MIT' });
    expect(rows.find((m) => m.id === 'smart-turn-v3.2-cpu')).toMatchObject({ task: 'turn', installed: false, sizeBytes: 8_679_182, license: 'BSD-2-Clause' });
    expect(new Set(rows.map((m) => m.task))).toEqual(new Set(['stt', 'llm', 'tts', 'vad', 'turn']));
    const text = await parley(env, 'models', 'list');
    expect(text.stdout).toMatch(/Small: any laptop/);
    expect(text.stdout).toMatch(/Quality: needs a GPU/);
  });

  it('imports from a mirror that drops the first download: resumes, verifies, lists it, removes it', async () => {
    mirror = await startModelMirror({ '/tiny.gguf': MODEL }, { dropAfterBytes: 150_000 });
    const { dir, env } = modelsEnv();
    const r = await parley(env, 'models', 'import', `${mirror.url}/tiny.gguf`, '--task', 'llm', '--sha256', sha(MODEL), '--id', 'tiny-llm');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Installed tiny-llm \\(llm\\) in .*, sha256 ${sha(MODEL)}\\n$`));
    expect(mirror.requests.map((q) => q.status)).toEqual([200, 206]);
    expect(mirror.requests[1]!.range).toMatch(/^bytes=\d+-$/);
    // Not a terminal: plain progress lines, ending at 100%.
    expect(r.stderr).toMatch(/100% 391 KB of 391 KB/);
    expect(r.stderr).not.toMatch(/\r/);
    expect(sha(readFileSync(path.join(dir, 'tiny-llm', 'tiny.gguf')))).toBe(sha(MODEL));
    const listed = JSON.parse((await parley(env, 'models', 'list', '--json')).stdout) as { id: string; installed: boolean; task: string }[];
    expect(listed.find((m) => m.id === 'tiny-llm')).toMatchObject({ installed: true, task: 'llm' });
    expect((await parley(env, 'models', 'remove', 'tiny-llm')).stdout).toBe('Removed tiny-llm\n');
    const again = await parley(env, 'models', 'remove', 'tiny-llm');
    expect(again).toMatchObject({ code: 2, stderr: "parley: error: 'tiny-llm' is not installed, so there is nothing to remove (see: parley models list)\n" });
  });

  it('a wrong checksum exits 2 and leaves nothing installed, no .part file either', async () => {
    mirror = await startModelMirror({ '/tiny.gguf': MODEL }, { wrongBytes: true });
    const { dir, env } = modelsEnv();
    const r = await parley(env, 'models', 'import', `${mirror.url}/tiny.gguf`, '--task', 'llm', '--sha256', sha(MODEL));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parley: error: the download from http:\/\/127\.0\.0\.1:\d+\/tiny\.gguf has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}: it was deleted, nothing was installed/);
    const all: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else all.push(e.name);
      }
    };
    walk(dir);
    expect(all).toEqual([]);
    expect(existsSync(path.join(dir, 'tiny'))).toBe(false);
  });

  it('imports a local .tar.gz; refuses one with a path leaving its folder', async () => {
    const { dir, env } = modelsEnv();
    const src = mkdtempSync(path.join(tmpdir(), 'parley-cli-src-'));
    writeFileSync(path.join(src, 'voice.tar.gz'), gzipSync(buildTar([{ name: 'voice/model.onnx', data: 'weights' }])));
    const ok = await parley(env, 'models', 'import', path.join(src, 'voice.tar.gz'), '--task', 'tts');
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/not verified \(no checksum was given or known\); its sha256 is [0-9a-f]{64}/);
    expect(readFileSync(path.join(dir, 'voice', 'voice', 'model.onnx'), 'utf8')).toBe('weights');
    writeFileSync(path.join(src, 'evil.tar'), buildTar([{ name: '../../../evil.txt', data: 'x' }]));
    const evil = await parley(env, 'models', 'import', path.join(src, 'evil.tar'), '--task', 'tts');
    expect(evil.code).toBe(2);
    expect(evil.stderr).toMatch(/^parley: error: the archive entry '\.\.\/\.\.\/\.\.\/evil\.txt' points outside its folder \(\.\.\); nothing was installed$/m);
    expect(existsSync(path.join(dir, 'evil'))).toBe(false);
  });

  it('pull says what is wrong in plain words, with exit 2', async () => {
    const { env } = modelsEnv();
    const unverified = await parley(env, 'models', 'pull', 'qwen3-0.6b-q8_0');
    expect(unverified.code).toBe(2);
    expect(unverified.stderr).toBe('parley: error: the catalog has no confirmed sha256 for qwen3-0.6b-q8_0, so it is not installed unverified: check the file\'s sha256 from its publisher and run parley models pull qwen3-0.6b-q8_0 --sha256 <hex>\n');
    expect(await parley(env, 'models', 'pull', 'nope')).toMatchObject({ code: 2, stderr: "parley: error: no model 'nope' in the catalog (see: parley models list)\n" });
    expect(await parley(env, 'models', 'pull', 'qwen3-0.6b-q8_0', '--sha256', 'xyz')).toMatchObject({ code: 2, stderr: "parley: error: --sha256 must be 64 hexadecimal digits (got 'xyz')\n" });
    expect(await parley(env, 'models', 'import', 'x.onnx')).toMatchObject({ code: 2, stderr: 'parley: error: models import needs --task (stt, llm, tts, vad, turn)\n' });
    expect(await parley(env, 'models', 'frobnicate')).toMatchObject({ code: 2, stderr: "parley: error: unknown models subcommand 'frobnicate' (list, pull, import or remove)\n" });
    expect(await parley(env, 'models', 'list', '--loud')).toMatchObject({ code: 2, stderr: 'parley: error: unknown option --loud (see: parley models --help)\n' });
    const help = await parley(env, '--help');
    expect(help.stdout).toMatch(/parley models pull <id>/);
  });

  it('a host that cannot serve the file exits 1 (the network, not the input), naming the answer', async () => {
    mirror = await startModelMirror({});
    const { env } = modelsEnv();
    const r = await parley(env, 'models', 'import', `${mirror.url}/gone.gguf`, '--task', 'llm');
    expect(r).toMatchObject({ code: 1, stderr: expect.stringMatching(/^parley: error: the server at http:\/\/127\.0\.0\.1:\d+\/gone\.gguf answered 404 Not Found\n$/) });
  });
});
