import { ParleyError, describeError } from '../engine/errors.js';
import { EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK, processIo, type CliIo } from './io.js';
import { MODELS_USAGE, modelsCommand } from './models-command.js';
import { plainParseError } from './options.js';
import { parleyVersion } from './package-info.js';
import { RUN_USAGE, runCommand } from './run-command.js';
import { SERVE_USAGE, serveCommand } from './serve-command.js';
import { VAD_USAGE, vadCommand } from './vad-command.js';

export const USAGE = `parley - the Parley voice engine, headless

Usage:
  parley vad <file.wav> [options]   find the speech segments in a WAV file
  parley run --in <file.wav> [...]  talk to the cascade with a recording; prints replies and latencies
  parley serve [--port <n>]         serve the engine and the interface to a browser on 127.0.0.1
  parley models <list|pull|import|remove>
                                    local models for offline use (download, verify, install)
  parley <command> --help           options of a command
  parley --help | --version

${VAD_USAGE}
${RUN_USAGE}
${SERVE_USAGE}
${MODELS_USAGE}`;

const commands: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
  vad: vadCommand,
  run: runCommand,
  serve: (args, io) => serveCommand(args, io),
  models: modelsCommand,
};

/** Runs the CLI; returns the exit code. Errors become one line on stderr (exit 2 for bad input). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined) {
      io.stderr(USAGE);
      return EXIT_BAD_INPUT;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    if (first === '--version' || first === '-v') {
      io.stdout(`parley ${parleyVersion()}\n`);
      return EXIT_OK;
    }
    const command = commands[first];
    if (!command) throw new ParleyError('cli/usage', `unknown command '${first}' (try: parley --help)`);
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
    if (e.code === 'provider/missing-key') return true; // configuration, like a bad option
    if (e.code === 'model/download-failed' || e.code === 'model/disk-full') return false; // the network or the machine, not the input
    return !e.code.startsWith('provider/') && e.code !== 'onnx/inference-failed';
  }
  return false;
}
