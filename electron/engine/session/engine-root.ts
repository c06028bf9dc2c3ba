import path from 'node:path';
import type { InvokeHandlers } from '../../shared/dispatch.js';
import type { EngineInfo } from '../../shared/ipc.js';
import { describeError } from '../errors.js';
import type { Spawner } from '../local/spawner.js';
import { modelsDir } from '../models/paths.js';
import { modelHandlers } from '../models/handlers.js';
import { ModelStore } from '../models/store.js';
import { ModelTransfers } from '../models/transfers.js';
import { defaultResourcesDir } from '../resources.js';
import { settingsHandlers } from '../settings/handlers.js';
import type { SecretStore } from '../settings/secret-store.js';
import { SettingsStore } from '../settings/settings-store.js';
import { SileroVadModel } from '../vad/silero.js';
import { ConversationHost } from './conversation-host.js';
import { EngineHost } from './engine-host.js';
import { JsonlTranscriptLog } from './transcript-log.js';
import { installedTurnModel } from './turn-model.js';

export interface EngineRootOptions {
  /** Where settings.json, transcripts.jsonl and (unless PARLEY_MODELS_DIR) models/ live. */
  dataDir: string;
  version: string;
  /** The keys: safeStorage-backed in the app, in memory under `parley serve`. */
  secrets: SecretStore;
  /** Where typed-in keys are kept, as the UI tells the user. */
  keyStorage: EngineInfo['keyStorage'] | (() => EngineInfo['keyStorage']);
  /** Asks the user before a local server's launch command runs; without it, launch commands are refused. */
  approveLaunch?: (command: string) => Promise<boolean>;
  /** The engine's own warnings (provider logs, a transcript log that cannot write). */
  warn: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Starts local inference processes (main's utilityProcess.fork in the app); default child_process.fork. */
  localSpawner?: Spawner;
}

export interface EngineRoot {
  engine: EngineHost;
  settings: SettingsStore;
  conversation: ConversationHost;
  handlers: InvokeHandlers;
  /** Called after every settings or key save (the app re-registers its shortcut). */
  onSettingsSaved(listener: () => void): void;
}

/**
 * The one place the engine is put together, for the desktop app's main process and for `parley
 * serve`: the engine host (VAD model), saved settings, the transcript log, the live conversation
 * (with the installed Smart Turn model, if any) and the handlers the UI calls.
 */
export async function buildEngineRoot(o: EngineRootOptions): Promise<EngineRoot> {
  const env = o.env ?? process.env;
  const engine = new EngineHost(o.version, () => SileroVadModel.load(), undefined, o.keyStorage);
  const settings = new SettingsStore(path.join(o.dataDir, 'settings.json'));
  const loaded = await settings.load();
  if (loaded.notice) {
    o.warn(loaded.notice);
    engine.notify(loaded.notice);
  }
  // Every conversation is also kept on disk (JSONL), so nothing said is lost with the window.
  const log = new JsonlTranscriptLog(path.join(o.dataDir, 'transcripts.jsonl'), (e) => {
    o.warn(e.message);
    conversation.notice(`Conversations are not being saved: ${e.message}`);
  });
  const installed = modelsDir(o.dataDir, env);
  const models = new ModelStore({ dir: installed, resourcesDir: defaultResourcesDir() });
  const conversation = new ConversationHost({
    settings: () => settings.settings,
    secrets: o.secrets,
    vadModel: () => engine.vadModel(),
    loadVad: () => SileroVadModel.load(),
    turnModel: installedTurnModel(models, (e) => o.warn(`Smart Turn could not be loaded (${describeError(e)}); turns are judged on the words`)),
    ...(o.approveLaunch ? { approveLaunch: o.approveLaunch } : {}),
    // Installed models live in the app's data folder (or PARLEY_MODELS_DIR).
    local: { modelsDir: installed, ...(o.localSpawner ? { spawner: o.localSpawner } : {}) },
    log,
    warn: o.warn,
    env,
  });
  const saved: (() => void)[] = [];
  const handlers: InvokeHandlers = {
    ...settingsHandlers(settings, o.secrets, env, (what) => {
      conversation.settingsChanged(what);
      for (const l of saved) l();
    }),
    'parley:engine-info': () => engine.info(),
    'parley:server-logs': () => conversation.serverLogs(),
    // The Models page: downloads run in this process, in the background, polled by the page.
    ...modelHandlers(models, new ModelTransfers(models)),
  };
  return { engine, settings, conversation, handlers, onSettingsSaved: (l) => void saved.push(l) };
}
