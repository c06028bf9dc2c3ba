// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
// What the welcome screen says, from what the engine reports: only true things.
import { KEY_LABELS, type EngineInfo, type KeyName, type KeyStatuses, type ProviderInfo } from '../../electron/shared/ipc.js';
import type { Settings } from '../../electron/shared/settings.js';

const ROLE: Record<ProviderInfo['kind'], string> = { stt: 'speech-to-text', llm: 'language model', tts: 'text-to-speech', s2s: 'speech-to-speech' };

export interface MissingKey {
  name: KeyName;
  label: string;
  /** What the key is for, e.g. ['text-to-speech'] when only the TTS is a cloud service. */
  uses: string[];
}

/** The keys the chosen providers still need, each once with what it is for (local providers need none). */
export function missingKeys(settings: Settings, providers: ProviderInfo[], keys: KeyStatuses): MissingKey[] {
  const chosen = settings.architecture === 's2s' ? [['s2s', settings.s2s.provider] as const] : (['stt', 'llm', 'tts'] as const).map((kind) => [kind, settings.cascade[kind]] as const);
  const missing = new Map<KeyName, MissingKey>();
  for (const [kind, id] of chosen) {
    const name = providers.find((p) => p.kind === kind && p.id === id)?.keyName;
    if (!name || keys[name] === 'set') continue;
    const entry = missing.get(name) ?? { name, label: KEY_LABELS[name], uses: [] };
    entry.uses.push(ROLE[kind]);
    missing.set(name, entry);
  }
  return [...missing.values()];
}

const ENV_NAMES: Record<KeyName, string> = { deepgram: 'DEEPGRAM_API_KEY', openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', elevenlabs: 'ELEVENLABS_API_KEY', gradium: 'GRADIUM_API_KEY' };

export function welcomeText(keyStorage: EngineInfo['keyStorage'], missing: MissingKey[]): { cloud: string; local: string; needed: string } {
  const envNames = missing.length ? missing.map((m) => ENV_NAMES[m.name]).join(', ') : 'DEEPGRAM_API_KEY, OPENAI_API_KEY (and so on)';
  const where =
    keyStorage === 'encrypted'
      ? "Keys are encrypted with this computer's keychain and never shown again."
      : keyStorage === 'unavailable'
        ? `This computer has no keychain Parley can use, so keys cannot be saved here: set ${envNames} in the environment before starting Parley.`
        : `Keys typed here are kept in memory until \`parley serve\` stops and never shown again; to keep them, start it with ${envNames} set in the environment.`;
  const article = (label: string) => (/^[AEIOU]/.test(label) ? 'an' : 'a');
  return {
    cloud: `Cloud services give the fastest, best answers. Paste an API key for each service you pick. ${where}`,
    local:
      'Local models run on this machine: a language model served by Ollama (or another OpenAI-compatible server), or Kyutai Moshi for speech-to-speech (it needs a capable GPU). ' +
      'In the cascade, speech-to-text and text-to-speech still use a cloud service: local ones are not available yet.',
    needed: `Still needed: ${missing.map((m) => `${article(m.label)} ${m.label} key (for ${m.uses.join(', ')})`).join(', ')}.`,
  };
}
