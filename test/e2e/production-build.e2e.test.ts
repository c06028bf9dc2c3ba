import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';

// The browser tests load out/renderer, built by build-once.ts. It must be the bundle users get:
// vitest runs with NODE_ENV=test, which vite would otherwise pass on to React (its development build).
describe('the renderer bundle the browser tests load', () => {
  const assets = path.join(ROOT, 'out', 'renderer', 'assets');
  const code = readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(path.join(assets, f), 'utf8'))
    .join('\n');

  it('is a production build: React minified errors, none of its development-only warnings', () => {
    expect(code.length).toBeGreaterThan(0);
    // React's production build replaces error texts with links to its decoder.
    // (Booleans: a failure must not print the whole bundle.)
    expect(code.includes('Minified React error #'), 'React production error texts').toBe(true);
    // Development-only checks and the development-only element validation.
    expect(code.includes('Each child in a list should have a unique'), 'React development warnings').toBe(false);
    expect(code.includes('react-stack-bottom-frame'), 'React development stack frames').toBe(false);
  });
});
