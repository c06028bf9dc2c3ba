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
const work = mkdtempSync(path.join(tmpdir(), 'parley-eneg-'));
const out = path.join(work, 'findings.csv');
// It tries to fetch Electron's release list (offline here: it says so and carries on), and scans
// the temp folder for a cached copy: give it a private one, so files other processes create and
// delete meanwhile cannot crash it.
const run = spawnSync(process.execPath, [bin, '-i', input, '-e', pkg.version, '-r', '-v', 'false', '-o', out], { env: { ...process.env, TMPDIR: work }, encoding: 'utf8' });
if (!existsSync(out)) {
  console.error(`security: Electronegativity produced no report (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().slice(0, 500)}`);
  process.exit(2);
}
const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).filter(Boolean).map(parseCsvLine);
const allow = JSON.parse(readFileSync(path.join(root, 'security', 'electronegativity-allowlist.json'), 'utf8'));
const findings = rows.map(([check, severity, confidence, file, location]) => ({ check, severity, confidence, file, location }));
const explained = (f) => allow.find((a) => a.check === f.check && (!a.file || a.file === f.file) && a.reason);
const blocking = findings.filter((f) => f.severity === 'HIGH' && !explained(f));
for (const f of findings) console.log(`security: ${f.severity.padEnd(6)} ${f.check} ${f.file}:${f.location}${explained(f) ? ' (allowed: ' + explained(f).reason + ')' : ''}`);
console.log(`security: ${findings.length} finding(s), ${blocking.length} unexplained high-severity`);
process.exit(blocking.length ? 1 : 0);

function parseCsvLine(line) {
  const cells = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      cells.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  cells.push(cur.trim());
  return cells;
}
