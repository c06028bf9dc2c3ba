import { ParleyError } from '../errors.js';
import type { ProviderDescriptor, ResolvedProvider, ProviderKind } from './registry.js';

/** A host name on this machine: localhost, 127.0.0.0/8, ::1 (what no network can reach). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Whether a resolved provider keeps everything on this machine. A local provider (Ollama, Moshi)
 * and an OpenAI-compatible one count only while their endpoint is a loopback address; a vendor's
 * cloud service never does (a loopback URL for it is a test double, not a local engine).
 */
export function runsLocally(descriptor: Pick<ProviderDescriptor, 'local' | 'localWhenLoopback'>, settings: Record<string, unknown>): boolean {
  if (!descriptor.local && !descriptor.localWhenLoopback) return false;
  const baseUrl = settings.baseUrl;
  if (typeof baseUrl !== 'string') return descriptor.local;
  const host = hostOf(baseUrl);
  return host !== undefined && isLoopbackHost(host);
}

/** Offline mode's rule, enforced where providers are built: a cloud provider is refused by name. */
export function assertAllowedOffline<K extends ProviderKind>(resolved: Pick<ResolvedProvider<K>, 'descriptor' | 'settings'>): void {
  const d = resolved.descriptor;
  if (runsLocally(d, resolved.settings)) return;
  const baseUrl = typeof resolved.settings.baseUrl === 'string' ? resolved.settings.baseUrl : undefined;
  const where = baseUrl ? ` at ${hostOf(baseUrl) ?? baseUrl}` : '';
  const why = d.local || d.localWhenLoopback ? ` (its endpoint${where} is not on this machine: only a loopback address such as 127.0.0.1 counts as local)` : ` (${d.displayName} is a cloud service${where})`;
  throw new ParleyError('offline/cloud-provider', `offline mode forbids cloud providers: ${d.kind.toUpperCase()} '${d.id}' is refused${why}`, { provider: d.id });
}
