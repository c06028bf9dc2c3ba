import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, engineReady, launch, screenshot, startServe } from './browser.js';

// Banners in the real UI: a problem whose text is a long URL wraps inside the page (no horizontal
// scrolling, its buttons on screen) at a laptop and a small window size; a fresh page does not get
// the banners of before; and when the engine's process dies, one banner says how to restart and
// Start is disabled.
const run = chromiumAvailable() || process.env.CI === 'true';

/** A local port nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** The page does not scroll sideways, and every button inside an alert is fully on screen. */
async function fitsTheWindow(page: Page): Promise<{ overflowPx: number; offscreenButtons: string[] }> {
  // (A string: the tests are typechecked without the DOM library.)
  return page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const offscreen = [...document.querySelectorAll('[role="alert"] button')]
      .filter((b) => {
        const r = b.getBoundingClientRect();
        return r.left < 0 || r.right > width;
      })
      .map((b) => b.getAttribute('aria-label') ?? b.textContent ?? '');
    return { overflowPx: document.documentElement.scrollWidth - width, offscreenButtons: offscreen };
  })()`);
}

describe.runIf(run)('banners in the browser', () => {
  let browser: Browser;
  const serves: ChildProcess[] = [];
  // Deepgram "lives" at a long address on a port where nothing listens: every problem names it.
  const longPath = `/v1/listen/${'a-very-long-path-segment-without-any-break-'.repeat(12)}end`;
  let deepgramUrl = '';

  beforeAll(async () => {
    deepgramUrl = `ws://127.0.0.1:${await closedPort()}${longPath}`;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of serves) s.kill('SIGKILL');
  });

  const serve = async () => {
    const served = await startServe({ PARLEY_DEEPGRAM_URL: deepgramUrl, DEEPGRAM_API_KEY: 'dg-key-for-nowhere', OPENAI_API_KEY: 'sk-key-for-nowhere', PARLEY_OPENAI_URL: `http://127.0.0.1:${await closedPort()}/v1` });
    serves.push(served.process);
    return served;
  };
  const open = async (url: string, size: { width: number; height: number }) => {
    const page = await browser.newPage({ viewport: size });
    await page.goto(url);
    await engineReady(page);
    // (Start is enabled once the page's conversation channel is open, just after the first render.)
    await expect.poll(() => page.getByRole('button', { name: 'Start conversation' }).isEnabled()).toBe(true);
    return page;
  };

  it('a problem naming a long URL wraps at 1280x800 and 800x600; a fresh page does not get it', async () => {
    const { url } = await serve();
    const page = await open(url, { width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Start conversation' }).click();
    const banner = page.getByRole('alert').filter({ hasText: 'a-very-long-path-segment' });
    await banner.first().waitFor({ timeout: 20_000 });
    for (const size of [
      { width: 1280, height: 800 },
      { width: 800, height: 600 },
    ]) {
      await page.setViewportSize(size);
      expect(await fitsTheWindow(page)).toEqual({ overflowPx: 0, offscreenButtons: [] });
      const button = banner.first().getByRole('button').first();
      expect(await button.isVisible()).toBe(true);
      await screenshot(page, `banner-long-url-${size.width}x${size.height}`);
    }
    // One banner for the one problem (a retrying connection is not a banner per attempt).
    expect(await banner.count()).toBe(1);

    // Another page (a reload, a new tab) starts clean: the problem belonged to that attempt.
    const fresh = await open(url, { width: 800, height: 600 });
    expect(await fresh.getByRole('alert').filter({ hasText: 'a-very-long-path-segment' }).count()).toBe(0);
    expect(await fresh.getByRole('button', { name: 'Start conversation' }).isEnabled()).toBe(true);
    await fresh.close();
    await page.close();
  });

  it('the engine killed: one banner saying how to restart, and Start disabled', async () => {
    const served = await serve();
    const page = await open(served.url, { width: 800, height: 600 });
    expect(await page.getByRole('button', { name: 'Start conversation' }).isEnabled()).toBe(true);
    served.process.kill('SIGKILL');
    const gone = page.getByTestId('engine-gone');
    await gone.waitFor({ timeout: 10_000 });
    // Plain words on screen (the message as written, with its backticks, only behind Details).
    expect(await gone.locator('span').first().innerText()).toMatch(/engine has stopped .*Run parley serve again/);
    expect(await gone.innerText()).not.toMatch(/`/);
    expect(await page.getByRole('alert').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Start conversation' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('conversation-state').innerText()).toBe('Not connected to the engine');
    expect(await fitsTheWindow(page)).toEqual({ overflowPx: 0, offscreenButtons: [] });
    await screenshot(page, 'engine-gone');
    await page.close();
  });
});
