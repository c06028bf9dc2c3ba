import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../paths.js';

/** Debian's Chromium (installed by .ci/run); playwright's own browser download cannot work here. */
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** axe-core in the page: the serious and critical violations, by rule id. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const axe = await import('axe-core');
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected script tags.
  await page.evaluate(axe.default.source);
  const result = await page.evaluate(async () => {
    const w = globalThis as unknown as { axe: { run: () => Promise<{ violations: { id: string; impact: string }[] }> } };
    return (await w.axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
}
