import type { InvokeHandlers } from '../../shared/dispatch.js';
import { KEY_NAMES, type KeyName, type KeyStatuses, type ProviderInfo } from '../../shared/ipc.js';
import { ParleyError } from '../errors.js';
import { checkKey } from '../providers/key-check.js';
import { checkProviderSettings } from '../providers/provider-settings.js';
import type { Settings } from '../../shared/settings.js';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { keyNameOf, providers } from '../providers/registry.js';
import { defaultKeyOrigin, keyForEndpoint, keyOrigin, readBoundKey, saveBoundKey, type KeyAvailability } from './key-binding.js';
import type { SecretStore } from './secret-store.js';
import type { SettingsStore } from './settings-store.js';

type SettingsHandlers = Pick<InvokeHandlers, 'parley:providers' | 'parley:settings-get' | 'parley:settings-update' | 'parley:keys-status' | 'parley:key-set' | 'parley:key-delete' | 'parley:key-test'>;

/**
 * The settings and key channels, for any transport. Keys go in, only their status comes out. A
 * saved key is bound to the host the settings name for its service when it is saved, and is only
 * ever sent there (see key-binding.ts); an environment key (<NAME>_API_KEY) goes to the service's
 * API or to an endpoint the environment names. `onChange` runs after every saved change (the live
 * conversation applies it).
 */
export function settingsHandlers(store: SettingsStore, secrets: SecretStore, env: NodeJS.ProcessEnv = process.env, onChange: (what: 'settings' | 'keys') => void = () => undefined): SettingsHandlers {
  const availability = async (name: KeyName): Promise<KeyAvailability> => keyForEndpoint(name, await readBoundKey(secrets, name), keyEndpoint(name, store.settings, env)?.url, env);
  const statuses = async (): Promise<KeyStatuses> => {
    const entries = await Promise.all(KEY_NAMES.map(async (n) => [n, (await availability(n).catch(() => ({ state: 'not-set' as const }))).state] as const));
    return Object.fromEntries(entries) as KeyStatuses;
  };
  return {
    'parley:providers': providerCatalog,
    'parley:settings-get': () => store.settings,
    'parley:settings-update': async (request) => {
      const saved = await store.update((current) => {
        assertProviderSettings(request, current);
        return request;
      });
      onChange('settings');
      return saved;
    },
    'parley:keys-status': statuses,
    'parley:key-set': async ({ name, value }) => {
      // Bound to where the settings send this service now; moving it elsewhere later needs the key again.
      await saveBoundKey(secrets, name, value.trim(), keyEndpoint(name, store.settings, env)?.url ?? defaultKeyOrigin(name)!);
      onChange('keys');
      return statuses();
    },
    'parley:key-delete': async ({ name }) => {
      await secrets.delete(name);
      onChange('keys');
      return statuses();
    },
    'parley:key-test': async ({ name }) => {
      try {
        const key = await availability(name);
        if (key.state === 'wrong-host') return { ok: false as const, error: key.error.toInfo() };
        if (key.state === 'not-set') return { ok: false as const, error: { code: 'provider/missing-key' as const, message: `no API key saved for ${name}`, provider: name } };
        await checkKey(name, key.key, keyEndpoint(name, store.settings, env)?.checkBase);
        return { ok: true as const };
      } catch (e) {
        const error = e instanceof ParleyError ? e.toInfo() : { code: 'provider/unreachable' as const, message: String(e) };
        return { ok: false as const, error };
      }
    },
  };
}

/**
 * Each provider's settings that a change touches, checked against that provider's registry schema
 * (and its address against what it speaks); the first problem refuses the whole change in plain
 * words ("Deepgram: the address must be a ws:// or wss:// URL"). Entries left as they were are not
 * judged again (one saved by an older Parley must not block every other change: it is reported
 * when that provider is used), nor are providers this build does not have.
 */
export function assertProviderSettings(next: Settings, previous: Settings): void {
  for (const kind of PROVIDER_KINDS) {
    for (const [id, values] of Object.entries(next.providers[kind])) {
      if (isDeepStrictEqual(values, previous.providers[kind][id])) continue;
      const descriptor = providers.find((p) => p.kind === kind && p.id === id);
      if (!descriptor) continue;
      const checked = checkProviderSettings(descriptor, values);
      if (!checked.ok) throw new ParleyError('settings/invalid', checked.message, { provider: id });
    }
  }
}

const PROVIDER_KINDS = ['stt', 'llm', 'tts', 's2s'] as const;

/** The registry as data for the settings UI: each provider's settings as JSON Schema (input side, defaults included). */
export function providerCatalog(): ProviderInfo[] {
  return providers.map((p) => {
    const keyName = keyNameOf(p);
    return {
      kind: p.kind,
      id: p.id,
      displayName: p.displayName,
      local: p.local,
      ...(p.localWhenLoopback ? { localWhenLoopback: true } : {}),
      requiresKey: p.requiresKey,
      keyName: p.requiresKey && (KEY_NAMES as readonly string[]).includes(keyName) ? (keyName as ProviderInfo['keyName']) : null,
      capabilities: [...p.capabilities],
      settingsSchema: z.toJSONSchema(p.settings, { io: 'input' }) as Record<string, unknown>,
    };
  });
}

/**
 * Where the settings send a service's key now: the providers in use first (the selected
 * architecture's, then the other's), then any other provider of that service; its saved baseUrl,
 * else PARLEY_<PROVIDER>_URL, else its default. `checkBase` is the HTTP API the key Test calls: a
 * speech-to-speech WebSocket has none of its own, so the service's API path on the same origin.
 */
export function keyEndpoint(name: string, settings: Settings, env: NodeJS.ProcessEnv): { url: string; checkBase: string } | undefined {
  const cascade = [['stt', settings.cascade.stt], ['llm', settings.cascade.llm], ['tts', settings.cascade.tts], ['llm', settings.cascade.fallbackLlm], ['tts', settings.cascade.fallbackTts]] as const;
  const s2s = [['s2s', settings.s2s.provider]] as const;
  const selected = (settings.architecture === 's2s' ? [...s2s, ...cascade] : [...cascade, ...s2s]).flatMap(([kind, id]) => providers.filter((p) => p.kind === kind && p.id === id));
  for (const p of [...selected, ...providers]) {
    if (keyNameOf(p) !== name) continue;
    const saved = settings.providers[p.kind][p.id]?.baseUrl;
    const url = typeof saved === 'string' ? saved : (env[`PARLEY_${p.env}_URL`] ?? defaultBaseUrl(p));
    if (!url) continue;
    if (p.kind !== 's2s') return { url, checkBase: url };
    const api = providers.find((q) => keyNameOf(q) === name && q.kind !== 's2s');
    const apiPath = api ? new URL(defaultBaseUrl(api) ?? 'http://x/').pathname.replace(/\/$/, '') : '';
    return { url, checkBase: `${keyOrigin(url)}${apiPath}` };
  }
  return undefined;
}

function defaultBaseUrl(p: (typeof providers)[number]): string | undefined {
  const parsed = (p.settings.shape as Record<string, z.ZodType>).baseUrl?.safeParse(undefined);
  return parsed?.success && typeof parsed.data === 'string' ? parsed.data : undefined;
}
