import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../paths.js';

/** Debian's Chromium (installed by .ci/run); playwright's own browser download cannot work here. */
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** Chromium with a fake microphone: silence, or `microphoneWav` played once (it must be a 16-bit WAV). */
export async function launch(microphoneWav?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      ...(microphoneWav ? [`--use-file-for-fake-audio-capture=${microphoneWav}%noloop`] : []),
    ],
  });
}

/** `parley serve` as a user runs it (the built CLI), with its own data folder; resolves with the printed URL. */
export async function startServe(env: NodeJS.ProcessEnv, settingsFile?: string): Promise<{ url: string; process: ChildProcess; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-'));
  if (settingsFile !== undefined) writeFileSync(path.join(dataDir, 'settings.json'), settingsFile);
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'parley.js'), 'serve'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PARLEY_DATA_DIR: dataDir, ...env } });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(out);
      if (m) resolve(m[0]);
    });
    child.on('exit', (code) => reject(new Error(`parley serve exited (${code}): ${out}${err}`)));
  });
  return { url, process: child, dataDir };
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

/** The engine is ready for a conversation (voice activity detection loaded): the state says "Not started". */
export async function engineReady(page: Page): Promise<void> {
  await page.getByTestId('conversation-state').getByText('Not started', { exact: true }).waitFor({ timeout: 15_000 });
}

/** How far the page scrolls sideways past the window, in px (0 or less: it fits). Runs in the page; the test project has no DOM types. */
export function horizontalOverflowPx(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = globalThis as unknown as { innerWidth: number; document: { scrollingElement: { scrollWidth: number } } };
    return w.document.scrollingElement.scrollWidth - w.innerWidth;
  });
}
