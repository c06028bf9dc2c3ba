import { offlineRefusal } from '../../shared/offline.js';
import { ParleyError } from '../errors.js';
import type { ResolvedProvider, ProviderKind } from './registry.js';

// The rule itself lives in shared/ (the settings UI greys out what the engine would refuse).
export { isLoopbackHost, runsLocally } from '../../shared/offline.js';

/** Offline mode's rule, enforced where providers are built: a cloud provider is refused by name. */
export function assertAllowedOffline<K extends ProviderKind>(resolved: Pick<ResolvedProvider<K>, 'descriptor' | 'settings'>): void {
  const d = resolved.descriptor;
  const why = offlineRefusal(d, resolved.settings);
  if (why === undefined) return;
  throw new ParleyError('offline/cloud-provider', `offline mode forbids cloud providers: ${d.kind.toUpperCase()} '${d.id}' is refused (${why})`, { provider: d.id });
}
