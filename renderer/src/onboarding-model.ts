// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
// The first-run guide's decisions, from what the engine reports: only true things, in plain words.
import { KEY_LABELS, type EngineInfo, type KeyName, type KeyStatuses, type ProviderInfo } from '../../electron/shared/ipc.js';
import type { ModelEntry } from '../../electron/shared/models.js';
import type { Settings } from '../../electron/shared/settings.js';
import type { TurnView } from './conversation/model.js';
import { missingLocalModels, offlineChoice, offlineSwitches } from './models/model.js';

const ROLE: Record<ProviderInfo['kind'], string> = { stt: 'speech-to-text', llm: 'language model', tts: 'text-to-speech', s2s: 'speech-to-speech' };
const CASCADE = ['stt', 'llm', 'tts'] as const;

export interface MissingKey {
  name: KeyName;
  label: string;
  /** What the key is for, e.g. ['text-to-speech'] when only the TTS is a cloud service. */
  uses: string[];
}

/** The keys the chosen providers still need, each once with what it is for (local providers need none). */
export function missingKeys(settings: Settings, providers: ProviderInfo[], keys: KeyStatuses): MissingKey[] {
  const chosen = settings.architecture === 's2s' ? [['s2s', settings.s2s.provider] as const] : CASCADE.map((kind) => [kind, settings.cascade[kind]] as const);
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

export interface LocalSetup {
  /** The settings with every cascade stage on a local engine (the cascade chosen), ready to save. */
  settings: Settings;
  /** What moved, in words: "Speech to text: Sherpa-ONNX". */
  switched: string[];
}

const STAGE_LABELS: Record<(typeof CASCADE)[number], string> = { stt: 'Speech to text', llm: 'Language model', tts: 'Text to speech' };

/**
 * "Use the models on this computer": the cascade with each stage moved to its local engine by the
 * same rule as the settings' offline switch, offered only when every stage then has its model
 * installed (an offer that then fails on a missing model would be worse than none).
 */
export function localSetup(settings: Settings, providers: ProviderInfo[], models: ModelEntry[]): LocalSetup | undefined {
  const moves = offlineSwitches(settings, providers).filter((m) => m.kind !== 's2s');
  const next = structuredClone(settings);
  next.architecture = 'cascade';
  for (const m of moves) if (m.kind !== 's2s') next.cascade[m.kind] = m.to.id;
  // Every stage must now be local: a stage with no local engine leaves nothing to offer.
  const offline = { ...next, offlineOnly: true };
  const local = CASCADE.every((kind) => {
    const p = providers.find((x) => x.kind === kind && x.id === next.cascade[kind]);
    return p !== undefined && offlineChoice(p, offline).allowed;
  });
  if (!local || missingLocalModels(next, providers, models, [...CASCADE]).length > 0) return undefined;
  return { settings: next, switched: moves.map((m) => `${STAGE_LABELS[m.kind as (typeof CASCADE)[number]]}: ${m.to.displayName}`) };
}

/** A conversation worked: a reply was spoken to the end without an error. */
export function conversationWorked(turns: readonly TurnView[]): boolean {
  return turns.some((t) => t.assistant.trim().length > 0 && !t.speaking && t.errors.length === 0);
}

export type GuideMode = 'hidden' | 'local' | 'keys';

/**
 * Whether the guide shows and which way it offers. Never again once dismissed or once a
 * conversation worked; nothing to guide when no key is missing, unless the user is in the middle of
 * it (`engaged`: the last key just passed its test, the Start step remains); local models first
 * when they are all there (no key, nothing leaves the computer).
 */
export function guideMode(state: { done: boolean; engaged: boolean; missing: readonly MissingKey[]; local: LocalSetup | undefined }): GuideMode {
  if (state.done) return 'hidden';
  if (state.missing.length === 0) return state.engaged ? 'keys' : 'hidden';
  return state.local ? 'local' : 'keys';
}

export type KeyTest = { state: 'idle' } | { state: 'testing' } | { state: 'passed' } | { state: 'failed'; message: string };

/** Where the key walk-through stands: which service, which step, and what the user can do next. */
export interface KeyStep {
  /** The service being set up (the one picked, else the first still missing). */
  service: MissingKey | undefined;
  step: 'pick' | 'paste' | 'test' | 'start';
  /** The services still missing after this one, in words ("an OpenAI key (for text-to-speech)"). */
  after: string[];
}

const article = (label: string) => (/^[AEIOU]/.test(label) ? 'an' : 'a');
export const keyNeed = (m: MissingKey) => `${article(m.label)} ${m.label} key (for ${m.uses.join(', ')})`;

/**
 * The steps of one key: pick a service, paste its key, test it; once it passes, Start (or, when
 * another service still needs a key, that one is next). A key the engine already holds skips paste.
 */
export function keyStep(missing: readonly MissingKey[], picked: KeyName | undefined, saved: boolean, test: KeyTest): KeyStep {
  const service = missing.find((m) => m.name === picked);
  const after = missing.filter((m) => m.name !== picked).map(keyNeed);
  if (!service) return { service: undefined, step: 'pick', after };
  if (test.state === 'passed') return { service, step: 'start', after };
  return { service, step: saved ? 'test' : 'paste', after };
}

/** Where keys are kept, in plain words (environment variable names only in the details). */
export function keyStorageText(keyStorage: EngineInfo['keyStorage']): string {
  return keyStorage === 'encrypted'
    ? "Keys are encrypted with this computer's keychain and never shown again."
    : keyStorage === 'unavailable'
      ? 'This computer has no keychain Parley can use, so keys typed here are kept only until Parley closes.'
      : 'Keys typed here are kept in memory until Parley stops, and never shown again.';
}

const ENV_NAMES: Record<KeyName, string> = { deepgram: 'DEEPGRAM_API_KEY', openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', elevenlabs: 'ELEVENLABS_API_KEY', gradium: 'GRADIUM_API_KEY' };

/** For the "Details" disclosure: how to keep keys across restarts. */
export function keyDetailsText(missing: readonly MissingKey[]): string {
  const names = (missing.length ? missing.map((m) => ENV_NAMES[m.name]) : Object.values(ENV_NAMES)).join(', ');
  return `To keep keys across restarts, set ${names} in the environment before starting Parley.`;
}

/** The guide remembers "done" in the browser's storage (settings have no field for it). */
export const FIRST_RUN_DONE_KEY = 'parley.firstRunDone';
