import { describe, expect, it } from 'vitest';
import type { KeyStatuses, ProviderInfo } from '../../../electron/shared/ipc.js';
import { defaultSettings, type Settings } from '../../../electron/shared/settings.js';
import { missingKeys, welcomeText } from '../../../renderer/src/onboarding-model.js';

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

describe('the welcome screen', () => {
  it('under `parley serve` keys are said to be kept in memory, not encrypted on this computer', () => {
    const text = welcomeText('memory', missingKeys(settings(), providers, none));
    expect(text.cloud).not.toMatch(/encrypted/i);
    expect(text.cloud).toMatch(/kept in memory until `parley serve` stops/);
    expect(text.cloud).toMatch(/DEEPGRAM_API_KEY/);
  });

  it('in the desktop app keys are said to be encrypted with the system keychain', () => {
    expect(welcomeText('encrypted', []).cloud).toMatch(/encrypted with this computer's keychain/);
  });

  it('in the desktop app without a real keychain (Linux basic_text) it claims no encryption and names the environment variables', () => {
    const text = welcomeText('unavailable', []).cloud;
    expect(text).not.toMatch(/encrypted/);
    expect(text).toMatch(/cannot be saved here.*DEEPGRAM_API_KEY/);
  });

  it('does not promise that local models keep everything offline: it says what still uses the cloud', () => {
    const text = welcomeText('encrypted', []);
    expect(text.local).not.toMatch(/everything offline/i);
    expect(text.local).toMatch(/Ollama/);
    expect(text.local).toMatch(/speech-to-text and text-to-speech still use a cloud service/);
  });

  it('with Ollama chosen, the OpenAI key it still asks for is for text-to-speech, and it says so', () => {
    const missing = missingKeys(settings((s) => (s.cascade.llm = 'ollama')), providers, none);
    expect(missing).toEqual([
      { name: 'deepgram', label: 'Deepgram', uses: ['speech-to-text'] },
      { name: 'openai', label: 'OpenAI', uses: ['text-to-speech'] },
    ]);
    expect(welcomeText('memory', missing).needed).toBe('Still needed: a Deepgram key (for speech-to-text), an OpenAI key (for text-to-speech).');
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
