// Start-up benchmarks, each in fresh Node processes (start-up is what a process pays once):
// `parley --version` against a bare `node -e 0`, and the app's engine from process start until the
// conversation is listening (settings, keys, the VAD model, a cascade session connected to local
// fake providers), built the way the desktop app and `parley serve` build it.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startFakeDeepgram } from '../fakes/deepgram.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { ROOT } from '../paths.js';
import { summarize, type Summary } from './stats.js';

/** Wall time of one child process, from spawn to exit (ms). */
function wallMs(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return ms;
}

export interface CliStart {
  bareNodeMs: Summary;
  versionMs: Summary;
  helpMs: Summary;
  /** p50 of `parley --version` over p50 of `node -e 0`. */
  versionRatio: number;
  helpRatio: number;
}

/** `parley --version` and `--help` against a bare node, interleaved so load on the machine hits all three alike. */
export function cliStart(runs: number): CliStart {
  const bin = path.join(ROOT, 'bin', 'parley.js');
  const bare: number[] = [];
  const version: number[] = [];
  const help: number[] = [];
  wallMs(['-e', '0']); // warm the file cache
  wallMs([bin, '--version']);
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs(['-e', '0']));
    version.push(wallMs([bin, '--version']));
    help.push(wallMs([bin, '--help']));
  }
  const bareNodeMs = summarize(bare);
  const versionMs = summarize(version);
  const helpMs = summarize(help);
  return { bareNodeMs, versionMs, helpMs, versionRatio: versionMs.p50 / bareNodeMs.p50, helpRatio: helpMs.p50 / bareNodeMs.p50 };
}

export interface AppStart {
  /** Process start -> the conversation is running (listening), ms. */
  toListeningMs: Summary;
  /** Of which: importing the engine's modules. */
  importMs: Summary;
  /** Of which: the VAD model loaded (engine start). */
  vadLoadedMs: Summary;
}

/**
 * App start to listening, in fresh processes: import the engine, load settings and keys, start
 * the engine (Silero), attach a UI, press Start, until the session reports running with the fake
 * STT connected. The fakes run in this process, so the child pays only the engine's own start.
 */
export async function appStartToListening(runs: number): Promise<AppStart> {
  const deepgram = await startFakeDeepgram({ utterances: [] });
  const openai = await startFakeOpenAi({});
  const mod = (p: string) => JSON.stringify(pathToFileURL(path.join(ROOT, 'out', 'node', 'electron', ...p.split('/'))).href);
  try {
    const results: { imported: number; vadLoaded: number; listening: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const dir = mkdtempSync(path.join(tmpdir(), 'parley-bench-start-'));
      const script = `
        const [{ EngineHost }, { SettingsStore }, { MemorySecretStore }, { saveBoundKey }, { ConversationHost }] = await Promise.all([
          import(${mod('engine/session/engine-host.js')}),
          import(${mod('engine/settings/settings-store.js')}),
          import(${mod('engine/settings/secret-store.js')}),
          import(${mod('engine/settings/key-binding.js')}),
          import(${mod('engine/session/conversation-host.js')}),
        ]);
        const imported = performance.now();
        const engine = new EngineHost('bench', undefined, undefined, 'memory');
        const started = engine.start();
        const store = new SettingsStore(${JSON.stringify(path.join(dir, 'settings.json'))});
        await store.load();
        await store.update((s) => {
          s.providers.stt.deepgram = { baseUrl: ${JSON.stringify(deepgram.url)} };
          s.providers.llm.openai = { baseUrl: ${JSON.stringify(openai.baseUrl)} };
          s.providers.tts.openai = { baseUrl: ${JSON.stringify(openai.baseUrl)} };
        });
        const secrets = new MemorySecretStore();
        await saveBoundKey(secrets, 'deepgram', ${JSON.stringify(deepgram.key)}, ${JSON.stringify(deepgram.url)});
        await saveBoundKey(secrets, 'openai', ${JSON.stringify(openai.key)}, ${JSON.stringify(openai.baseUrl)});
        await started;
        const vadLoaded = performance.now();
        const host = new ConversationHost({ settings: () => store.settings, secrets, vadModel: () => engine.vadModel(), env: {} });
        const running = new Promise((resolve, reject) => {
          const handle = host.attach({
            send: (m) => {
              if (m.type === 'session' && m.status.state === 'running') resolve(performance.now());
              if (m.type === 'session' && m.status.state === 'failed') reject(new Error(JSON.stringify(m.status)));
            },
            sendAudio: () => {},
            close: () => {},
          });
          handle.receive({ type: 'start', inputRate: 16000 });
        });
        const listening = await running;
        process.stdout.write(JSON.stringify({ imported, vadLoaded, listening }));
        await host.stop();
        await engine.stop();`;
      // Asynchronously: the fakes answer from this process's event loop.
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir } });
      results.push(JSON.parse(stdout) as { imported: number; vadLoaded: number; listening: number });
    }
    return {
      toListeningMs: summarize(results.map((r) => r.listening)),
      importMs: summarize(results.map((r) => r.imported)),
      vadLoadedMs: summarize(results.map((r) => r.vadLoaded)),
    };
  } finally {
    await deepgram.close();
    await openai.close();
  }
}
