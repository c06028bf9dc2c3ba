import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsHandlers } from '../../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../../electron/engine/settings/settings-store.js';
import { dispatchInvoke } from '../../../../electron/shared/dispatch.js';
import type { Settings } from '../../../../electron/shared/settings.js';

async function setup(fileContent?: object) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-provider-settings-')), 'settings.json');
  if (fileContent) writeFileSync(file, JSON.stringify(fileContent));
  const store = new SettingsStore(file);
  await store.load();
  await store.update((s) => void (s.systemPrompt = 'Be brief.')); // a file on disk to compare with
  const handlers = settingsHandlers(store, new MemorySecretStore(), {});
  const save = (change: (draft: Settings) => void) => {
    const next = structuredClone(store.settings);
    change(next);
    return handlers['parley:settings-update'](next);
  };
  return { file, store, handlers, save, onDisk: () => readFileSync(file, 'utf8') };
}

describe('saving provider settings: each provider\'s settings are checked against its registry schema', () => {
  it('refuses a Deepgram address that is not a ws:// or wss:// URL, in plain words, and keeps the stored settings', async () => {
    const h = await setup();
    const before = { settings: structuredClone(h.store.settings), file: h.onDisk() };
    for (const baseUrl of ['api.deepgram.com', 'ftp://api.deepgram.com', '']) {
      await expect(h.save((s) => void (s.providers.stt.deepgram = { baseUrl }))).rejects.toMatchObject({
        code: 'settings/invalid',
        message: 'Deepgram: the address must be a ws:// or wss:// URL',
        provider: 'deepgram',
      });
    }
    expect(h.store.settings).toEqual(before.settings);
    expect(h.onDisk()).toBe(before.file);
  });

  it('an HTTP API needs an http:// or https:// address; other fields are named in words', async () => {
    const h = await setup();
    await expect(h.save((s) => void (s.providers.llm.openai = { baseUrl: 'ws://127.0.0.1:8000/v1' }))).rejects.toMatchObject({
      code: 'settings/invalid',
      message: 'OpenAI-compatible (OpenAI, Groq, OpenRouter, Together, vLLM...): the address must be an http:// or https:// URL',
    });
    await expect(h.save((s) => void (s.providers.llm.anthropic = { maxTokens: -1 }))).rejects.toMatchObject({ code: 'settings/invalid', message: 'Anthropic Claude: the max tokens must be above 0' });
    await expect(h.save((s) => void (s.providers.tts.openai = { stallTimeoutMs: 'soon' }))).rejects.toMatchObject({ code: 'settings/invalid', message: 'OpenAI speech: the stall timeout (ms) must be a number' });
    await expect(h.save((s) => void (s.providers.stt.gradium = { delayInFrames: 9 }))).rejects.toMatchObject({ code: 'settings/invalid', message: expect.stringMatching(/^Gradium: the delay in frames must be one of /) });
  });

  it('saves valid provider settings (a WebSocket service also takes http(s)://, as its client does)', async () => {
    const h = await setup();
    const saved = await h.save((s) => {
      s.providers.stt.deepgram = { baseUrl: 'wss://deepgram.internal.example', endpointingMs: 300 };
      s.providers.stt.kyutai = { baseUrl: 'http://127.0.0.1:8090' };
      s.providers.llm.ollama = { baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen3' };
    });
    expect(saved.providers.stt.deepgram).toEqual({ baseUrl: 'wss://deepgram.internal.example', endpointingMs: 300 });
    expect(JSON.parse(h.onDisk()).providers.llm.ollama).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen3' });
  });

  it('a bad entry saved by an older Parley does not block other changes (it is reported when that provider is used)', async () => {
    const h = await setup({ version: 1, providers: { stt: { deepgram: { baseUrl: 'not a url' } } } });
    const saved = await h.save((s) => void (s.turnTaking.minSilenceMs = 500));
    expect(saved.turnTaking.minSilenceMs).toBe(500);
    expect(saved.providers.stt.deepgram).toEqual({ baseUrl: 'not a url' });
  });

  it('through the contract: the refusal keeps its engine code and message', async () => {
    const h = await setup();
    const next = structuredClone(h.store.settings);
    next.providers.s2s.moshi = { baseUrl: 'moshi.local:8998' };
    await expect(dispatchInvoke(h.handlers as never, 'parley:settings-update', next)).rejects.toMatchObject({ code: 'settings/invalid', message: 'Moshi (Kyutai, runs locally): the address must be a ws:// or wss:// URL' });
  });
});
