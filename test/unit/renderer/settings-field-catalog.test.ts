import { describe, expect, it } from 'vitest';
import { providerCatalog } from '../../../electron/engine/settings/handlers.js';
import { PROVIDER_FIELDS, fieldHelp, fieldLabel, fieldPlaceholder, isAdvanced, optionLabel, splitFields, type FieldSchema } from '../../../renderer/src/settings/field-catalog.js';

// The settings screen places, labels and explains each provider setting by its name, from one list.
describe('provider settings on the settings screen (renderer)', () => {
  const catalog = providerCatalog();
  const fieldsOf = (p: (typeof catalog)[number]) => Object.entries((p.settingsSchema.properties ?? {}) as Record<string, FieldSchema>);

  it('every setting of every provider has a label and help in words from the list (none falls back to its name)', () => {
    for (const p of catalog) {
      for (const [name, field] of fieldsOf(p)) {
        expect(PROVIDER_FIELDS[name], `${p.kind}/${p.id}.${name} is in the list`).toBeDefined();
        expect(fieldHelp(name, field).length, `${p.id}.${name} has help`).toBeGreaterThan(10);
        expect(fieldLabel(name)).not.toMatch(/[a-z][A-Z]|_/);
      }
    }
  });

  it('connection tuning is under Advanced for every provider; what you choose first is not', () => {
    for (const p of catalog) {
      const { essentials, advanced } = splitFields(p.settingsSchema, p);
      for (const tuning of ['keepAliveMs', 'stallTimeoutMs', 'maxReconnects', 'handshakeTimeoutMs', 'prefetch', 'startTimeoutMs']) expect(essentials).not.toContain(tuning);
      for (const choice of ['model', 'voice', 'voiceId', 'language', 'launchCommand', 'gpu', 'turnDetection']) expect(advanced).not.toContain(choice);
      expect([...essentials, ...advanced].sort()).toEqual(fieldsOf(p).map(([n]) => n).sort());
    }
  });

  it("a cloud service's address is advanced; the address of a server you run or may point elsewhere is an essential", () => {
    expect(isAdvanced('baseUrl', { local: false })).toBe(true);
    expect(isAdvanced('baseUrl', { local: true })).toBe(false);
    expect(isAdvanced('baseUrl', { local: false, localWhenLoopback: true })).toBe(false);
    const info = (kind: string, id: string) => catalog.find((p) => p.kind === kind && p.id === id)!;
    expect(splitFields(info('stt', 'deepgram').settingsSchema, info('stt', 'deepgram')).essentials).toEqual(['model', 'language']);
    expect(splitFields(info('s2s', 'moshi').settingsSchema, info('s2s', 'moshi')).essentials).toEqual(['baseUrl', 'launchCommand']);
  });

  it('choices are in words, with a readable fallback for a value the list does not know', () => {
    expect(optionLabel('turnDetection', 'semantic_vad')).toBe('Semantic: waits for complete thoughts');
    expect(optionLabel('turnDetection', 'server_vad')).toBe('Silence: ends after a fixed pause');
    expect(['auto', 'off', 'cuda', 'vulkan', 'metal'].map((v) => optionLabel('gpu', v))).toEqual(['Automatic', 'Off (processor only)', 'NVIDIA (CUDA)', 'Vulkan', 'Apple (Metal)']);
    expect(optionLabel('turnDetection', 'new_mode')).toBe('new mode');
  });

  it('help says the range and the default in the unit; a schema description wins over the list', () => {
    expect(fieldHelp('endpointingMs', { type: 'integer', minimum: 10, maximum: 10000, default: 300 })).toMatch(/From 10\u00a0ms to 10,000\u00a0ms\. Default: 300\u00a0ms\.$/);
    // "No upper bound" (the largest safe integer) is not stated as a range.
    expect(fieldHelp('stallTimeoutMs', { type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991, default: 10000 })).toMatch(/unreliable\. Default: 10,000\u00a0ms\.$/);
    expect(fieldHelp('gpu', { type: 'string', enum: ['auto', 'off'], default: 'auto' })).toMatch(/Default: Automatic\.$/);
    expect(fieldHelp('model', { type: 'string', description: 'From the schema.' })).toBe('From the schema.');
    expect(fieldLabel('stallTimeoutMs')).toBe('Stall timeout (ms)');
    expect(fieldLabel('someNewSettingMs')).toBe('Some new setting (ms)');
  });

  it('the Moshi launch command shows a concrete example command, and its help gives it too', () => {
    const moshi = catalog.find((p) => p.id === 'moshi')!;
    const field = ((moshi.settingsSchema.properties ?? {}) as Record<string, FieldSchema>).launchCommand!;
    expect(fieldPlaceholder('launchCommand', field)).toBe('e.g. python -m moshi.server --port 8998 --static none');
    expect(fieldHelp('launchCommand', field)).toContain('Example: python -m moshi.server --port 8998');
    // A default, when there is one, is the placeholder.
    expect(fieldPlaceholder('model', { type: 'string', default: 'nova-3' })).toBe('nova-3');
  });
});
