import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startFakeOpenAi } from '../fakes/openai.js';
import { accessibilityViolations, chromiumAvailable, engineReady, launch, screenshot, startServe, horizontalOverflowPx } from './browser.js';

// The real renderer (vite build) in Debian Chromium, talking to the real engine through `parley serve`.
// CI installs Chromium; on a developer machine without it these tests are skipped (CI=true makes that a failure).
const run = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(run)('the served app in Chromium', () => {
  let serve: ChildProcess;
  let url = '';
  let browser: Browser;
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;

  beforeAll(async () => {
    // The key Test button makes a real call: against a local fake of OpenAI's API.
    openai = await startFakeOpenAi();
    // A settings file damaged on disk: the app starts on defaults and says so.
    const served = await startServe({ PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: '', DEEPGRAM_API_KEY: '' }, '{"version": 1, "architecture": ');
    serve = served.process;
    url = served.url;
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await openai?.close();
    await browser?.close();
    serve?.kill('SIGTERM');
  });

  it('shows the engine state: the VAD loaded on the CPU (in About, not on the conversation)', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(url);
    await engineReady(page);
    expect(await page.getByText(/Voice activity detection ready/).count()).toBe(0);
    await page.getByRole('button', { name: 'About', exact: true }).click();
    await page.getByTestId('about-vad').getByText(/Voice activity detection ready on CPU \(\d+ ms\)/).waitFor();
    await screenshot(page, 'about');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Conversation', exact: true }).click();
    expect(await page.title()).toBe('Parley');
    await page.getByRole('alert').getByText(/Your settings file could not be read .* It was saved as settings\.json\.corrupt-.* and defaults are in use\./).waitFor();
    // Nothing configured yet: a guide instead of an error, and the architecture toggle explains itself.
    await page.getByRole('heading', { name: 'Welcome to Parley' }).waitFor();
    expect(await page.getByText(/To start, it needs a Deepgram key \(for speech-to-text\) and an OpenAI key \(for language model, text-to-speech\)\./).count()).toBe(1);
    // `parley serve` keeps keys in memory, and the page says so (no claim of encryption).
    expect(await page.getByText(/kept in memory until Parley stops/).count()).toBe(1);
    const toggle = page.getByRole('radiogroup', { name: 'Architecture' });
    expect(await toggle.getByRole('radio', { name: 'Cascade' }).getAttribute('aria-checked')).toBe('true');
    expect(await toggle.getByRole('radio', { name: 'Speech-to-speech' }).isEnabled()).toBe(true);
    expect(await toggle.getByText(/Speech to text, a language model and text to speech/).count()).toBe(1);
    expect(problems).toEqual([]);
    // The guide stands where the transcript will be: at 800x600 the conversation's controls stay in view.
    await page.setViewportSize({ width: 800, height: 600 });
    const start = await page.getByRole('button', { name: 'Start conversation' }).boundingBox();
    expect(start && start.y + start.height).toBeLessThanOrEqual(600);
    await screenshot(page, 'engine-status-800x600');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 720 });
    await screenshot(page, 'engine-status');
    expect(await accessibilityViolations(page)).toEqual([]);
    // Starting anyway says what is missing, where it happened, with the way to fix it.
    await page.getByRole('button', { name: 'Start conversation' }).click();
    const problem = page.getByRole('alert').filter({ hasText: /Could not start: no API key for Deepgram/ });
    await problem.waitFor();
    expect(await page.getByRole('button', { name: 'Start conversation' }).isEnabled()).toBe(true);
    await problem.getByRole('button', { name: 'Open settings' }).click();
    await page.getByRole('form', { name: 'Settings' }).waitFor();
  });

  it('settings: choosing providers, editing generated fields and the prompt persists across a reload', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const llm = page.getByRole('group', { name: 'Language model' });
    await llm.getByLabel('Provider').selectOption('anthropic');
    await expect.poll(() => llm.getByLabel('Provider').inputValue()).toBe('anthropic');
    // Fields come from the Anthropic schema: its model default shows as the placeholder.
    const model = llm.getByLabel('Model', { exact: true });
    expect(await model.getAttribute('placeholder')).toBe('claude-haiku-4-5');
    await model.fill('claude-sonnet-4-5');
    await page.getByLabel('System prompt').fill('Answer like a pirate.');
    // A fixed silence matters only when silence alone ends the turn: it shows in that mode.
    expect(await page.getByLabel('Silence that ends your turn (ms)').count()).toBe(0);
    await page.getByLabel('End of turn').selectOption('silence');
    await page.getByLabel('Silence that ends your turn (ms)').fill('450');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'settings');

    await page.reload();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const again = page.getByRole('group', { name: 'Language model' });
    expect(await again.getByLabel('Provider').inputValue()).toBe('anthropic');
    expect(await again.getByLabel('Model', { exact: true }).inputValue()).toBe('claude-sonnet-4-5');
    expect(await page.getByLabel('System prompt').inputValue()).toBe('Answer like a pirate.');
    expect(await page.getByLabel('End of turn').inputValue()).toBe('silence');
    expect(await page.getByLabel('Silence that ends your turn (ms)').inputValue()).toBe('450');
  });

  it('settings: turn-taking waits under Advanced; a value the engine refuses is explained at its field; fits 1280x800 and 800x600', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const turnTaking = page.getByRole('group', { name: 'Turn-taking' });
    await turnTaking.getByLabel('End of turn').selectOption('semantic');
    expect(await turnTaking.getByRole('option', { name: 'Semantic: waits for complete thoughts' }).count()).toBe(1);
    const wait = turnTaking.getByLabel('Wait when you sound done (ms)');
    expect(await wait.isVisible()).toBe(false);
    await turnTaking.getByText('Advanced: how long Parley waits after you stop').click();
    expect(await wait.inputValue()).toBe('200');
    await wait.fill('5000');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Not saved: Wait when you sound done: must be at most 2000 ms.').waitFor();
    await turnTaking.getByText('Must be at most 2000 ms.').waitFor();
    expect(await wait.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => wait.evaluate((el) => el === (el.ownerDocument as unknown as { activeElement: unknown }).activeElement)).toBe(true);
    for (const [width, height] of [
      [1280, 800],
      [800, 600],
    ] as const) {
      await page.setViewportSize({ width, height });
      const overflow = await horizontalOverflowPx(page);
      await screenshot(page, `settings-turn-taking-${width}x${height}`);
      expect(overflow, `horizontal overflow at ${width}x${height}`).toBeLessThanOrEqual(0);
    }
    expect(await accessibilityViolations(page)).toEqual([]);

    await wait.fill('150');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByText('Advanced: how long Parley waits after you stop').click();
    expect(await page.getByLabel('Wait when you sound done (ms)').inputValue()).toBe('150');
  });

  it('settings: a provider address the engine refuses is explained at its field and in the status line, and nothing is saved', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const stt = page.getByRole('group', { name: 'Speech recognition' });
    await stt.getByLabel('Provider').selectOption('deepgram');
    // A cloud service's address is under Advanced.
    await stt.getByText('Advanced', { exact: true }).click();
    const address = stt.getByLabel('Base URL');
    // A URL the browser accepts, but not one Deepgram's WebSocket API can be reached at.
    await address.fill('ftp://api.deepgram.com');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Not saved: Deepgram: the address must be a ws:// or wss:// URL').waitFor();
    await stt.getByText('Must be a ws:// or wss:// URL.').waitFor();
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'settings-provider-address-refused');
    // Editing clears it; the refused value was never saved.
    await address.fill('wss://api.deepgram.com');
    expect(await stt.getByText('Must be a ws:// or wss:// URL.').count()).toBe(0);
    await page.reload();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    expect(await page.getByRole('group', { name: 'Speech recognition' }).getByLabel('Base URL').inputValue()).toBe('');
  });

  it('settings: an API key goes in, only its status comes back', async () => {
    const page = await browser.newPage();
    const seen: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.push(String(f.payload))));
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const stt = page.getByRole('group', { name: 'Speech recognition' });
    await stt.getByLabel(/Deepgram API key/).fill('dg-e2e-secret-123');
    await stt.getByRole('button', { name: 'Save key' }).click();
    await stt.getByText('(set)').waitFor();
    expect(seen.join('\n')).not.toContain('dg-e2e-secret-123');
  });

  it('settings: Test reports a rejected key where it happened, and a good key as working', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const tts = page.getByRole('group', { name: 'Voice', exact: true });
    await tts.getByLabel(/OpenAI API key/).fill('sk-wrong-key-0000');
    await tts.getByRole('button', { name: 'Save key' }).click();
    await tts.getByRole('button', { name: 'Test' }).click();
    await tts.getByText(/^invalid API key for OpenAI/).waitFor();
    await screenshot(page, 'settings-bad-key');
    await tts.getByLabel(/OpenAI API key/).fill(openai.key);
    await tts.getByRole('button', { name: 'Save key' }).click();
    await tts.getByRole('button', { name: 'Test' }).click();
    await tts.getByText('The OpenAI key works.').waitFor();
  });

  it('settings: a key saved for one host is not sent to another; the field says so and Test explains', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const tts = page.getByRole('group', { name: 'Voice', exact: true });
    await tts.getByLabel(/OpenAI API key/).fill(openai.key);
    await tts.getByRole('button', { name: 'Save key' }).click();
    await tts.getByText('(set)').waitFor();
    // Point the provider somewhere else (as a client holding the token could).
    const requestsBefore = openai.requests.length;
    await tts.getByLabel('Base URL').fill('http://127.0.0.1:9/v1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    await tts.getByText('(not set for this host)').waitFor();
    await tts.getByRole('button', { name: 'Test' }).click();
    await tts.getByText(`the OpenAI key was saved for ${new URL(openai.url).host}; enter it again to use it with 127.0.0.1:9`).waitFor();
    await screenshot(page, 'settings-key-other-host');
    expect(openai.requests.length).toBe(requestsBefore);
    // Back where it was saved: set again.
    await tts.getByLabel('Base URL').fill(openai.baseUrl);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await tts.getByText('(set)').waitFor();
  });

  it('the token: taken from the fragment, gone from the address bar, never a cookie or in a request URL; the engine answers only with it', async () => {
    const token = new URL(url).hash.replace('#token=', '');
    expect(token.length).toBeGreaterThanOrEqual(32);
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(`${r.url()} ${JSON.stringify(r.headers())}`));
    await page.goto(url);
    await engineReady(page);
    // The WebSockets work (the engine state above came over /api) and the URL is clean (replaced, so
    // the history entry holds no token either).
    expect(page.url()).toBe(`${new URL(url).origin}/`);
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');
    expect(await context.cookies()).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    for (const r of requested) expect(r).not.toContain(token);
    // A reload in the same tab keeps working (the token is in this tab's sessionStorage).
    await page.reload();
    await engineReady(page);
    await context.close();

    // Without the token: the page (public build files) loads, the engine does not answer it.
    const stranger = await browser.newPage();
    const response = await stranger.goto(new URL(url).origin);
    expect(response?.status()).toBe(200);
    await stranger.getByText('cannot connect to the Parley engine: open the full address printed by `parley serve` (it carries the access token)').waitFor();
    const outcome = await stranger.evaluate(
      (wsUrl) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(wsUrl, ['parley', 'parley-token.not-the-token']);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
      `${new URL(url).origin.replace('http', 'ws')}/api`,
    );
    expect(outcome).toBe('refused');
  });
});
