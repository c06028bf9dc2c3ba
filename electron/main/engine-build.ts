import type { Spawner } from '../engine/local/spawner.js';
import type { SecretStore } from '../engine/settings/secret-store.js';
import { buildEngineRoot } from '../engine/session/engine-root.js';
import type { EngineInfo } from '../shared/ipc.js';
import { localEngine, type EngineService } from './engine-service.js';

export interface EngineBuildOptions {
  /** Electron's userData folder: settings.json, transcripts.jsonl and models/ live there. */
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

/** The desktop engine (see buildEngineRoot), served to the window over IPC. */
export async function buildEngine(o: EngineBuildOptions): Promise<EngineService> {
  const root = await buildEngineRoot({ dataDir: o.userData, version: o.version, secrets: o.secrets, keyStorage: o.keyStorage, approveLaunch: o.approveLaunch, warn: (m) => console.warn(`parley: ${m}`), ...(o.localSpawner ? { localSpawner: o.localSpawner } : {}) });
  const { 'parley:engine-info': _info, 'parley:server-logs': _logs, ...handlers } = root.handlers;
  return localEngine({
    engine: root.engine,
    handlers,
    conversation: root.conversation,
    pushToTalkShortcut: () => root.settings.settings.pushToTalkShortcut,
    onSettingsSaved: root.onSettingsSaved,
  });
}
