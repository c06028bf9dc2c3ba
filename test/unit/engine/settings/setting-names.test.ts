import { describe, expect, it } from 'vitest';
import { describeSettingPath } from '../../../../electron/engine/settings/setting-names.js';
import { defaultSettings } from '../../../../electron/shared/settings.js';

describe('settings named as a person calls them (notices)', () => {
  it('every setting and every turn-taking knob has a name, not its path', () => {
    const settings = defaultSettings() as unknown as Record<string, unknown>;
    const paths = Object.entries(settings).flatMap(([key, value]) =>
      key !== 'providers' && value && typeof value === 'object' ? [[key], ...Object.keys(value).map((inner) => [key, inner])] : [[key]],
    );
    for (const at of paths) expect(describeSettingPath(at), at.join('.')).not.toMatch(/^the setting /);
    expect(describeSettingPath(['turnTaking', 'maxWaitMs'])).toBe('the longest wait for an unfinished sentence');
  });
});
