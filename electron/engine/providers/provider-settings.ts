import type { z } from 'zod';
import { issuePath, plainIssue, settingWords } from '../../shared/issues.js';

/** What checking a provider's settings needs from its registry entry. */
export interface ProviderSettingsOwner {
  displayName: string;
  settings: z.ZodObject;
}

export type ProviderSettingsCheck = { ok: true; settings: Record<string, unknown> } | { ok: false; field: string; message: string };

/**
 * A provider's settings checked against its registry schema, and its address against what the
 * provider speaks: a WebSocket service needs a ws:// or wss:// URL (http:// and https:// are taken
 * as their WebSocket twins, as the WebSocket client does), an HTTP API an http:// or https:// one.
 * A problem comes back in plain words naming the provider and the field ("Deepgram: the address
 * must be a ws:// or wss:// URL"). `addressFrom` names where the address came from when it was not
 * the settings (an environment variable).
 */
export function checkProviderSettings(owner: ProviderSettingsOwner, input: Record<string, unknown>, o: { addressFrom?: string } = {}): ProviderSettingsCheck {
  const protocol = addressProtocol(owner);
  const parsed = owner.settings.safeParse(input, { reportInput: true });
  const refuse = (field: string, problem: string): ProviderSettingsCheck => ({ ok: false, field, message: `${owner.displayName}: ${problem}` });
  const address = (what: string) => refuse('baseUrl', `${what} must be ${protocol === 'ws' ? 'a ws:// or wss://' : 'an http:// or https://'} URL`);
  const addressName = o.addressFrom ?? settingWords('baseUrl');
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issuePath(issue);
    if (field === 'baseUrl' && protocol) return address(addressName);
    return refuse(field, `${settingWords(field)} ${plainIssue(issue)}`);
  }
  const settings = parsed.data as Record<string, unknown>;
  if (protocol && typeof settings.baseUrl === 'string' && !(URL.canParse(settings.baseUrl) && ACCEPTED[protocol].some((p) => p === new URL(settings.baseUrl as string).protocol))) return address(addressName);
  return { ok: true, settings };
}

const ACCEPTED = { ws: ['ws:', 'wss:', 'http:', 'https:'], http: ['http:', 'https:'] } as const satisfies Record<string, readonly string[]>;

/** What the provider's address speaks, judged by its default ('ws' for wss://api.deepgram.com); undefined without one. */
function addressProtocol(owner: ProviderSettingsOwner): 'ws' | 'http' | undefined {
  const field = (owner.settings.shape as Record<string, z.ZodType | undefined>).baseUrl;
  const fallback = field?.safeParse(undefined);
  if (!fallback?.success || typeof fallback.data !== 'string') return undefined;
  const scheme = URL.canParse(fallback.data) ? new URL(fallback.data).protocol : '';
  if (scheme === 'ws:' || scheme === 'wss:') return 'ws';
  if (scheme === 'http:' || scheme === 'https:') return 'http';
  return undefined;
}
