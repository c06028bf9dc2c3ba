import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOTS, accessibilityViolations, chromiumAvailable, launch, screenshot, startServe, horizontalOverflowPx } from './browser.js';

// The settings screen as a person uses it: sections with Advanced folded away, help and words for
// every choice, a shortcut recorded by pressing it, Save always in view with unsaved changes
// guarded, and the engine's refusal at the field. Real renderer, real engine (`parley serve`).
const run = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(run)('the settings screen in Chromium', () => {
  let serve: ChildProcess;
  let url = '';
  let dataDir = '';
  let browser: Browser;

  beforeAll(async () => {
    const served = await startServe({ OPENAI_API_KEY: '', DEEPGRAM_API_KEY: '' });
    serve = served.process;
    url = served.url;
    dataDir = served.dataDir;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
  });

  const openSettings = async (page: Page) => {
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('form', { name: 'Settings' }).waitFor();
  };
  const nav = (page: Page, name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true });
  const overflow = horizontalOverflowPx;
  const focusedLabel = (page: Page) => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { labels?: { textContent: string }[] } | null } }).document.activeElement?.labels?.[0]?.textContent ?? '');

  it('each stage shows its essentials with help; Advanced is collapsed by default; choices are in words; Moshi shows an example command', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.goto(url);
    await openSettings(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'settings-top-800x600.png') });
    const stt = page.getByRole('group', { name: 'Speech recognition' });
    const model = stt.getByLabel('Model', { exact: true });
    expect(await model.isVisible()).toBe(true);
    expect(await stt.getByText('Which model to use. Leave empty for the default shown.').isVisible()).toBe(true);
    // Connection tuning is folded away until asked for.
    const stall = stt.getByLabel('Stall timeout (ms)');
    expect(await stall.isVisible()).toBe(false);
    expect(await stt.locator('details').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    await stt.getByText('Advanced', { exact: true }).click();
    expect(await stall.isVisible()).toBe(true);
    expect(await stt.getByText(/How long Parley waits for the service to answer .* Default: 10,000\u00a0ms\./).isVisible()).toBe(true);
    // The speech-to-speech model: Moshi's launch command with a concrete example.
    const s2s = page.getByRole('group', { name: 'Speech-to-speech' });
    expect(await s2s.getByLabel('Launch command').getAttribute('placeholder')).toBe('e.g. python -m moshi.server --port 8998 --static none');
    await s2s.getByText(/Example: python -m moshi\.server --port 8998 --static none/).waitFor();
    // OpenAI Realtime's turn detection in words, not its API values.
    await s2s.getByLabel('Provider').selectOption('openai-realtime');
    const detection = s2s.getByLabel('Turn detection');
    expect(await detection.locator('option').allTextContents()).toEqual(['Silence: ends after a fixed pause', 'Semantic: waits for complete thoughts']);
    // The sections are one click away.
    await page.getByRole('navigation', { name: 'Settings sections' }).getByRole('button', { name: 'Shortcuts' }).click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe('Record shortcut');
    // The local LLM's graphics card choice in words.
    await page.getByRole('group', { name: 'Language model' }).getByLabel('Provider').selectOption('llama-cpp');
    expect(await page.getByLabel('Graphics card (GPU)').locator('option').allTextContents()).toEqual(['Automatic', 'Off (processor only)', 'NVIDIA (CUDA)', 'Vulkan', 'Apple (Metal)']);
  });

  it('an edit shows "Unsaved changes"; leaving asks: Stay keeps the edit, Discard drops it, Save keeps it and leaves', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await openSettings(page);
    const bar = page.getByTestId('settings-savebar');
    expect(await bar.getByText('No unsaved changes').count()).toBe(1);
    const prompt = page.getByLabel('System prompt');
    const before = await prompt.inputValue();
    await prompt.fill('Answer in one sentence.');
    await bar.getByText('Unsaved changes', { exact: true }).waitFor();
    // Save stays in view at the top of a long form.
    await page.evaluate(() => (globalThis as unknown as { scrollTo: (x: number, y: number) => void }).scrollTo(0, 0));
    expect(await bar.getByRole('button', { name: 'Save settings' }).isVisible()).toBe(true);
    expect(await bar.getByRole('button', { name: 'Save settings' }).evaluate((b) => {
      const r = (b as unknown as { getBoundingClientRect: () => { bottom: number } }).getBoundingClientRect();
      return r.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight;
    })).toBe(true);

    await nav(page, 'Conversation').click();
    const dialog = page.getByRole('dialog', { name: 'Save your changes?' });
    await dialog.waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'settings-leave-guard');
    await dialog.getByRole('button', { name: 'Stay', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('form', { name: 'Settings' }).count()).toBe(1);
    expect(await prompt.inputValue()).toBe('Answer in one sentence.');

    // Esc is Stay too.
    await nav(page, 'Models').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByRole('form', { name: 'Settings' }).count()).toBe(1);

    await nav(page, 'Conversation').click();
    await dialog.getByRole('button', { name: 'Discard', exact: true }).click();
    await page.getByRole('form', { name: 'Settings' }).waitFor({ state: 'detached' });
    await openSettings(page);
    expect(await page.getByLabel('System prompt').inputValue()).toBe(before);
    expect(await bar.getByText('No unsaved changes').count()).toBe(1);

    await page.getByLabel('System prompt').fill('Be brief.');
    await nav(page, 'Conversation').click();
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('form', { name: 'Settings' }).waitFor({ state: 'detached' });
    await page.reload();
    await openSettings(page);
    expect(await page.getByLabel('System prompt').inputValue()).toBe('Be brief.');
    // Without edits, nothing asks.
    await nav(page, 'Conversation').click();
    await page.getByRole('form', { name: 'Settings' }).waitFor({ state: 'detached' });
  });

  it('the push-to-talk shortcut is shown as keys and recorded by pressing it; Esc cancels; it is saved as an accelerator', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await openSettings(page);
    const shortcut = page.getByRole('group', { name: 'Push-to-talk shortcut' });
    const value = shortcut.getByTestId('shortcut-value');
    expect(await value.getByRole('img', { name: 'Ctrl + Shift + Space' }).count()).toBe(1);
    expect(await value.locator('kbd').allTextContents()).toEqual(['Ctrl', 'Shift', 'Space']);
    await shortcut.getByRole('button', { name: 'Record shortcut' }).click();
    await page.keyboard.press('Escape');
    await shortcut.getByText('Recording cancelled; the shortcut is unchanged.').waitFor();
    expect(await value.locator('kbd').allTextContents()).toEqual(['Ctrl', 'Shift', 'Space']);
    // A plain letter would be taken from typing in every app: refused, still recording.
    await shortcut.getByRole('button', { name: 'Record shortcut' }).click();
    await page.keyboard.press('KeyJ');
    await shortcut.getByText(/Add Ctrl or Alt/).waitFor();
    await page.keyboard.press('Control+Alt+KeyK');
    await shortcut.getByText('Recorded Ctrl + Alt + K.').waitFor();
    expect(await value.locator('kbd').allTextContents()).toEqual(['Ctrl', 'Alt', 'K']);
    await page.getByTestId('settings-savebar').getByText('Unsaved changes', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    // Stored in Electron's accelerator format, as the desktop app registers it.
    expect((JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { pushToTalkShortcut: string }).pushToTalkShortcut).toBe('CommandOrControl+Alt+K');
    await page.reload();
    await openSettings(page);
    expect(await page.getByRole('group', { name: 'Push-to-talk shortcut' }).getByRole('img', { name: 'Ctrl + Alt + K' }).count()).toBe(1);
    await page.getByRole('group', { name: 'Push-to-talk shortcut' }).getByRole('button', { name: /^Reset to/ }).click();
    expect(await page.getByRole('group', { name: 'Push-to-talk shortcut' }).getByTestId('shortcut-value').locator('kbd').allTextContents()).toEqual(['Ctrl', 'Shift', 'Space']);
  });

  it("an address the engine refuses: its message at the field, Advanced opened and the field focused", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await openSettings(page);
    const stt = page.getByRole('group', { name: 'Speech recognition' });
    await stt.getByLabel('Provider').selectOption('deepgram');
    const advanced = stt.getByText('Advanced', { exact: true });
    await advanced.click();
    const address = stt.getByLabel('Base URL');
    // Not even a URL: the browser does not stop it with a bubble of its own; the engine says why.
    await address.fill('not an address');
    await advanced.click();
    expect(await address.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await stt.getByText('Must be a ws:// or wss:// URL.').waitFor();
    expect(await address.isVisible()).toBe(true);
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => focusedLabel(page)).toBe('Server address (base URL)');
    expect(await accessibilityViolations(page)).toEqual([]);
    // Save on the way out is refused the same way: the screen stays, with the problem at the field.
    await address.fill('still not an address');
    await nav(page, 'Conversation').click();
    const dialog = page.getByRole('dialog', { name: 'Save your changes?' });
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await stt.getByText('Must be a ws:// or wss:// URL.').waitFor();
    expect(await page.getByRole('form', { name: 'Settings' }).count()).toBe(1);
    await expect.poll(() => focusedLabel(page)).toBe('Server address (base URL)');
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`fits 800 px and 1280 px without horizontal overflow, axe clean (${colorScheme})`, async () => {
      const page = await browser.newPage({ viewport: { width: 800, height: 600 }, colorScheme });
      await page.goto(url);
      await openSettings(page);
      // Everything unfolded and an edit pending: the widest the screen gets.
      for (const summary of await page.locator('form[aria-label="Settings"] details > summary').all()) await summary.click();
      await page.getByLabel('System prompt').fill('A long prompt '.repeat(40));
      await page.getByTestId('settings-savebar').getByText('Unsaved changes', { exact: true }).waitFor();
      for (const width of [800, 1280]) {
        await page.setViewportSize({ width, height: width === 800 ? 600 : 800 });
        await screenshot(page, `settings-${colorScheme}-${width}`);
        // What a person sees at once: the top of the screen with the save bar.
        await page.screenshot({ path: path.join(SCREENSHOTS, `settings-${colorScheme}-${width}-viewport.png`) });
        expect(await overflow(page), `horizontal overflow at ${width} px (${colorScheme})`).toBeLessThanOrEqual(0);
      }
      expect(await accessibilityViolations(page)).toEqual([]);
    });
  }
});
