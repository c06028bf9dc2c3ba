import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDeepgram } from '../fakes/deepgram.js';
import { startFakeMoshi } from '../fakes/moshi.js';
import { startFakeOpenAi } from '../fakes/openai.js';
import { microphoneWav } from '../helpers/speech.js';
import { accessibilityViolations, chromiumAvailable, engineReady, launch, screenshot, startServe, horizontalOverflowPx } from './browser.js';

// The architecture toggle in the real UI switches a live conversation: the first utterance is
// answered by Moshi (fake server, Ogg/Opus both ways through the real engine), the second by the
// cascade, in one conversation, without stopping it.
const run = chromiumAvailable() || process.env.CI === 'true';

describe.runIf(run)('the architecture toggle in the browser', () => {
  let serve: ChildProcess;
  let url = '';
  let browser: Browser;
  let moshi: Awaited<ReturnType<typeof startFakeMoshi>>;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    const deepgram = await startFakeDeepgram({ utterances: ['and now the cascade', 'and now the cascade'] });
    const openai = await startFakeOpenAi({ llm: () => ({ text: 'The cascade answers.' }) });
    moshi = await startFakeMoshi({ replies: [[' Hello', ' from', ' Moshi', '.']] });
    closers.push(deepgram.close, openai.close, moshi.close);
    // 3 s to switch to Moshi, utterance 1, 4 s to switch back, utterance 2, then silence.
    const wavPath = await microphoneWav([3, 'librivox-ss01-0880.wav', 4, 'librivox-ss01-0880.wav', 3]);
    const served = await startServe({ PARLEY_DEEPGRAM_URL: deepgram.url, DEEPGRAM_API_KEY: deepgram.key, PARLEY_OPENAI_URL: openai.baseUrl, OPENAI_API_KEY: openai.key, PARLEY_MOSHI_URL: moshi.baseUrl });
    serve = served.process;
    url = served.url;
    browser = await launch(wavPath);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    serve?.kill('SIGTERM');
    for (const c of closers) await c();
  });

  it('switches a live conversation to Moshi and back; each answer comes from the architecture in use', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await engineReady(page);
    await page.getByRole('button', { name: 'Start conversation' }).click();
    await page.getByTestId('running-providers').getByText(/^Cascade: Deepgram nova-\S+ → OpenAI.* → OpenAI.*$/).waitFor({ timeout: 10_000 });

    const toggle = page.getByRole('radiogroup', { name: 'Architecture' });
    await toggle.getByRole('radio', { name: 'Speech-to-speech' }).click();
    await page.getByRole('list', { name: 'Notices' }).getByText(/Switched to speech-to-speech \(moshi\) in \d+ ms/).waitFor({ timeout: 10_000 });
    await page.getByTestId('running-providers').getByText(/^Speech-to-speech: Moshi/).waitFor();
    expect(await toggle.getByRole('radio', { name: 'Speech-to-speech' }).getAttribute('aria-checked')).toBe('true');

    const log = page.getByRole('log', { name: 'Conversation' });
    await log
      .getByText('Hello from Moshi.')
      .waitFor({ timeout: 15_000 })
      .catch(async (e: unknown) => {
        await screenshot(page, 'toggle-failed');
        console.log(await page.locator('main').innerText(), JSON.stringify(moshi.stats));
        throw e;
      });
    await log.getByText(/\(spoke \d\.\d s\)/).waitFor();
    expect(moshi.stats.secondsHeard).toBeGreaterThan(3);
    await screenshot(page, 'toggle-moshi');
    expect(await accessibilityViolations(page)).toEqual([]);

    await toggle.getByRole('radio', { name: 'Cascade' }).click();
    await page.getByRole('list', { name: 'Notices' }).getByText(/Switched to the cascade in \d+ ms/).waitFor({ timeout: 10_000 });
    await log.getByText('and now the cascade').waitFor({ timeout: 15_000 });
    await log.getByText('The cascade answers.').waitFor({ timeout: 10_000 });
    // One conversation: Moshi's turn is still there above the cascade's, finished and measured.
    expect(await log.getByRole('article').count()).toBe(2);
    await page.getByTestId('session-stats').getByText(/over 2 turns/).waitFor();
    await screenshot(page, 'toggle-back');

    // Compare: the last utterance replayed through both architectures, answers and waterfalls side by side.
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    const compare = page.getByRole('region', { name: 'Comparison of both architectures' });
    await compare.getByRole('article', { name: /^Cascade \(Deepgram nova-\S+ → OpenAI.* → OpenAI.*\)$/ }).getByText('The cascade answers.').waitFor({ timeout: 30_000 });
    await compare.getByRole('article', { name: /^Speech-to-speech \(Moshi\)$/ }).getByText('Hello from Moshi.').waitFor();
    expect(await compare.getByRole('figure').count()).toBe(2);
    // Both on one time axis: the faster one is visibly shorter, in proportion, and the difference is said in words.
    const totals = compare.getByRole('table', { name: 'Voice-to-voice on one time axis' });
    const timeOf = async (name: string) => Number((await totals.getByRole('row', { name: new RegExp(`^${name}`) }).getByRole('cell').last().innerText()).replace(/\D/g, ''));
    const cascadeMs = await timeOf('Cascade');
    const s2sMs = await timeOf('Speech-to-speech');
    expect(cascadeMs).toBeGreaterThan(0);
    expect(s2sMs).toBeGreaterThan(0);
    const cascadeBar = (await compare.getByTestId('compare-total-cascade').boundingBox())!;
    const s2sBar = (await compare.getByTestId('compare-total-s2s').boundingBox())!;
    expect(Math.abs(cascadeBar.width / s2sBar.width - cascadeMs / s2sMs)).toBeLessThan(0.05 * Math.max(1, cascadeMs / s2sMs));
    expect(cascadeBar.x).toBeCloseTo(s2sBar.x, 0);
    const sentence = await compare.getByTestId('compare-sentence').innerText();
    if (cascadeMs === s2sMs) expect(sentence).toMatch(/^Both answered in /);
    else expect(sentence).toMatch(new RegExp(`^${cascadeMs < s2sMs ? 'The cascade' : 'Speech-to-speech'} answered \\d+(\\.\\d+)? m?s sooner \\(.+ vs .+\\)\\.$`));
    // The waterfalls below share that axis.
    const axes = await compare.locator('.chart-axis').allInnerTexts();
    expect(axes.length).toBe(3);
    expect(new Set(axes).size).toBe(1);
    await screenshot(page, 'compare');
    expect(await accessibilityViolations(page)).toEqual([]);
    // Compare fits 800 px without scrolling sideways.
    await page.setViewportSize({ width: 800, height: 600 });
    const overflow = await horizontalOverflowPx(page);
    await screenshot(page, 'compare-800x600');
    expect(overflow, 'horizontal overflow at 800x600').toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
