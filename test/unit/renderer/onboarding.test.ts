import { describe, expect, it } from 'vitest';
import type { KeyStatuses, ProviderInfo } from '../../../electron/shared/ipc.js';
import { defaultSettings, type Settings } from '../../../electron/shared/settings.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelStore } from '../../../electron/engine/models/store.js';
import { providerCatalog } from '../../../electron/engine/settings/handlers.js';
import type { ModelEntry } from '../../../electron/shared/models.js';
import type { TurnView } from '../../../renderer/src/conversation/model.js';
import { conversationWorked, guideMode, keyDetailsText, keyNeed, keyStep, keyStorageText, localSetup, missingKeys, type MissingKey } from '../../../renderer/src/onboarding-model.js';
import { ROOT } from '../../paths.js';

// The welcome screen says only true things: where keys are kept (encrypted in the desktop app, in
// memory under `parley serve`), what "local" covers today, and what each missing key is for.
const provider = (kind: ProviderInfo['kind'], id: string, keyName: ProviderInfo['keyName']): ProviderInfo => ({
  kind,
  id,
  displayName: id,
  local: keyName === null,
  requiresKey: keyName !== null,
  keyName,
  capabilities: [],
  settingsSchema: {},
});
const providers = [
  provider('stt', 'deepgram', 'deepgram'),
  provider('llm', 'openai', 'openai'),
  provider('llm', 'ollama', null),
  provider('tts', 'openai', 'openai'),
  provider('s2s', 'moshi', null),
  provider('s2s', 'openai-realtime', 'openai'),
];
const none: KeyStatuses = { deepgram: 'not-set', openai: 'not-set', anthropic: 'not-set', elevenlabs: 'not-set', gradium: 'not-set' };
const settings = (change: (s: Settings) => void = () => undefined): Settings => {
  const s = defaultSettings();
  change(s);
  return s;
};

describe('the keys the first-run guide asks for', () => {
  it('with Ollama chosen, the OpenAI key it still asks for is for text-to-speech, and it says so', () => {
    const missing = missingKeys(settings((s) => (s.cascade.llm = 'ollama')), providers, none);
    expect(missing).toEqual([
      { name: 'deepgram', label: 'Deepgram', uses: ['speech-to-text'] },
      { name: 'openai', label: 'OpenAI', uses: ['text-to-speech'] },
    ]);
    expect(missing.map(keyNeed)).toEqual(['a Deepgram key (for speech-to-text)', 'an OpenAI key (for text-to-speech)']);
  });

  it('one key for two steps is asked for once, naming both; local speech-to-speech needs none', () => {
    const missing = missingKeys(settings(), providers, none);
    expect(missing.map((m) => [m.name, m.uses])).toEqual([
      ['deepgram', ['speech-to-text']],
      ['openai', ['language model', 'text-to-speech']],
    ]);
    expect(missingKeys(settings((s) => ((s.architecture = 's2s'), (s.s2s.provider = 'moshi'))), providers, none)).toEqual([]);
    expect(missingKeys(settings(), providers, { ...none, deepgram: 'set', openai: 'set' })).toEqual([]);
  });
});

// The real catalog and provider list: the offer must match what the engine would run.
const catalog = providerCatalog();
async function catalogModels(installed: string[] = []): Promise<ModelEntry[]> {
  const models = await new ModelStore({ dir: mkdtempSync(path.join(tmpdir(), 'parley-ui-firstrun-')), resourcesDir: path.join(ROOT, 'resources') }).list();
  return models.map((m) => (installed.includes(m.id) ? { ...m, installed: true } : m));
}
const DEFAULT_LOCAL_MODELS = ['zipformer-en-20m-streaming', 'qwen3-0.6b-q8_0', 'pocket-tts-int8-2026-01-26'];

describe('"Use the models on this computer"', () => {
  it('with the local models installed, moves each cascade stage to its local engine (as the offline switch does) and picks the cascade', async () => {
    const s2s = settings((s) => (s.architecture = 's2s'));
    const offer = localSetup(s2s, catalog, await catalogModels(DEFAULT_LOCAL_MODELS));
    expect(offer?.settings.cascade).toEqual({ stt: 'sherpa-onnx', llm: 'llama-cpp', tts: 'sherpa-onnx' });
    expect(offer?.settings.architecture).toBe('cascade');
    const names = (kind: string, id: string) => catalog.find((p) => p.kind === kind && p.id === id)?.displayName;
    expect(offer?.switched).toEqual([`Speech to text: ${names('stt', 'sherpa-onnx')}`, `Language model: ${names('llm', 'llama-cpp')}`, `Text to speech: ${names('tts', 'sherpa-onnx')}`]);
    // The settings passed in are not changed (the user has not said yes yet).
    expect(s2s.cascade.stt).toBe('deepgram');
    expect(offer?.settings.offlineOnly).toBe(s2s.offlineOnly);
  });

  it('is not offered when a stage would miss its model', async () => {
    expect(localSetup(settings(), catalog, await catalogModels())).toBeUndefined();
    expect(localSetup(settings(), catalog, await catalogModels(DEFAULT_LOCAL_MODELS.slice(0, 2)))).toBeUndefined();
  });

  it('keeps a stage that is local already (Ollama on this machine) and offers the rest', async () => {
    const offer = localSetup(
      settings((s) => (s.cascade.llm = 'ollama')),
      catalog,
      await catalogModels(['zipformer-en-20m-streaming', 'pocket-tts-int8-2026-01-26']),
    );
    expect(offer?.settings.cascade).toEqual({ stt: 'sherpa-onnx', llm: 'ollama', tts: 'sherpa-onnx' });
    expect(offer?.switched.map((t) => t.split(':')[0])).toEqual(['Speech to text', 'Text to speech']);
  });

  it('is not offered when a stage stays on a server elsewhere (Ollama on another machine has no local stand-in chosen)', async () => {
    const remote = settings((s) => ((s.cascade.llm = 'ollama'), (s.providers.llm.ollama = { baseUrl: 'http://192.168.1.5:11434/v1' })));
    // llama.cpp's model is not installed: the language model would stay on another machine.
    expect(localSetup(remote, catalog, await catalogModels(['zipformer-en-20m-streaming', 'pocket-tts-int8-2026-01-26']))).toBeUndefined();
  });
});

const deepgram: MissingKey = { name: 'deepgram', label: 'Deepgram', uses: ['speech-to-text'] };
const openai: MissingKey = { name: 'openai', label: 'OpenAI', uses: ['language model', 'text-to-speech'] };
const turn = (t: Partial<TurnView>): TurnView => ({ id: 1, user: 'hello', assistant: '', speaking: false, interrupted: false, tools: [], errors: [], ...t });

describe('when the first-run guide shows', () => {
  it('shows the local offer first, else the key walk-through; never once done or when nothing is missing', () => {
    const local = { settings: settings(), switched: [] };
    const state = { done: false, engaged: false, local };
    expect(guideMode({ ...state, missing: [deepgram] })).toBe('local');
    expect(guideMode({ ...state, missing: [deepgram], local: undefined })).toBe('keys');
    expect(guideMode({ ...state, missing: [deepgram], done: true })).toBe('hidden');
    expect(guideMode({ ...state, missing: [] })).toBe('hidden');
    // The last key just passed: the guide stays for its Start step, until dismissed.
    expect(guideMode({ ...state, missing: [], engaged: true })).toBe('keys');
    expect(guideMode({ ...state, missing: [], engaged: true, done: true })).toBe('hidden');
  });

  it('a conversation worked once a reply was spoken to the end without an error', () => {
    expect(conversationWorked([])).toBe(false);
    expect(conversationWorked([turn({ assistant: 'Hi.', speaking: true })])).toBe(false);
    expect(conversationWorked([turn({ assistant: '' })])).toBe(false);
    expect(conversationWorked([turn({ assistant: 'Hi.', errors: [{ stage: 'tts', error: { code: 'provider/missing-key', message: 'refused' } }] })])).toBe(false);
    expect(conversationWorked([turn({ assistant: 'Hi.' })])).toBe(true);
  });
});

describe('the key walk-through', () => {
  it('goes pick, paste, test, start; a failed test stays on test; the next service is named', () => {
    const missing = [deepgram, openai];
    expect(keyStep(missing, undefined, false, { state: 'idle' })).toMatchObject({ service: undefined, step: 'pick' });
    expect(keyStep(missing, 'deepgram', false, { state: 'idle' })).toMatchObject({ service: deepgram, step: 'paste', after: ['an OpenAI key (for language model, text-to-speech)'] });
    expect(keyStep(missing, 'deepgram', true, { state: 'testing' }).step).toBe('test');
    expect(keyStep(missing, 'deepgram', true, { state: 'failed', message: 'Deepgram refused the key' }).step).toBe('test');
    expect(keyStep(missing, 'deepgram', true, { state: 'passed' }).step).toBe('start');
    // A picked service that no longer misses its key (it was set meanwhile) goes back to picking.
    expect(keyStep([openai], 'deepgram', true, { state: 'passed' }).step).toBe('pick');
  });

  it('speaks plainly: no environment variable names outside the details', () => {
    for (const storage of ['encrypted', 'memory', 'unavailable'] as const) expect(keyStorageText(storage)).not.toMatch(/[A-Z]+_[A-Z_]+|`/);
    expect(keyStorageText('memory')).toMatch(/kept in memory until Parley stops/);
    expect(keyStorageText('encrypted')).toMatch(/encrypted with this computer's keychain/);
    expect(keyStorageText('unavailable')).not.toMatch(/encrypted/);
    expect(keyDetailsText([deepgram])).toBe('To keep keys across restarts, set DEEPGRAM_API_KEY in the environment before starting Parley.');
  });
});
