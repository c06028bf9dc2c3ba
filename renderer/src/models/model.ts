// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
import type { DeviceInfo } from '../../../electron/shared/conversation.js';
import type { ErrorInfo } from '../../../electron/shared/errors.js';
import type { ProviderInfo } from '../../../electron/shared/ipc.js';
import type { ModelEntry, ModelPreset, ModelTaskName, TransferStatus } from '../../../electron/shared/models.js';
import { offlineRefusal } from '../../../electron/shared/offline.js';
import type { Settings } from '../../../electron/shared/settings.js';
import { formatBytes } from '../../../electron/shared/format.js';

export { formatBytes };

export const TASK_LABELS: Record<ModelTaskName, string> = {
  stt: 'Speech recognition',
  llm: 'Language models',
  tts: 'Voices (speech synthesis)',
  vad: 'Voice activity detection',
  turn: 'Turn detection',
};
const TASK_ORDER: ModelTaskName[] = ['stt', 'llm', 'tts', 'turn', 'vad'];

/** The catalog by task, in the order of the conversation (hear, think, speak), catalog order within. */
export function groupByTask(models: ModelEntry[]): { task: ModelTaskName; label: string; models: ModelEntry[] }[] {
  return TASK_ORDER.map((task) => ({ task, label: TASK_LABELS[task], models: models.filter((m) => m.task === task) })).filter((g) => g.models.length > 0);
}


export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function sizeText(m: Pick<ModelEntry, 'sizeBytes'>): string {
  return m.sizeBytes === null ? 'size unknown' : formatBytes(m.sizeBytes);
}

export function memoryText(m: Pick<ModelEntry, 'memoryMb'>): string {
  if (m.memoryMb === null) return 'memory unknown';
  return m.memoryMb >= 1024 ? `about ${(m.memoryMb / 1024).toFixed(1)} GB of memory` : `about ${m.memoryMb} MB of memory`;
}

const STATE_WORDS: Record<TransferStatus['state'], string> = {
  connecting: 'Connecting',
  downloading: 'Downloading',
  paused: 'Paused',
  retrying: 'Connection lost, resuming',
  unpacking: 'Verified, unpacking',
  done: 'Installed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** One line for a transfer: "Downloading: 12 MB of 40 MB, 2.1 MB/s, about 13 s left". */
export function transferText(t: TransferStatus): string {
  const parts: string[] = [];
  if (t.receivedBytes > 0 || t.totalBytes !== null) parts.push(t.totalBytes !== null ? `${formatBytes(t.receivedBytes)} of ${formatBytes(t.totalBytes)}` : formatBytes(t.receivedBytes));
  if (t.state === 'downloading' && t.bytesPerSecond > 0) parts.push(`${formatBytes(t.bytesPerSecond)}/s`);
  if (t.state === 'downloading' && t.etaSeconds !== null) parts.push(`about ${formatDuration(t.etaSeconds)} left`);
  return parts.length ? `${STATE_WORDS[t.state]}: ${parts.join(', ')}` : STATE_WORDS[t.state];
}

/** Percent done for a progress bar (undefined while the total is unknown). */
export function transferPercent(t: TransferStatus): number | undefined {
  if (t.totalBytes === null || t.totalBytes === 0) return undefined;
  return Math.min(100, Math.round((t.receivedBytes / t.totalBytes) * 100));
}

export const TRANSFER_RUNNING: readonly TransferStatus['state'][] = ['connecting', 'downloading', 'paused', 'retrying', 'unpacking'];
export const isRunning = (t: TransferStatus) => TRANSFER_RUNNING.includes(t.state);

/**
 * A model error in the page's words. The engine's messages are written for the terminal too
 * ("run parley models pull <id> --sha256 <hex>"); here the same advice points at the page.
 */
export function modelErrorText(error: ErrorInfo, model?: string): string {
  switch (error.code) {
    case 'model/checksum-unknown':
      return `The catalog has no confirmed checksum for ${model ?? 'this model'}, so it is not installed unverified. Get its sha256 from the publisher, enter it under "Checksum" and install again.`;
    case 'model/checksum-mismatch':
      return `The file downloaded does not match its checksum, so it was deleted and nothing was installed. ${error.message.replace(/^the download/, 'The download')}.`;
    case 'model/disk-full':
      return `Not enough disk space: ${error.message.replace(/^not enough disk space: /, '')}.`;
    default: {
      const m = error.message;
      return `${m.charAt(0).toUpperCase()}${m.slice(1)}${/[.!?]$/.test(m) ? '' : '.'}`;
    }
  }
}

/** The models of a preset that are not installed yet, in the preset's order. */
export function presetMissing(preset: ModelPreset, models: ModelEntry[]): ModelEntry[] {
  return Object.values(preset.models).flatMap((id) => {
    const m = models.find((e) => e.id === id);
    return m && !m.installed ? [m] : [];
  });
}

type Kind = ProviderInfo['kind'];

/** Offline mode: whether a provider can be chosen, and if not, why (the engine's own rule). */
export function offlineChoice(provider: ProviderInfo, settings: Settings): { allowed: true } | { allowed: false; reason: string } {
  if (!settings.offlineOnly) return { allowed: true };
  const why = offlineRefusal(provider, settings.providers[provider.kind][provider.id] ?? {});
  return why === undefined ? { allowed: true } : { allowed: false, reason: `Offline only: ${why}` };
}

/** The provider chosen for a stage (the cascade's three, or the speech-to-speech model). */
export function chosenProvider(settings: Settings, kind: Kind): string {
  return kind === 's2s' ? settings.s2s.provider : settings.cascade[kind];
}

/**
 * Turning offline mode on: for each stage whose chosen provider would be refused, the local one to
 * switch to (an embedded engine first: it needs no server), if the stage has one.
 */
export function offlineSwitches(settings: Settings, providers: ProviderInfo[]): { kind: Kind; from: ProviderInfo | undefined; to: ProviderInfo }[] {
  const on = { ...settings, offlineOnly: true };
  const out: { kind: Kind; from: ProviderInfo | undefined; to: ProviderInfo }[] = [];
  for (const kind of ['stt', 'llm', 'tts', 's2s'] as const) {
    const options = providers.filter((p) => p.kind === kind);
    const from = options.find((p) => p.id === chosenProvider(settings, kind));
    if (from && offlineChoice(from, on).allowed) continue;
    const allowed = options.filter((p) => offlineChoice(p, on).allowed);
    const to = allowed.find((p) => p.capabilities.includes('embedded')) ?? allowed[0];
    if (to) out.push({ kind, from, to });
  }
  return out;
}

export interface MissingModel {
  kind: Kind;
  provider: string;
  /** The setting that names it (model, secondPassModel). */
  setting: string;
  id: string;
  name: string;
}

/**
 * The installed-model settings of the chosen embedded providers (llama.cpp, sherpa-onnx) whose
 * model is not installed: each named, so the page can send the user to the Models page. A model
 * given as a file or folder (modelPath, modelDir) instead is not the manager's business.
 */
export function missingLocalModels(settings: Settings, providers: ProviderInfo[], models: ModelEntry[], kinds: Kind[]): MissingModel[] {
  const out: MissingModel[] = [];
  for (const kind of kinds) {
    const id = chosenProvider(settings, kind);
    const provider = providers.find((p) => p.kind === kind && p.id === id);
    if (!provider?.capabilities.includes('embedded')) continue;
    const values = settings.providers[kind][id] ?? {};
    const props = (provider.settingsSchema.properties ?? {}) as Record<string, { default?: unknown }>;
    const pairs: [string, string | undefined][] = [
      ['model', values.modelPath || values.modelDir ? undefined : modelSetting(values.model, props.model?.default)],
      ['secondPassModel', values.secondPassModelDir ? undefined : modelSetting(values.secondPassModel, props.secondPassModel?.default)],
    ];
    for (const [setting, modelId] of pairs) {
      if (!modelId || !(setting in props)) continue;
      const entry = models.find((m) => m.id === modelId);
      if (entry?.installed) continue;
      out.push({ kind, provider: provider.displayName, setting, id: modelId, name: entry?.name ?? modelId });
    }
  }
  return out;
}

function modelSetting(value: unknown, fallback: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  return typeof fallback === 'string' && fallback ? fallback : undefined;
}

const BACKENDS: Record<string, string> = { cpu: 'CPU', cuda: 'CUDA GPU', vulkan: 'Vulkan GPU', metal: 'Metal GPU' };
const STAGES: Record<string, string> = { stt: 'Speech recognition', llm: 'LLM', tts: 'Voice', s2s: 'Model' };

/** Where a local model runs, in words: "LLM on CPU, 1 thread" or "LLM on CUDA GPU (NVIDIA RTX 4090)". */
export function deviceText(d: DeviceInfo): string {
  const where = BACKENDS[d.backend] ?? d.backend;
  const detail = d.backend === 'cpu' ? `, ${d.threads} thread${d.threads === 1 ? '' : 's'}` : d.deviceNames.length ? ` (${d.deviceNames.join(', ')})` : '';
  const why = d.fallback ? `; ${d.fallback}` : '';
  return `${STAGES[d.stage] ?? d.stage} on ${where}${detail}${why}`;
}

/** The devices of the providers now running (a stage's device is kept until that stage reports again). */
export function runningDevices(devices: DeviceInfo[], providers: Record<string, string>): DeviceInfo[] {
  return devices.filter((d) => providers[d.stage] === d.provider);
}
