import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { providerCatalog, settingsHandlers } from '../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../electron/engine/settings/settings-store.js';
import { settingWords } from '../../../electron/shared/issues.js';
import { providerFieldProblem } from '../../../renderer/src/settings/provider-problems.js';

// The settings view shows a provider setting the engine refused at its field: it finds the field
// from the engine's own words, so both must stay in step.
describe('a refused provider setting, at its field (renderer)', () => {
  const catalog = providerCatalog();
  const info = (kind: string, id: string) => catalog.find((p) => p.kind === kind && p.id === id)!;

  it('the engine\'s refusal of a Deepgram address lands at Base URL, in the field\'s words', async () => {
    const store = new SettingsStore(path.join(mkdtempSync(path.join(tmpdir(), 'parley-field-')), 'settings.json'));
    await store.load();
    const next = structuredClone(store.settings);
    next.providers.stt.deepgram = { baseUrl: 'ftp://api.deepgram.com' };
    const save = async () => settingsHandlers(store, new MemorySecretStore(), {})['parley:settings-update'](next);
    const refusal = (await save().catch((e: unknown) => e)) as Error;
    expect(providerFieldProblem(refusal.message, info('stt', 'deepgram'))).toEqual({ field: 'baseUrl', text: 'Must be a ws:// or wss:// URL.' });
    // Another provider's form does not claim it.
    expect(providerFieldProblem(refusal.message, info('stt', 'deepgram-flux'))).toBeUndefined();
  });

  it('every field of every provider is found from its words, and only that field', () => {
    for (const p of catalog) {
      for (const field of Object.keys(p.settingsSchema.properties as object)) {
        expect(providerFieldProblem(`${p.displayName}: ${settingWords(field)} must be at most 3`, p), `${p.kind}:${p.id} ${field}`).toEqual({ field, text: 'Must be at most 3.' });
      }
    }
  });

  it('a message about something else finds no field', () => {
    expect(providerFieldProblem('cannot save settings: the disk is full', info('llm', 'anthropic'))).toBeUndefined();
    expect(providerFieldProblem('Anthropic Claude: the weather must be nice', info('llm', 'anthropic'))).toBeUndefined();
  });
});
