import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgram } from '../fakes/deepgram.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { microphoneWav } from '../helpers/speech.js';
import { accessibilityViolations, chromiumAvailable, engineReady, launch, screenshot, startServe, horizontalOverflowPx } from './browser.js';

// A spoken conversation through the real UI: Chromium's fake microphone plays a recording of two
// utterances, the page's AudioWorklet streams it over the serve WebSocket to the real engine
// (Silero VAD, the real Deepgram/OpenAI clients against local fakes), the reply plays through the
// page's playout worklet, and the second utterance interrupts the first, long reply (barge-in).
const run = chromiumAvailable() || process.env.CI === 'true';

const LONG_REPLY = 'Once upon a time there was a lighthouse keeper who counted the waves every night. He counted them in winter and in summer, and he never missed a single one.';

describe.runIf(run)('a spoken conversation in the browser', () => {
  let serve: ChildProcess;
  let url = '';
  let browser: Browser;
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;

  beforeAll(async () => {
    deepgram = await startFakeDeepgram({ utterances: ['tell me a story', 'actually never mind'] });
    openai = await startFakeOpenAi({
      // The first answer is long (about 9 s of audio) so the second utterance lands on top of it.
      llm: (r) => ({ text: r.messages.filter((m) => m.role === 'user').length === 1 ? LONG_REPLY : 'Sure, never mind.', firstTokenMs: 50 }),
      tts: { msPerChar: 60, firstByteMs: 60 },
    });
    // The microphone: 1 s of silence, utterance 1, 2.2 s of silence, utterance 2, 3 s of silence.
    const wavPath = await microphoneWav([1, 'librivox-ss01-0880.wav', 2.2, 'librivox-ss01-0890.wav', 3]);
    const served = await startServe({ PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key });
    serve = served.process;
    url = served.url;
    browser = await launch(wavPath);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
    await deepgram?.close();
    await openai?.close();
  });

  it('transcripts appear, the reply is heard and cut off by the user, the latency panel fills', async () => {
    const page: Page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(url);
    await engineReady(page);
    // Keys come from the environment: no onboarding, the conversation can start.
    expect(await page.getByRole('heading', { name: 'Welcome to Parley' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Start conversation' }).click();
    const state = page.getByTestId('conversation-state');
    await state.getByText('Listening').waitFor({ timeout: 10_000 });

    const log = page.getByRole('log', { name: 'Conversation' });
    // The words in progress stand on the user's side from the first one (where the final text will be),
    // not on Parley's side first. Measured in the page on each frame while the interim text is shown.
    const gap = await page.waitForFunction(
      () => {
        const d = (globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): { right: number }; closest(s: string): { getBoundingClientRect(): { right: number } } | null } | null } }).document;
        const bubble = d.querySelector('[data-testid="user-partial"] .bubble');
        const box = bubble?.closest('[role="log"]');
        return bubble && box ? box.getBoundingClientRect().right - bubble.getBoundingClientRect().right : null;
      },
      undefined,
      { timeout: 15_000, polling: 'raf' },
    );
    // Only the transcript's padding and scrollbar between the bubble and the right edge.
    expect(await gap.jsonValue()).toBeLessThan(40);
    await log.getByText('tell me a story').waitFor({ timeout: 15_000 });
    // The reply's text appears as its audio plays.
    await log.getByText(/Once upon a time/).waitFor({ timeout: 10_000 });
    await state.getByText('Parley is speaking').waitFor();
    // The meter follows the player's reports (every 40 ms, 0 between blocks): it shows the voice within a moment.
    await expect.poll(() => page.getByRole('meter', { name: "Parley's voice level" }).getAttribute('aria-valuenow'), { timeout: 2000 }).not.toBe('0');
    await screenshot(page, 'conversation-speaking');
    expect(await accessibilityViolations(page)).toEqual([]);

    // The second utterance barges in: the first reply is marked and cut at what was heard.
    const first = page.getByRole('article', { name: 'Turn 1' });
    await first.getByText('interrupted').waitFor({ timeout: 15_000 });
    const heard = (await first.getByTestId('assistant-text').innerText()).replace(/interrupted$/, '').replace(/^Parley:\s*/, '').trim();
    expect(LONG_REPLY.startsWith(heard)).toBe(true);
    expect(heard.length).toBeLessThan(LONG_REPLY.length);

    const second = page.getByRole('article', { name: 'Turn 2' });
    await second.getByText('actually never mind').waitFor({ timeout: 15_000 });
    await second.getByText('Sure, never mind.').waitFor({ timeout: 15_000 });
    await page.getByTestId('session-stats').getByText(/median \d+ ms, p90 \d+ ms over 2 turns/).waitFor({ timeout: 10_000 });
    const v2v = Number((await page.getByTestId('voice-to-voice').innerText()).replace(/\D/g, ''));
    expect(v2v).toBeGreaterThan(0);
    const waterfall = page.getByRole('figure', { name: 'Turn 2 latency waterfall' });
    expect(await waterfall.getByRole('row').count()).toBe(6);
    // The end-of-turn row says how the turn was judged over: a short label, the whole sentence on hover.
    const endOfTurn = waterfall.getByRole('row', { name: /^End of turn/ });
    expect(await endOfTurn.getByTestId('end-of-turn-why').innerText()).toMatch(/^(semantics|Smart Turn|provider|silence|waited for more)( \+ [\w ]+)*(, reply prepared early)?$/);
    expect(await endOfTurn.getAttribute('title')).toMatch(/^End of turn after \d+ ms: .+\.\n/);
    // The waterfall's time axis is in ms.
    expect(await waterfall.locator('.chart-axis .chart-tick__label').allInnerTexts()).toContain('0');
    expect(await waterfall.locator('.chart-axis__unit').innerText()).toBe('ms');

    // The session chart: a bar per turn (a button with its values), the median and p90 in the legend.
    const latency = page.getByRole('region', { name: 'Latency' });
    const legend = latency.getByRole('list', { name: 'Legend' });
    const median = Number((await legend.getByRole('listitem').filter({ hasText: /^median/ }).innerText()).replace(/\D/g, ''));
    const p90 = Number((await legend.getByRole('listitem').filter({ hasText: /^p90/ }).innerText()).replace(/\D/g, ''));
    expect(median).toBeGreaterThan(0);
    expect(p90).toBeGreaterThanOrEqual(median);
    await legend.getByText('End of turn').waitFor();
    const bars = latency.getByRole('group', { name: /^Turns/ }).getByRole('button');
    expect(await bars.count()).toBe(2);
    expect(await bars.nth(1).getAttribute('aria-label')).toMatch(new RegExp(`^Turn 2: ${v2v} ms voice-to-voice \\(End of turn \\d+ ms, .+\\)$`));
    expect(await bars.nth(1).getAttribute('aria-pressed')).toBe('true');
    // Values on hover and on keyboard focus.
    const readout = latency.getByTestId('session-readout');
    await bars.nth(0).hover();
    await readout.getByText(/^Turn 1: \d+ ms/).waitFor();
    await bars.nth(1).focus();
    await readout.getByText(`Turn 2: ${v2v} ms`).waitFor();
    // Bars share the axis: their heights follow their values.
    const v2v1 = Number((await bars.nth(0).getAttribute('aria-label'))!.match(/^Turn 1: (\d+) ms/)![1]);
    const heights = await Promise.all([0, 1].map(async (i) => (await bars.nth(i).locator('.chart-session__stack').boundingBox())!.height));
    expect(Math.abs(heights[0]! / heights[1]! - v2v1 / v2v)).toBeLessThan(0.1);
    // Per-stage medians, one row a stage.
    await latency.getByText('Median per stage').click();
    expect(await latency.getByRole('row', { name: /^End of turn \d+ ms 2$/ }).count()).toBe(1);
    // Choosing a turn (by keyboard) shows its waterfall.
    await bars.nth(0).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('figure', { name: 'Turn 1 latency waterfall' }).waitFor();
    expect(await bars.nth(0).getAttribute('aria-pressed')).toBe('true');
    await screenshot(page, 'conversation');
    expect(await accessibilityViolations(page)).toEqual([]);
    // The charts take their colours from the theme: dark is as clean.
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'conversation-dark');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    for (const [width, height] of [
      [1280, 800],
      [800, 600],
    ] as const) {
      await page.setViewportSize({ width, height });
      const overflow = await horizontalOverflowPx(page);
      await screenshot(page, `conversation-${width}x${height}`);
      expect(overflow, `horizontal overflow at ${width}x${height}`).toBeLessThanOrEqual(0);
      // The latency panel fits a narrow side panel: nothing in it is wider than 320 px allows.
      // Below 1000 px the panel starts collapsed: open it to check it.
      const toggle = page.getByRole('button', { name: 'Latency', exact: true });
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
      await page.locator('section[aria-label="Latency"]').waitFor();
      const panelOverflow = await page.evaluate(() => {
        type El = { scrollWidth: number; clientWidth: number; style: { width: string } };
        const panel = (globalThis as unknown as { document: { querySelector(s: string): El } }).document.querySelector('section[aria-label="Latency"]');
        const before = panel.style.width;
        panel.style.width = '320px';
        const over = panel.scrollWidth - panel.clientWidth;
        panel.style.width = before;
        return over;
      });
      expect(panelOverflow, `latency panel overflow at 320 px wide (${width}x${height})`).toBeLessThanOrEqual(0);
    }

    // The engine heard the microphone through the page (not a shortcut): the STT got the audio.
    expect(deepgram.stats.audioBytes).toBeGreaterThan(16000 * 2 * 5);
    await page.getByRole('button', { name: 'Stop conversation' }).click();
    await state.getByText('Not started').waitFor();
    expect(problems).toEqual([]);
  }, 90_000);

  it('a key the provider rejects shows where it happened, with the way to fix it', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const stt = page.getByRole('group', { name: 'Speech recognition' });
    await stt.getByLabel(/Deepgram API key/).fill('dg-wrong-key-0000');
    await stt.getByRole('button', { name: 'Save key' }).click();
    await stt.getByText('(set)').waitFor();
    await page.getByRole('button', { name: 'Conversation', exact: true }).click();
    await page.getByRole('button', { name: 'Start conversation' }).click();
    const problem = page.getByRole('alert').filter({ hasText: /^Speech recognition: .*Deepgram/ });
    await problem.waitFor({ timeout: 10_000 });
    expect(await problem.innerText()).toMatch(/key/i);
    await screenshot(page, 'conversation-bad-key');
    expect(await accessibilityViolations(page)).toEqual([]);
    await problem.getByRole('button', { name: 'Open settings' }).click();
    await page.getByRole('form', { name: 'Settings' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  }, 60_000);
});
