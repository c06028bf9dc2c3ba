#!/usr/bin/env node
// The `parley` command. Runs the compiled engine from out/ (built by `npm run build:node`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../out/node/electron/cli/index.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('parley: error: not built yet; run `npm run build:node` in the Parley folder first\n');
  process.exit(2);
}
await import(pathToFileURL(entry).href);
