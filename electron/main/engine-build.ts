import path from 'node:path';
import type { Spawner } from '../engine/local/spawner.js';
import { modelsDir } from '../engine/models/paths.js';
import { ConversationHost } from '../engine/session/conversation-host.js';
import { EngineHost } from '../engine/session/engine-host.js';
import { JsonlTranscriptLog } from '../engine/session/transcript-log.js';
import { settingsHandlers } from '../engine/settings/handlers.js';
import type { SecretStore } from '../engine/settings/secret-store.js';
import { SettingsStore } from '../engine/settings/settings-store.js';
import { SileroVadModel } from '../engine/vad/silero.js';
import type { EngineInfo } from '../shared/ipc.js';
import { localEngine, type EngineService } from './engine-service.js';

export interface EngineBuildOptions {
  /** Electron's userData folder: settings.json and transcripts.jsonl live there. */
  userData: string;
  version: string;
  /** The keys, kept by main (safeStorage exists only there). */
  secrets: SecretStore;
  /** Asks the user in a native dialog (main) before a launch command runs. */
  approveLaunch: (command: string) => Promise<boolean>;
  keyStorage: () => EngineInfo['keyStorage'];
  /** Starts local inference processes (through main's utilityProcess.fork); default child_process.fork. */
  localSpawner?: Spawner;
}

/** The desktop engine: settings, the VAD model, the live conversation and its transcript log. */
export async function buildEngine(o: EngineBuildOptions): Promise<EngineService> {
  const engine = new EngineHost(o.version, () => SileroVadModel.load(), undefined, o.keyStorage);
  const settings = new SettingsStore(path.join(o.userData, 'settings.json'));
  const loaded = await settings.load();
  if (loaded.notice) {
    console.warn(`parley: ${loaded.notice}`);
    engine.notify(loaded.notice);
  }
  // Every conversation is also kept on disk (JSONL), so nothing said is lost with the window.
  const log = new JsonlTranscriptLog(path.join(o.userData, 'transcripts.jsonl'), (e) => {
    console.warn(`parley: ${e.message}`);
    conversation.notice(`Conversations are not being saved: ${e.message}`);
  });
  const conversation = new ConversationHost({
    settings: () => settings.settings,
    secrets: o.secrets,
    vadModel: () => engine.vadModel(),
    loadVad: () => SileroVadModel.load(),
    approveLaunch: o.approveLaunch,
    // Installed models live in the app's data folder (or PARLEY_MODELS_DIR).
    local: { modelsDir: modelsDir(o.userData), ...(o.localSpawner ? { spawner: o.localSpawner } : {}) },
    log,
    warn: (m) => console.warn(`parley: ${m}`),
  });
  const settingsSaved: (() => void)[] = [];
  const handlers = settingsHandlers(settings, o.secrets, process.env, (what) => {
    conversation.settingsChanged(what);
    for (const l of settingsSaved) l();
  });
  return localEngine({
    engine,
    handlers,
    conversation,
    pushToTalkShortcut: () => settings.settings.pushToTalkShortcut,
    onSettingsSaved: (listener) => void settingsSaved.push(listener),
  });
}
