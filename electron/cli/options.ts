import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { ParleyError } from '../engine/errors.js';

/**
 * node:util parseArgs with its errors said in plain words ("unknown option --loud") instead of
 * the parser's own text (which suggests '-- "--loud"' to a user who mistyped an option).
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw plainParseError(e, command);
  }
}

/** A parseArgs error (code ERR_PARSE_ARGS_*) as a usage error in plain words; anything else as is. */
export function plainParseError(e: unknown, command: string): unknown {
  const code = (e as { code?: string } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return e;
  const message = (e as Error).message;
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const option = quoted.split(' ')[0]!;
  const help = `see: parley ${command} --help`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new ParleyError('cli/usage', `unknown option ${option} (${help})`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/argument missing/.test(message)) return new ParleyError('cli/usage', `${option} needs a value (${help})`);
    return new ParleyError('cli/usage', `${option} is a switch and takes no value (${help})`);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new ParleyError('cli/usage', `unexpected argument '${quoted}' (${help})`);
  return new ParleyError('cli/usage', `cannot understand the options (${help})`);
}

/**
 * Validates parsed option values; the first bad one becomes a sentence naming the option, what it
 * accepts (from `expects`) and what was given. Zod's own wording never reaches the user.
 */
export function checkOptions<S extends z.ZodType>(schema: S, values: Record<string, unknown>, expects: Record<string, string>): z.infer<S> {
  const checked = schema.safeParse(values);
  if (checked.success) return checked.data;
  const name = String(checked.error.issues[0]!.path[0] ?? '');
  const given = values[name];
  const what = expects[name] ?? 'a valid value';
  throw new ParleyError('cli/usage', `--${name} must be ${what}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`);
}
