import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT, speechFile } from '../../paths.js';

// What each command loads, listed by a loader hook preloaded into the compiled `parley` (no timing:
// the start-up cost itself is measured by the bench). A command loads its own dependencies only.
const MODULE_LOG = pathToFileURL(path.join(ROOT, 'test', 'helpers', 'module-log.mjs')).href;
const OUT = path.join(ROOT, 'out', 'node', 'electron');

interface Loaded {
  code: number;
  stdout: string;
  stderr: string;
  /** Packages from node_modules, by name. */
  packages: Set<string>;
  /** The project's own compiled modules, relative to out/node/electron. */
  own: string[];
}

/** Runs node on `args` with the module log preloaded; lists what it loaded. */
function loadsOf(args: string[], env: Record<string, string> = {}): Promise<Loaded> {
  const log = path.join(mkdtempSync(path.join(tmpdir(), 'parley-modules-')), 'modules.txt');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', MODULE_LOG, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PARLEY_MODULE_LOG: log, ...env } }, (error, stdout, stderr) => {
      const files = readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line && !line.startsWith('node:'))
        .map((line) => (line.startsWith('file:') ? decodeURIComponent(new URL(line).pathname) : line));
      const packages = new Set(files.flatMap((f) => packageOf(f) ?? []));
      const own = [...new Set(files.filter((f) => f.startsWith(OUT + path.sep)).map((f) => path.relative(OUT, f)))].sort();
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, packages, own });
    });
  });
}

function packageOf(file: string): string | undefined {
  const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
  return m?.[1]?.replace('\\', '/');
}

const parley = (...args: string[]) => loadsOf([path.join(ROOT, 'bin', 'parley.js'), ...args]);
const HEAVY = ['openai', '@anthropic-ai/sdk', 'onnxruntime-node', 'ws', 'zod', '@evan/opus', '@msgpack/msgpack'];

describe('what a command loads', () => {
  it('parley --version loads no package and none of the engine: only the entry, the version and the error text', async () => {
    const r = await parley('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^parley \d+\.\d+\.\d+/);
    expect([...r.packages]).toEqual([]);
    expect(r.own.filter((f) => !/^cli[\\/]/.test(f) && f !== path.join('engine', 'errors.js'))).toEqual([]);
    expect(r.own).not.toContain(path.join('cli', 'run-command.js'));
    expect(r.own).not.toContain(path.join('cli', 'serve-command.js'));
  });

  it('parley --help prints every command from the usage texts, loading no provider SDK, native addon or WebSocket library', async () => {
    const r = await parley('--help');
    expect(r.code).toBe(0);
    for (const command of ['parley vad', 'parley run --in', 'parley serve', 'parley models pull']) expect(r.stdout).toContain(command);
    // The usage texts name the registry's providers, whose settings schemas are zod: that much loads.
    expect([...r.packages].filter((name) => name !== 'zod')).toEqual([]);
    // The texts live in cli/usage: no command module (and so none of what they import) loads to print them.
    for (const command of ['vad-command.js', 'run-command.js', 'serve-command.js', 'models-command.js']) expect(r.own).not.toContain(path.join('cli', command));
    expect(r.own.filter((f) => /^engine[\\/](cascade|s2s|session|onnx|audio[\\/]wav)/.test(f))).toEqual([]);
  });

  it('parley vad loads onnxruntime (it runs Silero) but no provider SDK, no WebSocket and no server', async () => {
    const r = await parley('vad', speechFile('jfk.wav'));
    expect(r.code).toBe(0);
    expect(r.packages).toContain('onnxruntime-node');
    for (const name of ['openai', '@anthropic-ai/sdk', 'ws', '@evan/opus']) expect(r.packages).not.toContain(name);
    expect(r.own.filter((f) => /^cli[\\/]serve|^engine[\\/](providers|cascade|s2s|session)[\\/]/.test(f))).toEqual([]);
  });

  it('parley models list loads no provider, no native addon and no WebSocket library', async () => {
    const models = path.join(mkdtempSync(path.join(tmpdir(), 'parley-models-')), 'models');
    const r = await loadsOf([path.join(ROOT, 'bin', 'parley.js'), 'models', 'list'], { PARLEY_MODELS_DIR: models });
    expect(r.code).toBe(0);
    expect([...r.packages].filter((name) => name !== 'zod')).toEqual([]);
    expect(r.own.filter((f) => /^engine[\\/](providers|cascade|s2s|session|onnx)[\\/]/.test(f))).toEqual([]);
  });

  it('the provider registry loads no vendor SDK; a provider loads its own SDK when it first talks, and no other', async () => {
    const registry = pathToFileURL(path.join(OUT, 'engine', 'providers', 'registry.js')).href;
    const script = (talk: boolean) => `
      const { resolveProvider, createProvider } = await import(${JSON.stringify(registry)});
      // A closed loopback port: the request fails at once, after the SDK has loaded.
      const resolved = resolveProvider('llm', 'anthropic', { baseUrl: 'http://127.0.0.1:9' }, {}, 'test-key');
      const llm = createProvider(resolved, { retry: { maxAttempts: 1 } });
      process.stdout.write('created\\n');
      if (${talk}) {
        try {
          for await (const _ of llm.stream({ messages: [{ role: 'user', content: 'hi' }] })) void _;
        } catch (e) {
          process.stdout.write('failed: ' + e.code + '\\n');
        }
      }
    `;
    const created = await loadsOf(['--input-type=module', '-e', script(false)]);
    expect(created.stdout).toContain('created');
    for (const name of ['openai', '@anthropic-ai/sdk', 'ws', 'onnxruntime-node']) expect(created.packages).not.toContain(name);

    const talked = await loadsOf(['--input-type=module', '-e', script(true)]);
    expect(talked.stdout).toContain('failed: provider/unreachable');
    expect(talked.packages).toContain('@anthropic-ai/sdk');
    for (const name of ['openai', 'ws', 'onnxruntime-node']) expect(talked.packages).not.toContain(name);
  });

  it('the packages a command may need exist (so the assertions above name real packages)', () => {
    for (const name of HEAVY) expect(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).toContain(`"name"`);
  });
});
