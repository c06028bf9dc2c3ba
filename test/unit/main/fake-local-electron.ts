import { expect } from 'vitest';
import { parentTransport, serveWorker, type ChildProcessLike } from '../../../electron/engine/local/child-runtime.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { serveEngine, type MainConnection, type ParentPortSurface } from '../../../electron/main/engine-process.js';
import { remoteEngine, type EngineService } from '../../../electron/main/engine-service.js';
import { localProcessLauncher, type LocalProcessElectron, type LocalUtilityChild } from '../../../electron/main/local-process.js';
import { FakeMessagePortMain, fakeUtilityProcess } from './fake-electron.js';

export function mainChannel() {
  const port1 = new FakeMessagePortMain();
  const port2 = new FakeMessagePortMain();
  port1.other = port2;
  port2.other = port1;
  return { port1, port2 };
}

/**
 * Electron's surface for local processes: each utilityProcess.fork is a fake utility process that
 * does what child-entry does (loads the worker module main was asked for, `load(args)`, and serves
 * the protocol over the port main hands it), behind main's MessageChannelMain.
 */
export function fakeLocalElectron(load: (args: string[]) => Promise<unknown>) {
  const forks: { modulePath: string; args: string[]; options: { serviceName: string }; utility: ReturnType<typeof fakeUtilityProcess> }[] = [];
  const electron: LocalProcessElectron = {
    fork: (modulePath, args, options) => {
      const utility = fakeUtilityProcess((parentPort: ParentPortSurface) => {
        const proc = { parentPort, on: () => undefined, once: () => undefined } as unknown as ChildProcessLike;
        void serveWorker(parentTransport(proc), () => load(args));
      });
      forks.push({ modulePath, args, options, utility });
      const child: LocalUtilityChild = { pid: 4000 + forks.length, postMessage: (m, t) => utility.child.postMessage(m, t), on: (e, l) => utility.child.on(e, l), kill: () => utility.child.kill() };
      return child;
    },
    channel: mainChannel,
  };
  return { electron, forks };
}

/** The app's wiring: main (remoteEngine with its local-process launcher) and the engine process it forks; resolves with what main gave the engine. */
export async function appWithEngine(electron: LocalProcessElectron, launch: { entry: string; codeRoot: string }): Promise<MainConnection> {
  let main: MainConnection | undefined;
  const stub: EngineService = {
    handlers: {} as EngineService['handlers'],
    openConversation: () => undefined,
    toggleTalking: () => undefined,
    setMuted: () => undefined,
    muted: false,
    pushToTalkShortcut: () => '',
    onSettingsSaved: () => undefined,
    notify: () => undefined,
    start: () => undefined,
    stop: async () => undefined,
  };
  const engine = remoteEngine({
    fork: () => fakeUtilityProcess((parentPort) => void serveEngine(parentPort, async (m) => ((main = m), stub))).child,
    secrets: new MemorySecretStore(),
    approveLaunch: async () => false,
    wait: () => new Promise(() => undefined),
    local: localProcessLauncher(electron, launch),
  });
  engine.start();
  await expect.poll(() => main).toBeDefined();
  return main!;
}
