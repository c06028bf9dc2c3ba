import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgram, type FakeDeepgram } from '../fakes/deepgram.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { accessibilityViolations, chromiumAvailable, engineReady, launch, screenshot, startServe, horizontalOverflowPx } from './browser.js';

// Dead speech-to-text through the real UI (`parley serve`, the real Deepgram client against a fake
// that rejects the key or answers 503 forever): the state says what is true, never "Listening",
// a banner says what happened and how to fix it, and nothing widens the page.
const run = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(run)('dead speech-to-text in the browser', () => {
  let browser: Browser;
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    openai = await startFakeOpenAi({ llm: () => ({ text: 'Hi.' }) });
    browser = await launch();
  }, 60_000);
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await browser?.close();
    await openai?.close();
  });

  async function open(deepgram: FakeDeepgram, key: string): Promise<Page> {
    const served = await startServe({ PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key });
    const serve: ChildProcess = served.process;
    cleanups.push(() => void serve.kill('SIGTERM'));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    cleanups.push(() => page.close());
    await page.goto(served.url);
    await engineReady(page);
    await page.getByRole('button', { name: 'Start conversation' }).click();
    return page;
  }

  /**
   * At 1280x800 and 800x600, light and dark: no horizontal overflow, the state and the controls in
   * view without scrolling (nothing essential below the fold), and axe clean.
   */
  async function noHorizontalOverflow(page: Page, name: string): Promise<void> {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      for (const [width, height] of [
        [1280, 800],
        [800, 600],
      ] as const) {
        await page.setViewportSize({ width, height });
        const fits = (await horizontalOverflowPx(page)) <= 0;
        await screenshot(page, `${name}-${width}x${height}${colorScheme === 'dark' ? '-dark' : ''}`);
        expect(fits, `no horizontal overflow at ${width}x${height} (${colorScheme})`).toBe(true);
        for (const essential of [page.getByTestId('conversation-state'), page.getByRole('region', { name: 'Conversation controls' })]) {
          const box = await essential.boundingBox();
          expect(box && box.y + box.height, `in view at ${width}x${height}`).toBeLessThanOrEqual(height);
        }
        expect(await accessibilityViolations(page)).toEqual([]);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** What is on screen (Details disclosures closed): no provider ids, no environment-variable names, no error codes, no backticks. */
  async function plainWords(page: Page): Promise<void> {
    const text = await page.locator('main').innerText();
    expect(text).not.toMatch(/`/);
    expect(text).not.toMatch(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/);
    expect(text).not.toMatch(/\bprovider\/[a-z-]+/);
    expect(text).not.toMatch(/\bdeepgram\b/);
  }

  it('a rejected key: "Stopped: Deepgram (speech recognition) rejected the key", one banner with Open settings, one attempt', async () => {
    const deepgram = await startFakeDeepgram();
    cleanups.push(deepgram.close);
    const page = await open(deepgram, 'dg-revoked-key-0000');
    const state = page.getByTestId('conversation-state');
    await state.getByText('Stopped: Deepgram (speech recognition) rejected the key').waitFor({ timeout: 15_000 });
    expect(await state.innerText()).not.toMatch(/Listening/);
    await page.getByText('Check the Deepgram key in Settings.').waitFor();
    await state.getByRole('button', { name: 'Open settings' }).waitFor();
    const banners = page.getByRole('alert').filter({ hasText: /Deepgram/ });
    expect(await banners.count()).toBe(1);
    expect(await banners.first().innerText()).toMatch(/invalid API key for Deepgram/);
    await banners.first().getByRole('button', { name: 'Open settings' }).waitFor();
    expect(await page.getByRole('log', { name: 'Conversation' }).innerText()).not.toMatch(/Parley is listening/);
    await plainWords(page);
    await noHorizontalOverflow(page, 'stt-rejected-key');
    // Reduced motion: the voice ring keeps still and the meters do not slide.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const motion = await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
      const style = (s: string) => (globalThis as unknown as { getComputedStyle(e: unknown): { transform: string; transitionDuration: string } }).getComputedStyle(d.querySelector(s));
      return { ring: style('.voice-orb__ring').transform, ringMoves: style('.voice-orb__ring').transitionDuration, meter: style('.voice-meter__fill').transitionDuration };
    });
    expect(motion).toEqual({ ring: 'none', ringMoves: '0s', meter: '0s' });
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    // The microphone's audio kept coming all along: the key was not tried again for it.
    expect(deepgram.stats.attempts).toBe(1);
  }, 60_000);

  it('Deepgram answering 503 forever: "Can\'t reach Deepgram (speech recognition). Retrying in N s…", then "Stopped" with what to check and Try again after a handful of attempts', async () => {
    const deepgram = await startFakeDeepgram({ refuseAll: { status: 503 } });
    cleanups.push(deepgram.close);
    const page = await open(deepgram, deepgram.key);
    const state = page.getByTestId('conversation-state');
    // The state names the service by its display name and what it does, and when the next attempt comes.
    await state.getByText(/^Can't reach Deepgram \(speech recognition\)\. Retrying in \d+ s…$/).waitFor({ timeout: 15_000 });
    expect(await page.getByRole('log', { name: 'Conversation' }).innerText()).not.toMatch(/Parley is listening/);
    await plainWords(page);
    await noHorizontalOverflow(page, 'stt-retrying');
    await state.getByText("Stopped: can't reach Deepgram (speech recognition)").waitFor({ timeout: 30_000 });
    await page.getByText('Deepgram is not answering; check its address in Settings, or try again.').waitFor();
    await state.getByRole('button', { name: 'Try again' }).waitFor();
    const banners = page.getByRole('alert').filter({ hasText: /Deepgram/ });
    expect(await banners.count()).toBe(1);
    expect(await banners.first().innerText()).toMatch(/Deepgram server error \(503\).*gave up after 6 attempts/);
    expect(deepgram.stats.attempts).toBe(6);
    await plainWords(page);
    await noHorizontalOverflow(page, 'stt-unreachable');
    // Try again starts a fresh session, with a fresh budget.
    await state.getByRole('button', { name: 'Try again' }).click();
    await state.getByText(/^Can't reach Deepgram \(speech recognition\)\. Retrying in \d+ s…$/).waitFor({ timeout: 15_000 });
    expect(deepgram.stats.attempts).toBeGreaterThan(6);
  }, 90_000);
});
