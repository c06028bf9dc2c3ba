// Loaded with `node --import` into a CLI run by a test: writes the process's peak resident memory
// (kB, from getrusage) to $PARLEY_TEST_PEAK_RSS_FILE when it exits, so memory bounds are measured, not guessed.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.PARLEY_TEST_PEAK_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
