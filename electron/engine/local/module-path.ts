import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The file a local inference process runs, given its compiled URL (`new URL('./x.js', import.meta.url)`):
 * the .js when it exists (the build, as shipped), else the .ts source beside it (running from
 * sources under tsx, e.g. `npm run check:local`: a forked child inherits tsx's loader flags).
 */
export function compiledOrSource(url: URL): string {
  const js = fileURLToPath(url);
  if (existsSync(js) || !js.endsWith('.js')) return js;
  const ts = `${js.slice(0, -3)}.ts`;
  return existsSync(ts) ? ts : js;
}
