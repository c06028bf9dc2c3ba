// Preloaded into a child `parley` (node --import) to list every module it loads, one URL or path
// a line, into the file named by PARLEY_MODULE_LOG: ES modules as the loader resolves them (a hook
// on the loader's thread), CommonJS ones (a native addon's package, required) from the require
// cache when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.PARLEY_MODULE_LOG;
if (log) {
  register(new URL('./module-log-hooks.mjs', import.meta.url), { data: { log } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => appendFileSync(log, Object.keys(cache).map((file) => `${file}\n`).join('')));
}
