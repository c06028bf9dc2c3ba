import type { z } from 'zod';
import { KEY_LABELS, type KeyName } from '../../shared/ipc.js';
import { ParleyError } from '../errors.js';
import { keyNameOf, providers } from '../providers/registry.js';
import type { SecretStore } from './secret-store.js';

/**
 * A saved API key is bound to the origin it was saved for (scheme, host, port; ws counts as http):
 * it is only ever sent there. Pointing a provider at another host (a page of `parley serve` can
 * change settings) cannot send the saved key along: the user enters the key again for that host.
 */
export interface StoredKey {
  value: string;
  origin: string;
}

const FORMAT = 'parley-key/1';

/** The origin a key is bound to: `wss://api.openai.com/v1/realtime` -> `https://api.openai.com`. */
export function keyOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ParleyError('settings/invalid', `not a valid endpoint URL: ${url}`);
  }
  const scheme = parsed.protocol === 'wss:' ? 'https:' : parsed.protocol === 'ws:' ? 'http:' : parsed.protocol;
  return new URL(`${scheme}//${parsed.host}`).origin;
}

/**
 * The service's own API: the default endpoint of its first cloud provider (e.g.
 * https://api.openai.com), or of its local server for a service that only runs locally.
 */
export function defaultKeyOrigin(name: string): string | undefined {
  const using = providers.filter((p) => keyNameOf(p) === name);
  for (const p of [...using.filter((p) => !p.local), ...using.filter((p) => p.local)]) {
    const baseUrl = (p.settings.shape as Record<string, z.ZodType>).baseUrl?.safeParse(undefined);
    if (baseUrl?.success && typeof baseUrl.data === 'string') return keyOrigin(baseUrl.data);
  }
  return undefined;
}

/** Saves `value` as the key of `name`, for the origin of `endpoint` only. */
export async function saveBoundKey(secrets: SecretStore, name: string, value: string, endpoint: string): Promise<void> {
  await secrets.set(name, JSON.stringify({ format: FORMAT, key: value, origin: keyOrigin(endpoint) }));
}

/**
 * The saved key of `name` and its origin. A key saved before keys were bound to hosts counts as
 * the service's own API's (where it was issued): never the endpoint the settings name now, which a
 * page could have changed.
 */
export async function readBoundKey(secrets: SecretStore, name: string): Promise<StoredKey | undefined> {
  const raw = await secrets.get(name);
  if (raw === undefined) return undefined;
  try {
    const parsed = JSON.parse(raw) as { format?: unknown; key?: unknown; origin?: unknown };
    if (parsed.format === FORMAT && typeof parsed.key === 'string' && typeof parsed.origin === 'string') return { value: parsed.key, origin: parsed.origin };
  } catch {
    // A plain key: saved before this format.
  }
  const origin = defaultKeyOrigin(name);
  return origin ? { value: raw, origin } : undefined;
}

/**
 * Origins the environment's <NAME>_API_KEY may go to: the service's own API and any endpoint the
 * environment itself names for a provider using that key (PARLEY_<PROVIDER>_URL). Both are the
 * user's explicit choice at launch; an endpoint set from a page is not.
 */
export function environmentKeyOrigins(name: string, env: NodeJS.ProcessEnv): Set<string> {
  const origins = new Set<string>();
  const own = defaultKeyOrigin(name);
  if (own) origins.add(own);
  for (const p of providers) {
    const url = keyNameOf(p) === name ? env[`PARLEY_${p.env}_URL`] : undefined;
    if (!url) continue;
    try {
      origins.add(keyOrigin(url));
    } catch {
      // An invalid URL in the environment is reported where it is used.
    }
  }
  return origins;
}

export type KeyAvailability = { state: 'set'; key: string } | { state: 'not-set' } | { state: 'wrong-host'; error: ParleyError };

/**
 * Which key may be sent to `endpoint` for service `name`: the saved one if saved for that origin,
 * else the environment's if the environment allows that origin. A key that exists only for other
 * hosts is a typed error saying so (never sent).
 */
export function keyForEndpoint(name: string, stored: StoredKey | undefined, endpoint: string | undefined, env: NodeJS.ProcessEnv, provider: string = name): KeyAvailability {
  const target = endpoint ? keyOrigin(endpoint) : defaultKeyOrigin(name);
  if (stored && stored.origin === target) return { state: 'set', key: stored.value };
  const variable = `${name.toUpperCase()}_API_KEY`;
  const fromEnv = env[variable];
  const allowed = environmentKeyOrigins(name, env);
  if (fromEnv && target && allowed.has(target)) return { state: 'set', key: fromEnv };
  if (!target || (!stored && !fromEnv)) return { state: 'not-set' };
  const label = KEY_LABELS[name as KeyName] ?? name;
  if (stored) {
    const [saved, wanted] = shown(stored.origin, target);
    return { state: 'wrong-host', error: new ParleyError('provider/key-wrong-host', `the ${label} key was saved for ${saved}; enter it again to use it with ${wanted}`, { provider }) };
  }
  const wanted = shown(target, [...allowed][0] ?? target)[0];
  const hosts = [...allowed].map((o) => shown(o, target)[0]).join(', ');
  return {
    state: 'wrong-host',
    error: new ParleyError('provider/key-wrong-host', `the ${label} key from ${variable} is sent only to ${hosts}; to use it with ${wanted}, name that address in the provider's PARLEY_..._URL variable or enter a key in settings`, { provider }),
  };
}

/** Hosts for a message; whole origins when only the scheme differs. */
function shown(a: string, b: string): [string, string] {
  const ha = new URL(a).host;
  const hb = new URL(b).host;
  return ha === hb ? [a, b] : [ha, hb];
}
