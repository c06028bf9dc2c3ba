/**
 * Offline mode's rule, shared by the engine (which refuses) and the settings UI (which greys out):
 * a provider keeps everything on this machine when it is local (an embedded engine, a local server)
 * and, if it has an endpoint, that endpoint is a loopback address; a provider speaking an API that
 * local servers also offer (OpenAI-compatible) counts only while its endpoint is loopback.
 */

/** A host name on this machine: localhost, 127.0.0.0/8, ::1 (what no network can reach). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Whether a provider with these settings keeps everything on this machine. */
export function runsLocally(provider: { local: boolean; localWhenLoopback?: boolean | undefined }, settings: Record<string, unknown>): boolean {
  if (!provider.local && !provider.localWhenLoopback) return false;
  const baseUrl = settings.baseUrl;
  if (typeof baseUrl !== 'string') return provider.local;
  const host = hostOf(baseUrl);
  return host !== undefined && isLoopbackHost(host);
}

/** Why offline mode refuses this provider with these settings, in words (undefined: it is allowed). */
export function offlineRefusal(provider: { displayName: string; local: boolean; localWhenLoopback?: boolean | undefined }, settings: Record<string, unknown>): string | undefined {
  if (runsLocally(provider, settings)) return undefined;
  const baseUrl = typeof settings.baseUrl === 'string' ? settings.baseUrl : undefined;
  const where = baseUrl ? ` at ${hostOf(baseUrl) ?? baseUrl}` : '';
  return provider.local || provider.localWhenLoopback ? `its endpoint${where} is not on this machine: only a loopback address such as 127.0.0.1 counts as local` : `${provider.displayName} is a cloud service${where}`;
}
