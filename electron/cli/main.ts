import { ParleyError, describeError } from '../engine/errors.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, processIo, type CliIo } from './io.js';
import { plainParseError } from './options.js';
import { parleyVersion } from './package-info.js';

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Each command is loaded when it runs: `parley --version` loads none of them, `parley vad` no provider or server. */
const commands: Record<string, () => Promise<Command>> = {
  vad: async () => (await import('./vad-command.js')).vadCommand,
  run: async () => (await import('./run-command.js')).runCommand,
  serve: async () => {
    const m = await import('./serve-command.js');
    return (args, io) => m.serveCommand(args, io);
  },
  models: async () => (await import('./models-command.js')).modelsCommand,
};

/** The overview and every command's options (the texts alone: no command module loads for them). */
export async function usage(): Promise<string> {
  return (await import('./usage.js')).fullUsage();
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
      return await command(rest, io);
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
