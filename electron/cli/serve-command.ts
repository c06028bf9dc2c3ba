import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ParleyError } from '../engine/errors.js';
import { MemorySecretStore } from '../engine/settings/secret-store.js';
import { buildEngineRoot } from '../engine/session/engine-root.js';
import { EXIT_OK, type CliIo } from './io.js';
import { parleyVersion } from './package-info.js';
import { startServeServer } from './serve/server.js';
import { SERVE_USAGE } from './usage.js';

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
  // Settings persist in PARLEY_DATA_DIR (default ~/.parley); keys entered in the page are kept in
  // memory only (headless mode has no OS keychain), the environment's <NAME>_API_KEY otherwise.
  const { engine, conversation, handlers } = await buildEngineRoot({
    dataDir: process.env.PARLEY_DATA_DIR ?? path.join(homedir(), '.parley'),
    version: parleyVersion(),
    secrets: new MemorySecretStore(),
    keyStorage: 'memory',
    // Opting in on the command line is the approval; each command is shown before it runs.
    ...(values['allow-launch'] ? { approveLaunch: async (command: string) => (io.stderr(`parley: starting a local server: ${command}\n`), true) } : {}),
    warn: (m) => io.stderr(`parley: ${m}\n`),
  });
  const started = engine.start();
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
