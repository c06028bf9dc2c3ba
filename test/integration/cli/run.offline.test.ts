import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeDeepgram } from '../../fakes/deepgram.js';
import { ROOT, speechFile } from '../../paths.js';

const GUARD = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'no-network-guard.mjs')).href;

/** The compiled `parley`, optionally under a wrapper (unshare -n) and with the no-network guard preloaded. */
function parley(args: string[], env: Record<string, string>, wrapper: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = [...wrapper, process.execPath, '--import', GUARD, path.join(ROOT, 'bin', 'parley.js'), ...args];
  return new Promise((resolve) => {
    execFile(command[0]!, command.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A network namespace with no interfaces up: nothing but this machine's own processes... and not even loopback. */
function unshareAvailable(): boolean {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const emptyModels = () => ({ PARLEY_MODELS_DIR: mkdtempSync(path.join(tmpdir(), 'parley-offline-models-')) });
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

describe('parley run --offline', () => {
  it('with no local models installed: exit 2 naming each missing model and `parley models pull`, no connection attempted', async () => {
    const r = await parley(['run', '--offline', '--in', speechFile('jfk.wav')], emptyModels());
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/NETWORK-GUARD/);
    expect(r.stderr).toMatch(/^parley: error: offline mode needs local models that are not installed: /);
    expect(r.stderr).toMatch(/the speech recognition model 'zipformer-en-20m-streaming' \(run parley models pull zipformer-en-20m-streaming\)/);
    expect(r.stderr).toMatch(/parley models pull qwen3-0\.6b-q8_0/);
    expect(r.stderr).toMatch(/the speech synthesis model 'pocket-tts-int8-2026-01-26' \(run parley models pull pocket-tts-int8-2026-01-26\)/);
  });

  it('inside a network namespace (unshare -n), the same: exit 2 naming `parley models pull`, never a network error', async (ctx) => {
    if (!unshareAvailable()) return ctx.skip();
    const r = await parley(['run', '--offline', '--in', speechFile('jfk.wav')], emptyModels(), ['unshare', '-n']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parley: error: offline mode needs local models that are not installed: .*parley models pull zipformer-en-20m-streaming/);
    expect(r.stderr).not.toMatch(/ENETUNREACH|ECONNREFUSED|EAI_AGAIN|fetch failed|NETWORK-GUARD/);
  });

  it('refuses a cloud provider by name, even with its key and an endpoint that answers', async () => {
    const deepgram = await startFakeDeepgram({ apiKey: 'dg-key' });
    open.push(deepgram);
    const r = await parley(['run', '--offline', '--stt', 'deepgram', '--in', speechFile('jfk.wav')], { ...emptyModels(), DEEPGRAM_API_KEY: 'dg-key', PARLEY_DEEPGRAM_URL: deepgram.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^parley: error: offline mode forbids cloud providers: STT 'deepgram' is refused \(Deepgram is a cloud service at 127\.0\.0\.1\)\n$/);
    expect(deepgram.stats.attempts).toBe(0);
    const cloudLlm = await parley(['run', '--offline', '--llm', 'anthropic', '--in', speechFile('jfk.wav')], emptyModels());
    expect(cloudLlm).toMatchObject({ code: 2, stderr: expect.stringMatching(/^parley: error: offline mode forbids cloud providers: LLM 'anthropic'/) });
    const remoteOllama = await parley(['run', '--offline', '--llm', 'ollama', '--in', speechFile('jfk.wav')], { ...emptyModels(), PARLEY_OLLAMA_URL: 'http://192.0.2.10:11434/v1' });
    expect(remoteOllama).toMatchObject({ code: 2, stderr: expect.stringMatching(/LLM 'ollama' is refused \(its endpoint at 192\.0\.2\.10 is not on this machine/) });
    const realtime = await parley(['run', '--offline', '--mode', 's2s', '--s2s', 'openai-realtime', '--in', speechFile('jfk.wav')], emptyModels());
    expect(realtime).toMatchObject({ code: 2, stderr: expect.stringMatching(/offline mode forbids cloud providers: S2S 'openai-realtime'/) });
    for (const run of [r, cloudLlm, remoteOllama, realtime]) expect(run.stderr).not.toMatch(/NETWORK-GUARD/);
  });

  it('the guard is real: a fetch and a WebSocket-style connect in a guarded process are stopped', async () => {
    const script = "fetch('http://127.0.0.1:65000/').catch(() => require('node:net').connect(65000, '127.0.0.1'))";
    const r = await new Promise<string>((resolve) => execFile(process.execPath, ['--import', GUARD, '-e', script], { timeout: 10_000 }, (_e, _out, err) => resolve(err)));
    expect(r.match(/NETWORK-GUARD: connect/g)?.length).toBe(2);
  });

  it('a local Ollama on loopback is allowed: only the stages without a local model are named', async () => {
    const r = await parley(['run', '--offline', '--llm', 'ollama', '--in', speechFile('jfk.wav')], emptyModels());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/parley models pull zipformer-en-20m-streaming/);
    expect(r.stderr).toMatch(/parley models pull pocket-tts-int8-2026-01-26/);
    expect(r.stderr).not.toMatch(/qwen3|forbids|NETWORK-GUARD/);
  });
});
