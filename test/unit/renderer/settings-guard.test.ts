import { afterEach, describe, expect, it } from 'vitest';
import { confirmLeaveSettings, hasUnsavedChanges, registerSettingsGuard } from '../../../renderer/src/settings/settings-guard.js';

describe('leaving settings with unsaved edits (renderer)', () => {
  let unregister: () => void = () => undefined;
  afterEach(() => unregister());

  it('without the settings screen shown, leaving is always fine', async () => {
    expect(await confirmLeaveSettings()).toBe(true);
  });

  it('the shown screen decides; once it is gone, it no longer does', async () => {
    let asked = 0;
    unregister = registerSettingsGuard(async () => {
      asked += 1;
      return false;
    });
    expect(await confirmLeaveSettings()).toBe(false);
    expect(asked).toBe(1);
    unregister();
    expect(await confirmLeaveSettings()).toBe(true);
  });

  it("an older screen's unregister does not remove the newer screen's guard", async () => {
    const older = registerSettingsGuard(async () => true);
    unregister = registerSettingsGuard(async () => false);
    older();
    expect(await confirmLeaveSettings()).toBe(false);
  });

  it('unsaved: a real edit; not: the same values in another key order, or a field typed and cleared', () => {
    const saved = { a: 1, providers: { stt: { deepgram: { model: 'nova-3' } } } };
    expect(hasUnsavedChanges({ a: 1, providers: { stt: { deepgram: { model: 'nova-2' } } } }, saved)).toBe(true);
    expect(hasUnsavedChanges({ providers: { stt: { deepgram: { model: 'nova-3' } } }, a: 1 }, saved)).toBe(false);
    expect(hasUnsavedChanges({ a: 1, providers: { stt: { deepgram: { model: 'nova-3' }, kyutai: {} } } }, saved)).toBe(false);
    expect(hasUnsavedChanges({ a: 2 }, undefined)).toBe(false);
  });
});
