import type OpenAI from 'openai';

/**
 * A value built on first use and kept. Vendor SDKs are loaded this way, when a provider first
 * talks: the registry, the settings UI and every command that never calls the vendor stay light.
 */
export function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= build());
}

/** The official OpenAI client for an OpenAI-compatible endpoint, loaded on first use; retries are ours, not the SDK's. */
export function openAiClient(settings: { baseUrl: string; stallTimeoutMs: number }, apiKey: string | undefined): () => Promise<OpenAI> {
  return onFirstUse(async () => {
    const { default: OpenAiSdk } = await import('openai');
    // Local servers ignore the key but the SDK insists on one.
    return new OpenAiSdk({ apiKey: apiKey || 'not-needed', baseURL: settings.baseUrl, maxRetries: 0, timeout: settings.stallTimeoutMs });
  });
}
