import type { InvokeHandlers } from '../../shared/dispatch.js';
import { KEY_NAMES, type KeyName, type KeyStatuses, type ProviderInfo } from '../../shared/ipc.js';
import { ParleyError } from '../errors.js';
import { checkKey } from '../providers/key-check.js';
import type { Settings } from '../../shared/settings.js';
import { z } from 'zod';
import { keyNameOf, providers } from '../providers/registry.js';
import type { SecretStore } from './secret-store.js';
import type { SettingsStore } from './settings-store.js';

type SettingsHandlers = Pick<InvokeHandlers, 'parley:providers' | 'parley:settings-get' | 'parley:settings-update' | 'parley:keys-status' | 'parley:key-set' | 'parley:key-delete' | 'parley:key-test'>;

/**
 * The settings and key channels, for any transport. Keys go in, only their status comes out: a
 * key counts as set when it is saved or present in the environment (<NAME>_API_KEY). `onChange`
 * runs after every saved change (the live conversation applies it).
 */
export function settingsHandlers(store: SettingsStore, secrets: SecretStore, env: NodeJS.ProcessEnv = process.env, onChange: (what: 'settings' | 'keys') => void = () => undefined): SettingsHandlers {
  const statuses = async (): Promise<KeyStatuses> => {
    const saved = new Set(await secrets.names());
    return Object.fromEntries(KEY_NAMES.map((n) => [n, saved.has(n) || env[`${n.toUpperCase()}_API_KEY`] ? 'set' : 'not-set'])) as KeyStatuses;
  };
  return {
    'parley:providers': providerCatalog,
    'parley:settings-get': () => store.settings,
    'parley:settings-update': async (request) => {
      const saved = await store.update(() => request as Settings);
      onChange('settings');
      return saved;
    },
    'parley:keys-status': statuses,
    'parley:key-set': async (request) => {
      const { name, value } = request as { name: string; value: string };
      await secrets.set(name, value.trim());
      onChange('keys');
      return statuses();
    },
    'parley:key-delete': async (request) => {
      await secrets.delete((request as { name: string }).name);
      onChange('keys');
      return statuses();
    },
    'parley:key-test': async (request) => {
      const name = (request as { name: KeyName }).name;
      const key = (await secrets.get(name)) ?? env[`${name.toUpperCase()}_API_KEY`];
      if (!key) return { ok: false as const, error: { code: 'provider/missing-key' as const, message: `no API key saved for ${name}`, provider: name } };
      try {
        await checkKey(name, key, endpointFor(name, store.settings, env));
        return { ok: true as const };
      } catch (e) {
        const error = e instanceof ParleyError ? e.toInfo() : { code: 'provider/unreachable' as const, message: String(e) };
        return { ok: false as const, error };
      }
    },
  };
}

/** The registry as data for the settings UI: each provider's settings as JSON Schema (input side, defaults included). */
export function providerCatalog(): ProviderInfo[] {
  return providers.map((p) => {
    const keyName = keyNameOf(p);
    return {
      kind: p.kind,
      id: p.id,
      displayName: p.displayName,
      local: p.local,
      requiresKey: p.requiresKey,
      keyName: p.requiresKey && (KEY_NAMES as readonly string[]).includes(keyName) ? (keyName as ProviderInfo['keyName']) : null,
      capabilities: [...p.capabilities],
      settingsSchema: z.toJSONSchema(p.settings, { io: 'input' }) as Record<string, unknown>,
    };
  });
}

/** The endpoint a key is used against: a saved provider baseUrl for that service, PARLEY_<NAME>_URL, or the default. */
function endpointFor(name: KeyName, settings: Settings, env: NodeJS.ProcessEnv): string | undefined {
  for (const p of providers) {
    if (keyNameOf(p) !== name || p.kind === 's2s') continue;
    const saved = settings.providers[p.kind][p.id]?.baseUrl;
    if (typeof saved === 'string') return saved;
  }
  return env[`PARLEY_${name.toUpperCase()}_URL`];
}
