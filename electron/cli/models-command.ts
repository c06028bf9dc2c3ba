import { MODEL_TASKS, PRESETS } from '../engine/models/catalog.js';
import { formatBytes } from '../shared/format.js';
import { modelsDir } from '../engine/models/paths.js';
import { ModelStore, type InstalledModel, type ModelListing } from '../engine/models/store.js';
import { ParleyError } from '../engine/errors.js';
import { defaultResourcesDir } from '../engine/resources.js';
import { EXIT_OK, type CliIo } from './io.js';
import { parseCommandArgs } from './options.js';
import { progressPrinter } from './progress.js';
import { MODELS_USAGE } from './usage.js';

function openStore(): ModelStore {
  return new ModelStore({ dir: modelsDir(), resourcesDir: defaultResourcesDir() });
}

export async function modelsCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === undefined) throw new ParleyError('cli/usage', 'models needs a subcommand: list, pull, import or remove (see: parley models --help)');
    io.stdout(MODELS_USAGE);
    return EXIT_OK;
  }
  switch (sub) {
    case 'list':
      return listModels(rest, io);
    case 'pull':
      return pullModel(rest, io);
    case 'import':
      return importModel(rest, io);
    case 'remove':
      return removeModel(rest, io);
    default:
      throw new ParleyError('cli/usage', `unknown models subcommand '${sub}' (list, pull, import or remove)`);
  }
}

function oneId(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new ParleyError('cli/usage', `${what} needs a model id (see: parley models list)`);
  if (positionals.length > 1) throw new ParleyError('cli/usage', `${what} takes one model id (got ${positionals.length})`);
  return positionals[0]!;
}

async function listModels(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('models', { args, strict: true, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return help(io);
  if (positionals.length) throw new ParleyError('cli/usage', `models list takes no arguments (got '${positionals[0]}')`);
  const store = openStore();
  const rows = await store.list();
  if (values.json) {
    io.stdout(JSON.stringify(rows.map(jsonRow)) + '\n');
    return EXIT_OK;
  }
  io.stdout(formatList(rows, store.dir));
  return EXIT_OK;
}

function jsonRow(r: ModelListing) {
  return { id: r.id, task: r.task, name: r.name, sizeBytes: r.sizeBytes, sha256: r.sha256, license: r.license, url: r.url, installed: r.installed, bundled: r.bundled, diskBytes: r.diskBytes, languages: r.languages, memoryMb: r.memoryMb };
}

function formatList(rows: ModelListing[], dir: string): string {
  const lines = [`Models in ${dir}`, ''];
  const table = rows.map((r) => [
    r.id,
    r.task,
    r.sizeBytes === null ? 'size ?' : formatBytes(r.sizeBytes),
    r.bundled ? 'bundled' : r.installed ? `installed (${formatBytes(r.diskBytes ?? 0)})` : '-',
    r.license,
    r.name + (r.sha256 ? '' : ' [no confirmed sha256: pull needs --sha256]'),
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...table.map((t) => t[i]!.length), ['id', 'task', 'size', 'installed', 'license'][i]!.length));
  const row = (cells: string[]) => cells.map((c, i) => (i < 5 ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd();
  lines.push(row(['id', 'task', 'size', 'installed', 'license', 'name']));
  for (const t of table) lines.push(row(t));
  const used = rows.filter((r) => r.installed && !r.bundled).reduce((sum, r) => sum + (r.diskBytes ?? 0), 0);
  lines.push('', `Disk used by installed models: ${formatBytes(used)}`, '', 'Presets:');
  for (const p of PRESETS) lines.push(`  ${p.name}: ${Object.values(p.models).join(', ')}`);
  return lines.join('\n') + '\n';
}

async function pullModel(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('models', { args, strict: true, allowPositionals: true, options: { sha256: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return help(io);
  const id = oneId(positionals, 'models pull');
  const store = openStore();
  const progress = progressPrinter(io.stderr, Boolean(io.stderrIsTty));
  let installed: InstalledModel;
  try {
    installed = await store.pull(id, {
      ...(values.sha256 !== undefined ? { sha256: values.sha256 } : {}),
      onStart: () => io.stderr(`parley: downloading ${id}\n`),
      onProgress: progress.update,
      onUnpack: () => {
        progress.finish();
        io.stderr('parley: verified; unpacking\n');
      },
    });
  } finally {
    progress.finish();
  }
  io.stdout(installedLine(installed));
  return EXIT_OK;
}

async function importModel(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('models', {
    args,
    strict: true,
    allowPositionals: true,
    options: { task: { type: 'string' }, sha256: { type: 'string' }, id: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return help(io);
  if (positionals.length !== 1) throw new ParleyError('cli/usage', 'models import needs one file, folder or URL: parley models import <file|url> --task <task>');
  if (!values.task) throw new ParleyError('cli/usage', `models import needs --task (${MODEL_TASKS.join(', ')})`);
  const store = openStore();
  const progress = progressPrinter(io.stderr, Boolean(io.stderrIsTty));
  let installed;
  try {
    installed = await store.import(positionals[0]!, {
      task: values.task,
      ...(values.sha256 !== undefined ? { sha256: values.sha256 } : {}),
      ...(values.id !== undefined ? { id: values.id } : {}),
      onProgress: progress.update,
      onUnpack: () => {
        progress.finish();
        io.stderr('parley: unpacking\n');
      },
    });
  } finally {
    progress.finish();
  }
  if (!installed.verified) io.stderr(`parley: not verified (no checksum was given or known)${installed.computedSha256 ? `; its sha256 is ${installed.computedSha256}` : ''}\n`);
  io.stdout(installedLine(installed));
  return EXIT_OK;
}

async function removeModel(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('models', { args, strict: true, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) return help(io);
  const id = oneId(positionals, 'models remove');
  if (!(await openStore().remove(id))) throw new ParleyError('model/not-installed', `'${id}' is not installed, so there is nothing to remove (see: parley models list)`);
  io.stdout(`Removed ${id}\n`);
  return EXIT_OK;
}

function installedLine(m: InstalledModel): string {
  return `Installed ${m.id} (${m.task}) in ${m.dir}${m.sha256 ? `, sha256 ${m.sha256}` : ''}\n`;
}

function help(io: CliIo): number {
  io.stdout(MODELS_USAGE);
  return EXIT_OK;
}
