import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readWavFile } from '../../../electron/engine/audio/wav.js';
import { runParley } from '../../helpers/cli.js';
import { FIXTURE_STT, FIXTURE_TTS } from '../../helpers/sherpa.js';
import { microphoneWav } from '../../helpers/speech.js';
import { ROOT, SHARED_MODELS, speechFile } from '../../paths.js';

/** Any connect (loopback too) or DNS lookup prints NETWORK-GUARD and fails; child processes inherit it. */
const GUARD = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'no-network-guard.mjs')).href;
const TINY_GGUF = path.join(SHARED_MODELS, 'llama-2-tiny-random', 'llama-2-tiny-random.gguf');

/** A network namespace of its own, loopback up (when `ip` is there) and nothing else. */
function namespaceWrapper(): string[] | undefined {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return ['unshare', '-n', 'sh', '-c', 'command -v ip >/dev/null && ip link set lo up; exec "$@"', 'sh'];
}

function guardedParley(args: string[], env: Record<string, string>, wrapper: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = [...wrapper, process.execPath, '--import', GUARD, path.join(ROOT, 'bin', 'parley.js'), ...args];
  return new Promise((resolve) => {
    execFile(command[0]!, command.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The three local models installed under the catalog ids of the small preset, as a user's `parley models import` would. */
async function installedLocalModels(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-offline-all-'));
  const imports = [
    [FIXTURE_STT, 'stt', 'zipformer-en-20m-streaming'],
    [TINY_GGUF, 'llm', 'qwen3-0.6b-q8_0'],
    [FIXTURE_TTS, 'tts', 'pocket-tts-int8-2026-01-26'],
  ] as const;
  for (const [source, task, id] of imports) expect(await runParley(['models', 'import', source, '--task', task, '--id', id], { PARLEY_MODELS_DIR: dir })).toMatchObject({ code: 0 });
  return dir;
}

describe('a whole spoken conversation with no network', () => {
  // Real speech in, Silero VAD, sherpa-onnx STT, llama.cpp, sherpa-onnx TTS, audio out: every stage
  // in a process of this machine, every socket refused, and (where the kernel allows) no network at all.
  it('parley run --offline: two recordings heard, answered and spoken by the embedded engines, no connection attempted', async () => {
    const models = await installedLocalModels();
    const out = path.join(models, 'reply.wav');
    const wrapper = namespaceWrapper() ?? [];
    const input = await microphoneWav([0.4, 'librivox-ss01-0880.wav', 2.5, 'jfk.wav', 2.5]);
    const r = await guardedParley(['run', '--offline', '--in', input, '--out', out, '--llm-max-tokens', '8', '--json', '--speed', '0'], { PARLEY_MODELS_DIR: models }, wrapper);
    expect(r.stderr).not.toMatch(/NETWORK-GUARD/);
    expect(r.code).toBe(0);
    const turns = (JSON.parse(r.stdout) as { turns: { user: string; assistant: string; speechEndS: number; interrupted?: boolean }[] }).turns;
    // Each recording has pauses of its own, and the stand-in recognizer's gibberish never sounds
    // finished, so a pause inside a sentence may end a turn too: at least one turn per recording.
    if (process.env.DEBUG_OFFLINE) console.log(r.stdout, r.stderr);
    expect(turns.length).toBeGreaterThanOrEqual(2);
    for (const turn of turns) expect(turn.user).toMatch(/\w/);
    // Each answered turn located in the input file, in order (a reply talked over before it was
    // heard reports no latency); the last one in the second recording.
    const ends = turns.flatMap((t) => (t.speechEndS === undefined ? [] : [t.speechEndS]));
    expect(ends).toEqual([...ends].sort((a, b) => a - b));
    const firstEnds = 0.4 + (await readWavFile(speechFile('librivox-ss01-0880.wav'))).channels[0]!.length / 16000;
    expect(turns[0]!.speechEndS ?? 0).toBeLessThanOrEqual(firstEnds + 0.1);
    expect(turns.at(-1)!.speechEndS).toBeGreaterThan(firstEnds + 2.5);
    // The last reply was heard to its end. Its words are random-weight llama.cpp samples: any one
    // reply may be only tokens that make no speakable text (byte pieces, markup), so words are
    // asked of the conversation, not of one reply.
    // (On failure, the run's whole output: the turns and what the engines said.)
    const output = `${r.stdout}\n${r.stderr}`;
    expect(turns.at(-1)!.interrupted, output).toBeUndefined();
    expect(turns.some((t) => /\w/.test(t.assistant)), output).toBe(true);
    expect(r.stderr).toMatch(/llama\.cpp runs on cpu with 1 thread\(s\)/);
    const reply = await readWavFile(out);
    // The generated voice speaks at 16 kHz; the sink resamples to its 24 kHz: some audio of each reply.
    expect(reply.channels[0]!.length).toBeGreaterThan(0);
    expect(reply.channels[0]!.some((s) => Math.abs(s) > 1e-3)).toBe(true);
  }, 120_000);
});
