// Prints the plain summary line CI reads, from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
if (!existsSync(file)) {
  // Typecheck or lint failed before any test ran.
  console.log('ci: no test report (typecheck or lint failed before the tests ran)');
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
// Suites that failed to load (syntax error, missing import) count as failures too.
const brokenSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenSuites} failed${skipped ? `, ${skipped} skipped` : ''}`);
