import type { KeyName } from '../../shared/ipc.js';
import { ParleyError, describeError } from '../errors.js';
import { errorFromStatus } from './http-errors.js';

/** The cheapest authenticated request of each service: proves a key works without spending anything. */
interface KeyCheck {
  name: string;
  defaultBase: string;
  path: string;
  headers: (key: string) => Record<string, string>;
  /** The API lives at the endpoint's origin (its streaming URL may carry a path of its own). */
  atOrigin?: boolean;
  /** Reads a refusal's body: 'valid' when it proves the key itself works, else the service's reason. */
  refusal?: (status: number, body: string) => 'valid' | string;
}

const CHECKS: Record<KeyName, KeyCheck> = {
  openai: { name: 'OpenAI', defaultBase: 'https://api.openai.com/v1', path: '/models', headers: (k) => ({ authorization: `Bearer ${k}` }) },
  anthropic: { name: 'Anthropic', defaultBase: 'https://api.anthropic.com', path: '/v1/models', headers: (k) => ({ 'x-api-key': k, 'anthropic-version': '2023-06-01' }) },
  deepgram: { name: 'Deepgram', defaultBase: 'https://api.deepgram.com', path: '/v1/projects', headers: (k) => ({ authorization: `Token ${k}` }) },
  elevenlabs: { name: 'ElevenLabs', defaultBase: 'https://api.elevenlabs.io', path: '/v1/user', headers: (k) => ({ 'xi-api-key': k }), refusal: elevenLabsRefusal },
  // The credit balance (Gradium's Python SDK, usages.get): authenticated, costs nothing.
  gradium: { name: 'Gradium', defaultBase: 'https://api.gradium.ai', path: '/api/usages/credits', headers: (k) => ({ 'x-api-key': k }), atOrigin: true },
};

/**
 * Makes one real, minimal call with `key` against the service's endpoint (`baseUrl` may be the
 * WebSocket URL the provider streams on; its HTTP twin is used). Resolves when the key works;
 * otherwise throws the same typed errors the providers use (invalid key, unreachable, ...).
 */
export async function checkKey(name: KeyName, key: string, baseUrl?: string, timeoutMs = 10_000): Promise<void> {
  const check = CHECKS[name];
  let base = (baseUrl ?? check.defaultBase).replace(/^ws/, 'http').replace(/\/+$/, '');
  if (check.atOrigin && URL.canParse(base)) base = new URL(base).origin;
  const url = `${base}${check.path}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: check.headers(key), signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    throw new ParleyError(timedOut ? 'provider/timeout' : 'provider/unreachable', timedOut ? `${check.name} did not answer in time (${url})` : `cannot reach ${check.name} at ${url}: ${describeError((e as Error).cause ?? e)}`, { provider: name });
  }
  if (response.ok || !check.refusal) {
    await response.body?.cancel();
    if (!response.ok) throw errorFromStatus(name, check.name, response.status);
    return;
  }
  const verdict = check.refusal(response.status, await response.text().catch(() => ''));
  if (verdict !== 'valid') throw errorFromStatus(name, check.name, response.status, verdict);
}

/**
 * A key scoped without `user_read` gets 401 `missing_permissions` from /v1/user: the service knew
 * the key, so it is valid (a wrong key gets `invalid_api_key`).
 */
function elevenLabsRefusal(_status: number, body: string): 'valid' | string {
  try {
    const detail = (JSON.parse(body) as { detail?: { status?: unknown; message?: unknown } }).detail;
    if (detail?.status === 'missing_permissions') return 'valid';
    return typeof detail?.message === 'string' ? detail.message : '';
  } catch {
    return '';
  }
}
