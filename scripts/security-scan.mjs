// npm run security: Electronegativity over the compiled Electron code (main + preload). Fails on any
// HIGH finding not explained in security/electronegativity-allowlist.json ({check, file, reason}).
// Usage: node scripts/security-scan.mjs [dir] (default out/node/electron; run `tsc -b` first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const input = path.resolve(process.argv[2] ?? path.join(root, 'out', 'node', 'electron'));
if (!existsSync(input)) {
  console.error(`security: ${path.relative(root, input)} does not exist; build first (npm run build:node)`);
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8'));
const bin = createRequire(import.meta.url).resolve('@doyensec/electronegativity/dist/index.js');
// It tries to fetch Electron's release list (offline here: it says so and carries on), and scans
// the temp folder for a cached copy: give it a private one, so files other processes create and
// delete meanwhile cannot crash it. Its CSV writer sometimes leaves a garbled row (seen under load):
// such a report is not trusted and the scan runs again.
const SEVERITIES = new Set(['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH']);
let rows = [];
let unreadable = [];
for (let attempt = 1; attempt <= 3; attempt++) {
  const work = mkdtempSync(path.join(tmpdir(), 'parley-eneg-'));
  const out = path.join(work, 'findings.csv');
  const run = spawnSync(process.execPath, [bin, '-i', input, '-e', pkg.version, '-r', '-v', 'false', '-o', out], { env: { ...process.env, TMPDIR: work }, encoding: 'utf8' });
  if (!existsSync(out)) {
    console.error(`security: Electronegativity produced no report (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().slice(0, 500)}`);
    process.exit(2);
  }
  rows = parseCsv(readFileSync(out, 'utf8')).slice(1);
  unreadable = rows.filter((r) => !SEVERITIES.has(r[1]));
  if (unreadable.length === 0) break;
  console.log(`security: the report had ${unreadable.length} unreadable row(s); scanning again (attempt ${attempt})`);
}
if (unreadable.length > 0) {
  for (const r of unreadable) console.error(`security: unreadable report row: ${r.join(',').slice(0, 300)}`);
  process.exit(2);
}
const allow = JSON.parse(readFileSync(path.join(root, 'security', 'electronegativity-allowlist.json'), 'utf8'));
const findings = rows.map(([check, severity, confidence, file, location]) => ({ check, severity, confidence, file, location }));
const explained = (f) => allow.find((a) => a.check === f.check && (!a.file || a.file === f.file) && a.reason);
const blocking = findings.filter((f) => f.severity === 'HIGH' && !explained(f));
for (const f of findings) console.log(`security: ${f.severity.padEnd(6)} ${f.check} ${f.file}:${f.location}${explained(f) ? ' (allowed: ' + explained(f).reason + ')' : ''}`);
console.log(`security: ${findings.length} finding(s), ${blocking.length} unexplained high-severity`);
process.exit(blocking.length ? 1 : 0);

/** RFC 4180: quoted cells may hold commas, doubled quotes and newlines. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell.trim());
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell.trim());
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell.trim()]);
  return rows.filter((r) => r.some((c) => c));
}
