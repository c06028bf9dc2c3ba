import type { InvokeHandlers } from '../../shared/dispatch.js';
import { KEY_NAMES, type KeyStatuses, type ProviderInfo } from '../../shared/ipc.js';
import type { Settings } from '../../shared/settings.js';
import { z } from 'zod';
import { providers } from '../providers/registry.js';
import type { SecretStore } from './secret-store.js';
import type { SettingsStore } from './settings-store.js';

type SettingsHandlers = Pick<InvokeHandlers, 'parley:providers' | 'parley:settings-get' | 'parley:settings-update' | 'parley:keys-status' | 'parley:key-set' | 'parley:key-delete'>;

/**
 * The settings and key channels, for any transport. Keys go in, only their status comes out: a
 * key counts as set when it is saved or present in the environment (<NAME>_API_KEY).
 */
export function settingsHandlers(store: SettingsStore, secrets: SecretStore, env: NodeJS.ProcessEnv = process.env): SettingsHandlers {
  const statuses = async (): Promise<KeyStatuses> => {
    const saved = new Set(await secrets.names());
    return Object.fromEntries(KEY_NAMES.map((n) => [n, saved.has(n) || env[`${n.toUpperCase()}_API_KEY`] ? 'set' : 'not-set'])) as KeyStatuses;
  };
  return {
    'parley:providers': providerCatalog,
    'parley:settings-get': () => store.settings,
    'parley:settings-update': (request) => store.update(() => request as Settings),
    'parley:keys-status': statuses,
    'parley:key-set': async (request) => {
      const { name, value } = request as { name: string; value: string };
      await secrets.set(name, value.trim());
      return statuses();
    },
    'parley:key-delete': async (request) => {
      await secrets.delete((request as { name: string }).name);
      return statuses();
    },
  };
}

/** The registry as data for the settings UI: each provider's settings as JSON Schema (input side, defaults included). */
export function providerCatalog(): ProviderInfo[] {
  return providers.map((p) => {
    const keyName = p.env.toLowerCase();
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
