import { ParleyError, describeError } from '../engine/errors.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, processIo, type CliIo } from './io.js';
import { plainParseError } from './options.js';
import { parleyVersion } from './package-info.js';

const OVERVIEW = `parley - the Parley voice engine, headless

Usage:
  parley vad <file.wav> [options]   find the speech segments in a WAV file
  parley run --in <file.wav> [...]  talk to the cascade with a recording; prints replies and latencies
  parley serve [--port <n>]         serve the engine and the interface to a browser on 127.0.0.1
  parley models <list|pull|import|remove>
                                    local models for offline use (download, verify, install)
  parley <command> --help           options of a command
  parley --help | --version
`;

interface Command {
  run: (args: string[], io: CliIo) => Promise<number>;
  usage: string;
}

/** Each command is loaded when it runs: `parley --version` loads none of them, `parley vad` no provider or server. */
const commands: Record<string, () => Promise<Command>> = {
  vad: async () => {
    const m = await import('./vad-command.js');
    return { run: m.vadCommand, usage: m.VAD_USAGE };
  },
  run: async () => {
    const m = await import('./run-command.js');
    return { run: m.runCommand, usage: m.RUN_USAGE };
  },
  serve: async () => {
    const m = await import('./serve-command.js');
    return { run: (args, io) => m.serveCommand(args, io), usage: m.SERVE_USAGE };
  },
  models: async () => {
    const m = await import('./models-command.js');
    return { run: m.modelsCommand, usage: m.MODELS_USAGE };
  },
};

/** The overview and every command's options. */
export async function usage(): Promise<string> {
  const all = await Promise.all(Object.values(commands).map((load) => load()));
  return [OVERVIEW, ...all.map((c) => c.usage)].join('\n');
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr (exit 2 for bad input). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr(await usage());
      return EXIT_BAD_INPUT;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      io.stdout(await usage());
      return EXIT_OK;
    }
    if (first === '--version' || first === '-v') {
      io.stdout(`parley ${parleyVersion()}\n`);
      return EXIT_OK;
    }
    const load = Object.hasOwn(commands, first) ? commands[first] : undefined;
    if (!load) throw new ParleyError('cli/usage', `unknown command '${first}' (try: parley --help)`);
    const command = await load();
    try {
      return await command.run(rest, io);
    } catch (e) {
      throw plainParseError(e, first); // commands that call parseArgs directly
    }
  } catch (e) {
    io.stderr(`parley: error: ${errorLine(e)}\n`);
    return isBadInput(e) ? EXIT_BAD_INPUT : EXIT_FAILURE;
  }
}

function errorLine(e: unknown): string {
  return describeError(e).split('\n')[0]!.trim();
}

/** Usage mistakes, missing keys, unreadable or invalid files and models: the user's input (exit 2), not a service fault (exit 1). */
function isBadInput(e: unknown): boolean {
  if (e instanceof ParleyError) {
    if (e.code === 'provider/missing-key' || e.code === 'provider/unknown') return true; // configuration, like a bad option
    if (e.code === 'model/download-failed' || e.code === 'model/disk-full') return false; // the network or the machine, not the input
    return !e.code.startsWith('provider/') && e.code !== 'onnx/inference-failed';
  }
  return false;
}
