import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// The README is read before anything else: every file it points at must exist in the repository,
// and so must every document it cites by name.
describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('links only to files the repository has', () => {
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.map((t) => t.split('#')[0]!).filter((t) => !existsSync(path.join(ROOT, t)))).toEqual([]);
  });

  it('cites the design document where it is (docs/DESIGN.md), and links it', () => {
    const bare = [...readme.matchAll(/(?<![\w/])DESIGN\.md/g)].length;
    expect(bare).toBe(0);
    expect(readme).toContain('](docs/DESIGN.md');
    expect(existsSync(path.join(ROOT, 'docs', 'DESIGN.md'))).toBe(true);
  });

  it('tells a user who cannot run Electron how to use the app in a browser', () => {
    expect(readme).toContain('npm run build && npx parley serve');
    expect(readme).toMatch(/Electron 45 does not download its binary at install time/);
  });
});
