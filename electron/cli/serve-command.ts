import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ParleyError } from '../engine/errors.js';
import { ConversationHost } from '../engine/session/conversation-host.js';
import { EngineHost } from '../engine/session/engine-host.js';
import { SileroVadModel } from '../engine/vad/silero.js';
import { JsonlTranscriptLog } from '../engine/session/transcript-log.js';
import { settingsHandlers } from '../engine/settings/handlers.js';
import { MemorySecretStore } from '../engine/settings/secret-store.js';
import { SettingsStore } from '../engine/settings/settings-store.js';
import { EXIT_OK, type CliIo } from './io.js';
import { parleyVersion } from './package-info.js';
import { startServeServer } from './serve/server.js';

export const SERVE_USAGE = `Usage: parley serve [--port <n>] [--allow-launch]

Runs the engine and serves the app's interface on http://127.0.0.1 for a browser (and for the
end-to-end tests). The printed URL carries a random access token (after #, so it is never sent
in a request; the page removes it from the address bar); other pages cannot reach the engine.

Options:
  --port <n>       port to listen on (default: any free port)
  --allow-launch   let the page's settings start a local model server (its launch command runs
                   on this machine; each command is printed before it runs)
`;

/** out/renderer, next to out/node where this file is compiled. */
function rendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'renderer');
}

export async function serveCommand(args: string[], io: CliIo, until: Promise<void> = waitForSignal()): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { port: { type: 'string' }, 'allow-launch': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    io.stdout(SERVE_USAGE);
    return EXIT_OK;
  }
  const port = z.coerce.number().int().min(0).max(65535).safeParse(values.port ?? 0);
  if (!port.success) throw new ParleyError('cli/usage', `invalid --port: ${values.port}`);
  const dir = rendererDir();
  if (!existsSync(path.join(dir, 'index.html'))) throw new ParleyError('cli/usage', 'the interface is not built: run `npm run build` first');
  const engine = new EngineHost(parleyVersion(), undefined, undefined, 'memory');
  const started = engine.start();
  // Settings persist in PARLEY_DATA_DIR (default ~/.parley); keys entered in the page are kept in
  // memory only (headless mode has no OS keychain), the environment's <NAME>_API_KEY otherwise.
  const dataDir = process.env.PARLEY_DATA_DIR ?? path.join(homedir(), '.parley');
  const settings = new SettingsStore(path.join(dataDir, 'settings.json'));
  const loaded = await settings.load();
  if (loaded.notice) {
    io.stderr(`parley: ${loaded.notice}\n`);
    engine.notify(loaded.notice);
  }
  const secrets = new MemorySecretStore();
  // Conversations are also appended to transcripts.jsonl there, so none is lost with the page.
  const log = new JsonlTranscriptLog(path.join(dataDir, 'transcripts.jsonl'), (e) => {
    io.stderr(`parley: ${e.message}\n`);
    conversation.notice(`Conversations are not being saved: ${e.message}`);
  });
  const conversation = new ConversationHost({ settings: () => settings.settings, secrets, vadModel: () => engine.vadModel(),
    loadVad: () => SileroVadModel.load(),
    // Opting in on the command line is the approval; each command is shown before it runs.
    ...(values['allow-launch'] ? { approveLaunch: async (command: string) => (io.stderr(`parley: starting a local server: ${command}\n`), true) } : {}),
    log,
    warn: (m) => io.stderr(`parley: ${m}\n`) });
  const handlers = { ...settingsHandlers(settings, secrets, process.env, (what) => conversation.settingsChanged(what)), 'parley:engine-info': () => engine.info(), 'parley:server-logs': () => conversation.serverLogs() };
  let server;
  try {
    server = await startServeServer({ rendererDir: dir, port: port.data, handlers, conversation, warn: (m) => io.stderr(`parley: ${m}\n`) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new ParleyError('cli/usage', `port ${port.data} is already in use`);
    throw e;
  }
  io.stdout(`Parley is serving on ${server.url}\n(only this machine can connect; press Ctrl+C to stop)\n`);
  await started;
  await until;
  await conversation.shutdown();
  await server.close();
  await engine.stop();
  return EXIT_OK;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
