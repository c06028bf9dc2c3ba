// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
// How the settings screen shows a provider's setting: one entry per setting NAME (shared by every
// provider that has it, never a copy per provider): its label, its help, whether it is an
// essential (shown first) or under Advanced, and human words for its choices.

/** The subset of JSON Schema the provider settings use. */
export interface FieldSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxLength?: number;
  description?: string;
}

interface FieldText {
  label: string;
  help: string;
  /** The unit shown after the label and with the default ("ms", "s", "tokens"). */
  unit?: string;
  /** Under the Advanced disclosure (connection tuning and rarely changed knobs). */
  advanced?: boolean;
  /** Human words for the values of an enum setting. */
  options?: Record<string, string>;
  /** An example value shown in the empty field. */
  example?: string;
}

const CONNECTION = 'Only change this if the connection is unreliable.';

/** Every provider setting, by name. A setting missing here still shows (essential, with its default as help). */
export const PROVIDER_FIELDS: Record<string, FieldText> = {
  baseUrl: { label: 'Server address (base URL)', help: 'Where Parley reaches this service. Leave empty for the default shown.', advanced: true },
  model: { label: 'Model', help: 'Which model to use. Leave empty for the default shown.' },
  modelId: { label: 'Model', help: "Which of the service's models speaks. Leave empty for the default shown." },
  language: { label: 'Language', help: 'The language you speak, as a code such as en-US, en or fr.', example: 'en-US' },
  voice: { label: 'Voice', help: 'The voice Parley answers with (a name the service knows). Leave empty for the default.' },
  voiceId: { label: 'Voice ID', help: "The voice Parley answers with, as the service's voice ID. Leave empty for the default shown." },
  speed: { label: 'Speaking speed', help: '1 is normal speed; lower is slower, higher is faster.' },
  gpu: {
    label: 'Graphics card (GPU)',
    help: 'Where the model runs. Automatic uses a supported graphics card when there is one and the processor otherwise.',
    options: { auto: 'Automatic', off: 'Off (processor only)', cuda: 'NVIDIA (CUDA)', vulkan: 'Vulkan', metal: 'Apple (Metal)' },
  },
  device: {
    label: 'Processor or graphics card',
    help: 'Where the model runs. Automatic is the processor: the speech library shipped with Parley is a processor build; CUDA and Core ML need a GPU build of it.',
    options: { auto: 'Automatic', cpu: 'Processor', cuda: 'NVIDIA (CUDA)', coreml: 'Apple (Core ML)' },
    advanced: true,
  },
  path: {
    label: 'Request path',
    help: "Where on the server the audio is sent. Automatic uses /audio/transcriptions for an address ending in /v1 (OpenAI's API) and /inference otherwise (whisper.cpp's server).",
    options: { auto: 'Automatic', '/inference': 'whisper.cpp (/inference)', '/audio/transcriptions': 'OpenAI-compatible (/audio/transcriptions)' },
    advanced: true,
  },
  prompt: { label: 'Spelling hints', help: 'Words to spell as you do (names, jargon), sent with every piece of audio. Leave empty for none.', advanced: true },
  maxSegmentS: { label: 'Longest piece of audio', unit: 's', help: 'A longer utterance is transcribed piece by piece; Whisper reads 30 s at a time.', advanced: true },
  timeoutMs: { label: 'Request timeout', unit: 'ms', help: 'How long one request may take, from sent to answered, before it is tried again (a server on a processor needs a while for a long piece).', advanced: true },
  launchCommand: {
    label: 'Launch command',
    help: 'Leave empty if you start the Moshi server yourself. Otherwise Parley runs this command (no shell) when a conversation needs Moshi, after you allow it once, and stops the server on quit. Its port must match the server address. Example: python -m moshi.server --port 8998 --static none',
    example: 'python -m moshi.server --port 8998 --static none',
  },
  turnDetection: {
    label: 'Turn detection',
    help: 'How the service decides you finished speaking.',
    options: { semantic_vad: 'Semantic: waits for complete thoughts', server_vad: 'Silence: ends after a fixed pause' },
  },
  instructions: { label: 'Speaking style', help: 'How the voice should sound, in words (for example "warm and calm"). Leave empty for the default.', advanced: true },
  temperature: { label: 'Temperature', help: 'Higher gives more varied answers, lower more predictable ones. Leave empty for the default.', advanced: true },
  maxTokens: { label: 'Longest answer', unit: 'tokens', help: 'The most the model may say in one answer. Leave empty for the default.', advanced: true },
  contextSize: { label: 'Context size', unit: 'tokens', help: 'How much of the conversation the model keeps in mind. Larger needs more memory.', advanced: true },
  threads: { label: 'Processor threads', help: 'How many processor threads the model uses. Leave empty to let Parley choose.', advanced: true },
  numThreads: { label: 'Processor threads', help: 'How many processor threads the model uses.', advanced: true },
  modelPath: { label: 'Model file', help: 'A model file on this computer, used instead of the installed model chosen above.', advanced: true },
  modelDir: { label: 'Model folder', help: "A folder with the model's files, used instead of the installed model chosen above.", advanced: true },
  secondPassModel: { label: 'Second-pass model', help: 'A more accurate model that transcribes each finished phrase again. Leave empty for none.', advanced: true },
  secondPassModelDir: { label: 'Second-pass model folder', help: "A folder with the second-pass model's files, used instead of an installed one.", advanced: true },
  endpointSilenceS: { label: 'Pause that ends a phrase', unit: 's', help: 'How long a pause closes a phrase of the transcript. Turn-taking decides when your turn ends.', advanced: true },
  endpointingMs: { label: 'Pause that ends a phrase', unit: 'ms', help: 'How long a pause the service waits before a phrase of the transcript is final. Turn-taking decides when your turn ends.', advanced: true },
  utteranceEndMs: { label: 'Gap that ends an utterance', unit: 'ms', help: 'A gap between words this long marks the end of an utterance for the service.', advanced: true },
  smartFormat: { label: 'Punctuation and formatting', help: 'Adds punctuation, capitals and number formatting to the transcript.', advanced: true },
  delaySec: { label: 'Transcript delay', unit: 's', help: 'How far behind your voice the transcript runs; longer is more accurate.', advanced: true },
  delayInFrames: { label: 'Transcript delay', unit: 'frames', help: 'How far behind your voice the transcript runs; longer is more accurate.', advanced: true },
  pauseThreshold: { label: 'Pause sensitivity', help: 'How sure the model must be that you paused before it says so (0 to 1).', advanced: true },
  endOfTurnThreshold: { label: 'End-of-turn confidence', help: 'How sure the service must be that you finished before it ends your turn (higher waits longer).', advanced: true },
  eagerEndOfTurnThreshold: { label: 'Early end-of-turn confidence', help: 'When the service is this sure you finished, Parley starts preparing the answer early. Leave empty to turn this off.', advanced: true },
  endOfTurnTimeoutMs: { label: 'Longest wait for the end of turn', unit: 'ms', help: 'After this much silence your turn ends even if the service is unsure.', advanced: true },
  endOfTurnHoldMs: { label: 'Hold before the end of turn', unit: 'ms', help: 'An extra wait after the service says you finished.', advanced: true },
  silenceDurationMs: { label: 'Pause that ends your turn', unit: 'ms', help: 'With Silence as turn detection: how long a pause ends your turn.', advanced: true },
  transcriptionModel: { label: 'Transcription model', help: 'The model that writes down what you say. Leave empty for the default shown.', advanced: true },
  stability: { label: 'Voice stability', help: 'Higher is steadier, lower more expressive (0 to 1).', advanced: true },
  similarityBoost: { label: 'Voice similarity', help: 'How closely the voice sticks to the original speaker (0 to 1).', advanced: true },
  cfgAlpha: { label: 'Voice adherence', help: 'How strongly the model follows the chosen voice.', advanced: true },
  speakerId: { label: 'Speaker number', help: 'For voices with several speakers: which one speaks.', advanced: true },
  sampleRate: { label: 'Sample rate', unit: 'Hz', help: 'The audio rate the voice is produced at.', advanced: true },
  outputFormat: { label: 'Audio format', help: 'The audio format the service sends.', advanced: true, options: { pcm_24000: 'PCM at 24 kHz', pcm: "PCM at the service's rate" } },
  prefetch: { label: 'Sentences prepared ahead', help: 'How many sentences are turned into speech while the current one plays; more is smoother, fewer uses less of your quota when interrupted.', advanced: true },
  keepAliveMs: { label: 'Keep-alive interval', unit: 'ms', help: `How often Parley tells the service the connection is still in use while you are silent. ${CONNECTION}`, advanced: true },
  stallTimeoutMs: { label: 'Stall timeout', unit: 'ms', help: `How long Parley waits for the service to answer before it treats the stream as stalled. ${CONNECTION}`, advanced: true },
  maxReconnects: { label: 'Reconnects', help: `How many times per conversation Parley reconnects after the connection drops. ${CONNECTION}`, advanced: true },
  handshakeTimeoutMs: { label: 'Connection timeout', unit: 'ms', help: `How long Parley waits for the server to accept the connection. ${CONNECTION}`, advanced: true },
  startTimeoutMs: { label: 'Start-up wait', unit: 'ms', help: 'How long Parley waits for a server it launched to be ready (loading a model can take minutes).', advanced: true },
  authId: { label: 'Sign-in ID', help: 'An ID sent when connecting, for servers that ask for one. Leave empty otherwise.', advanced: true },
};

/** What is needed of a provider to place its fields. */
export interface ProviderPlacement {
  local: boolean;
  localWhenLoopback?: boolean;
}

/**
 * Under Advanced? The per-name list decides, with one exception: the address of a server you run
 * yourself or may point elsewhere (Ollama, Kyutai, an OpenAI-compatible service) is an essential.
 */
export function isAdvanced(name: string, provider: ProviderPlacement): boolean {
  if (name === 'baseUrl' && (provider.local || provider.localWhenLoopback)) return false;
  return PROVIDER_FIELDS[name]?.advanced ?? false;
}

/** "stallTimeoutMs" -> "Stall timeout (ms)": for a setting the catalog does not know. */
export function fieldLabelFromName(name: string): string {
  const ms = name.endsWith('Ms');
  const words = (ms ? name.slice(0, -2) : name).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  return (ms ? `${label} (ms)` : label).replace(/\burl\b/i, 'URL').replace(/\bid\b/i, 'ID');
}

/** The label of a provider setting, with its unit ("Stall timeout (ms)"). */
export function fieldLabel(name: string): string {
  const known = PROVIDER_FIELDS[name];
  if (!known) return fieldLabelFromName(name);
  return known.unit ? `${known.label} (${known.unit})` : known.label;
}

/** Words for one choice of an enum setting ("Semantic: waits for complete thoughts" for semantic_vad). */
export function optionLabel(name: string, value: unknown): string {
  const text = String(value);
  return PROVIDER_FIELDS[name]?.options?.[text] ?? text.replace(/_/g, ' ');
}

function plainNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : String(n);
}

/**
 * The help under a field: the schema's description when it has one, else the catalog's, then its
 * range and default in words ("Between 10 and 10,000. Default: 300 ms.").
 */
export function fieldHelp(name: string, field: FieldSchema): string {
  const known = PROVIDER_FIELDS[name];
  const parts = [field.description ?? known?.help ?? ''];
  const unit = known?.unit ?? (name.endsWith('Ms') ? 'ms' : undefined);
  const withUnit = (n: number) => `${plainNumber(n)}${unit ? `\u00a0${unit}` : ''}`;
  if (field.type === 'number' || field.type === 'integer') {
    const min = field.minimum ?? field.exclusiveMinimum;
    // Schemas say "no upper bound" with the largest safe integer.
    const max = field.maximum !== undefined && field.maximum < 1e15 ? field.maximum : undefined;
    if (min !== undefined && max !== undefined && min > -1e15) parts.push(`From ${withUnit(min)} to ${withUnit(max)}.`);
    if (typeof field.default === 'number') parts.push(`Default: ${withUnit(field.default)}.`);
  } else if (field.enum && field.default !== undefined) {
    parts.push(`Default: ${optionLabel(name, field.default)}.`);
  } else if (field.type === 'boolean' && typeof field.default === 'boolean') {
    parts.push(`Default: ${field.default ? 'on' : 'off'}.`);
  }
  return parts.filter(Boolean).join(' ');
}

/** The placeholder of an empty field: its default, else an example. */
export function fieldPlaceholder(name: string, field: FieldSchema): string {
  if (field.default !== undefined && field.default !== '') return String(field.default);
  const example = PROVIDER_FIELDS[name]?.example;
  return example ? `e.g. ${example}` : '';
}

/** A provider's settings split into essentials (first, in schema order) and Advanced. */
export function splitFields(schema: Record<string, unknown>, provider: ProviderPlacement): { essentials: string[]; advanced: string[] } {
  const names = Object.keys((schema.properties ?? {}) as Record<string, unknown>);
  return { essentials: names.filter((n) => !isAdvanced(n, provider)), advanced: names.filter((n) => isAdvanced(n, provider)) };
}
