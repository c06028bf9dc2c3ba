import { describe, expect, it } from 'vitest';
import { defaultSettings, SettingsSchema, SETTINGS_VERSION } from '../../../electron/shared/settings.js';

describe('settings defaults', () => {
  it('each parse gets its own objects: a provider entry added to one settings object appears in no later one', () => {
    const first = defaultSettings();
    first.providers.stt['deepgram'] = { model: 'nova-3' };
    first.cascade.fallbackLlm = 'anthropic';
    first.audio.inputDeviceId = 'usb-mic';
    const later = [defaultSettings(), SettingsSchema.parse({ version: SETTINGS_VERSION }), SettingsSchema.parse({ version: SETTINGS_VERSION, providers: {} })];
    for (const s of later) {
      expect(s.providers.stt).toEqual({});
      expect(s.cascade.fallbackLlm).toBeUndefined();
      expect(s.audio).toEqual({});
    }
  });
});
