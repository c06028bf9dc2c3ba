import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelMirror, type ModelMirror } from '../fakes/model-mirror.js';
import { accessibilityViolations, chromiumAvailable, launch, screenshot, startServe } from './browser.js';

// The Models page and the Offline only switch in the real UI, against `parley serve` with its own
// models folder and a mirror on this machine (loopback): a model is imported with its progress
// shown, paused (the connection closes), resumed (a Range request), installed, then deleted.
const run = chromiumAvailable() || process.env.CI === 'true';
const MODEL = randomBytes(3 * 1024 * 1024);
const HELD_AT = 256 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function noHorizontalOverflow(page: Page): Promise<void> {
  // (Expressions as text: this file is typechecked without the DOM's types.)
  const [scroll, client] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  expect(scroll).toBeLessThanOrEqual(client);
}

describe.runIf(run)('the Models page and offline mode in the browser', () => {
  let serve: ChildProcess;
  let url = '';
  let browser: Browser;
  let mirror: ModelMirror;
  const modelsDir = mkdtempSync(path.join(tmpdir(), 'parley-e2e-models-'));

  beforeAll(async () => {
    mirror = await startModelMirror({ '/tiny.gguf': MODEL }, { holdAfterBytes: HELD_AT });
    const served = await startServe({ PARLEY_MODELS_DIR: modelsDir });
    serve = served.process;
    url = served.url;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
    await mirror?.close();
  });

  it('imports from a mirror with progress, pauses and resumes it, installs and deletes it; catalog refusals in plain words; axe clean at 800 px', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Models' }).click();
    const models = page.getByRole('region', { name: 'Models', exact: true });
    await models.getByRole('heading', { name: 'Language models' }).waitFor({ timeout: 15_000 });

    // The catalog before any download: sizes (or "size unknown"), memory, licence, presets.
    const qwen = models.getByRole('listitem', { name: 'Qwen3 0.6B Q8_0 (GGUF)' });
    await expect(qwen.innerText()).resolves.toMatch(/qwen3-0\.6b-q8_0 · size unknown · about 1000 MB of memory · licence Apache-2\.0/);
    await expect(models.getByRole('listitem', { name: 'Smart Turn v3.2 (CPU, int8)' }).innerText()).resolves.toMatch(/8\.3 MB · about 60 MB of memory · licence BSD-2-Clause/);
    await expect(models.getByRole('listitem', { name: 'Silero VAD v6.2' }).innerText()).resolves.toMatch(/Bundled/);
    for (const name of ['Small: any laptop', 'Quality: needs a GPU']) await models.getByRole('article', { name }).getByRole('button', { name: `Install preset ${name}` }).waitFor();
    await expect(page.getByTestId('models-disk').innerText()).resolves.toBe('Downloaded models use 0 B of disk.');
    await noHorizontalOverflow(page);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'models-catalog');

    // A catalog model whose checksum nobody confirmed: refused in the page's words, a checksum field offered.
    await qwen.getByRole('button', { name: 'Install Qwen3 0.6B Q8_0 (GGUF)' }).click();
    await qwen.getByRole('alert').getByText(/no confirmed checksum for Qwen3 0\.6B Q8_0 \(GGUF\), so it is not installed unverified/).waitFor();
    await qwen.getByLabel('Checksum (sha256 from the publisher) for Qwen3 0.6B Q8_0 (GGUF)').waitFor();

    // Import from the mirror: the download is held after 256 KB, so its progress is there to see.
    const form = page.getByRole('form', { name: 'Import a model' });
    await form.getByLabel('Address or path').fill(`${mirror.url}/tiny.gguf`);
    await form.getByLabel('Task').selectOption({ label: 'Language models' });
    await form.getByLabel('Id (optional)').fill('tiny-llm');
    await form.getByLabel('Checksum, sha256 (optional)').fill(sha(MODEL));
    await form.getByRole('button', { name: 'Import' }).click();
    const bar = page.getByRole('progressbar', { name: 'Download of tiny-llm' });
    await bar.waitFor({ timeout: 10_000 });
    const expectedPercent = String(Math.round((HELD_AT / MODEL.length) * 100));
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 10_000 }).toBe(expectedPercent);
    await page.getByText('Downloading: 256 KB of 3.0 MB').waitFor();
    await noHorizontalOverflow(page);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'models-downloading');

    await page.getByRole('button', { name: 'Pause tiny-llm' }).click();
    await page.getByText('Paused: 256 KB of 3.0 MB').waitFor({ timeout: 10_000 });
    await expect.poll(() => mirror.requests[0]?.clientHungUp).toBe(true);
    mirror.faults = {};
    mirror.release();
    await page.getByRole('button', { name: 'Resume tiny-llm' }).click();
    const installed = models.getByRole('listitem', { name: 'tiny-llm' });
    await installed.getByText('Installed').waitFor({ timeout: 15_000 });
    expect(mirror.requests.map((r) => [r.range, r.status])).toEqual([
      [undefined, 200],
      [`bytes=${HELD_AT}-`, 206],
    ]);
    await expect(installed.innerText()).resolves.toMatch(/3\.0 MB on disk/);
    await expect(page.getByTestId('models-disk').innerText()).resolves.toBe('Downloaded models use 3.0 MB of disk.');
    expect(existsSync(path.join(modelsDir, 'tiny-llm', 'tiny.gguf'))).toBe(true);

    // Delete asks first, by keyboard too: Escape keeps the model (focus back on "Delete…"), Enter on the focused confirmation deletes.
    await installed.getByRole('button', { name: 'Delete tiny-llm' }).click();
    const confirm = installed.getByRole('group', { name: 'Confirm deleting tiny-llm' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-label")')).toBe('Delete tiny-llm');
    await page.keyboard.press('Enter');
    await confirm.getByRole('button', { name: 'Delete', exact: true }).waitFor();
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Delete');
    await page.keyboard.press('Enter');
    await installed.waitFor({ state: 'detached', timeout: 10_000 });
    await expect(page.getByTestId('models-disk').innerText()).resolves.toBe('Downloaded models use 0 B of disk.');
    expect(readdirSync(modelsDir).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect(problems).toEqual([]);
  }, 90_000);

  it('Offline only greys out the cloud providers with the reason, switches to local engines and names the models they still need', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    await page.goto(url);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('form', { name: 'Settings' });
    const offline = settings.getByRole('checkbox', { name: 'Offline only' });
    await offline.waitFor({ timeout: 15_000 });
    expect(await offline.isChecked()).toBe(false);
    const stt = settings.getByRole('group', { name: 'Speech recognition' });
    expect(await stt.getByRole('option', { name: /^Deepgram(?! Flux)/ }).isDisabled()).toBe(false);

    await offline.check();
    await settings.getByText(/Switched to local providers: Speech recognition: Local speech recognition \(sherpa-onnx\); Language model: Local LLM \(llama\.cpp\); Voice: Local voice \(sherpa-onnx\)/).waitFor();
    expect(await stt.getByRole('combobox', { name: 'Provider' }).inputValue()).toBe('sherpa-onnx');
    const deepgram = stt.getByRole('option', { name: /^Deepgram(?! Flux)/ });
    expect(await deepgram.isDisabled()).toBe(true);
    expect(await deepgram.textContent()).toBe('Deepgram — not available offline');
    await stt.getByRole('list', { name: 'Not available offline' }).getByText('Deepgram: Deepgram is a cloud service').waitFor();
    // The local engines' models are not installed: named, with the way to the Models page.
    const llm = settings.getByRole('group', { name: 'Language model' });
    await llm.getByRole('note', { name: 'Models not installed' }).getByText(/Qwen3 0\.6B Q8_0 \(GGUF\)/).waitFor();
    await noHorizontalOverflow(page);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'settings-offline');

    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('Settings saved.').waitFor();
    await llm.getByRole('button', { name: 'Get it on the Models page' }).click();
    await page.getByRole('region', { name: 'Models', exact: true }).waitFor();
    // Saved by the engine: a fresh page finds it on, the local engines chosen.
    await page.reload();
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('checkbox', { name: 'Offline only' }).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('checkbox', { name: 'Offline only' }).isChecked()).toBe(true);
    expect(await page.getByRole('group', { name: 'Language model' }).getByRole('combobox', { name: 'Provider' }).inputValue()).toBe('llama-cpp');
  }, 60_000);
});
