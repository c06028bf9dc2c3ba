// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
import type { ProviderInfo } from '../../../electron/shared/ipc.js';
import { settingWords } from '../../../electron/shared/issues.js';

/**
 * The field of `provider`'s form that the engine's refusal is about, and what to say there. The
 * engine words a refused provider setting as "<provider>: <the setting in words> <problem>"
 * ("Deepgram: the address must be a ws:// or wss:// URL"), with the same words for each setting
 * as here, so the field is found from the message: "Must be a ws:// or wss:// URL." at Base URL.
 */
export function providerFieldProblem(message: string, provider: Pick<ProviderInfo, 'displayName' | 'settingsSchema'>): { field: string; text: string } | undefined {
  const fields = Object.keys((provider.settingsSchema.properties ?? {}) as Record<string, unknown>);
  // The longest match: "the model name ..." is about modelName, not model.
  const matches = fields.map((field) => ({ field, prefix: `${provider.displayName}: ${settingWords(field)} ` })).filter((m) => message.startsWith(m.prefix));
  const best = matches.sort((a, b) => b.prefix.length - a.prefix.length)[0];
  if (!best) return undefined;
  const problem = message.slice(best.prefix.length).trim().replace(/\.$/, '');
  return { field: best.field, text: `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.` };
}
