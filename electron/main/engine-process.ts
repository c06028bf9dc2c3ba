import type { SecretStore } from '../engine/settings/secret-store.js';
import type { MessagePortSurface } from './conversation.js';
import { rpcPeer } from './engine-rpc.js';
import type { Spawner } from '../engine/local/spawner.js';
import { portSpawner } from './local-spawner.js';
import { CONVERSATION_PORT_MESSAGE, LOCAL_PORT_MESSAGE, type EngineMethods, type EngineService, type EngineState, type MainMethods } from './engine-service.js';
import { invokeResult } from './ipc.js';

/** `process.parentPort` inside Electron's utility process (docs/api/parent-port.md). */
export interface ParentPortSurface {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown; ports: MessagePortSurface[] }) => void): void;
}

/** What the engine process gets from main: the secrets (safeStorage lives only in main), the launch dialog, local inference processes. */
export interface MainConnection {
  secrets: SecretStore;
  approveLaunch(command: string): Promise<boolean>;
  /** Starts local inference processes through main (utilityProcess.fork). */
  localSpawner: Spawner;
}

/**
 * The engine side of the utility process: answers main's calls with `engine` (built by `build`
 * once main's connection exists) and attaches conversation ports the renderer hands over.
 */
export async function serveEngine(parent: ParentPortSurface, build: (main: MainConnection) => Promise<EngineService>): Promise<EngineService> {
  // Set once build() resolves; main's calls that arrive earlier wait for it (invoke) or are no-ops.
  const current: { engine?: EngineService } = {};
  const earlyNotices: string[] = [];
  let built!: (e: EngineService) => void;
  const ready = new Promise<EngineService>((resolve) => (built = resolve));
  const stateOf = (e: EngineService): EngineState => ({ muted: e.muted, pushToTalkShortcut: e.pushToTalkShortcut() });
  const methods: EngineMethods = {
    invoke: async (channel, payload) => invokeResult((await ready).handlers, channel, payload),
    toggleTalking: () => current.engine?.toggleTalking(),
    setMuted: (muted) => {
      current.engine?.setMuted(muted === true);
      return current.engine ? stateOf(current.engine) : { muted: false, pushToTalkShortcut: '' };
    },
    notify: (message) => {
      if (current.engine) current.engine.notify(String(message));
      else if (earlyNotices.length < 32) earlyNotices.push(String(message));
    },
    shutdown: async () => {
      await current.engine?.stop();
    },
    localExited: (token, code) => local.exited(Number(token), Number(code)),
  };
  const peer = rpcPeer<MainMethods>((message) => parent.postMessage(message), methods);
  const local = portSpawner({ forkLocal: (request) => peer.call('forkLocal', request), killLocal: (token) => peer.call('killLocal', token) });
  const queuedPorts: MessagePortSurface[] = [];
  parent.on('message', (event) => {
    if (peer.receive(event.data)) return;
    const data = event.data as { type?: unknown; token?: unknown } | null;
    const port = event.ports[0];
    if (data?.type === LOCAL_PORT_MESSAGE.type && port && typeof data.token === 'number') return local.portArrived(data.token, port);
    if (data?.type !== CONVERSATION_PORT_MESSAGE.type || !port) return;
    if (current.engine) current.engine.openConversation(port);
    else queuedPorts.push(port);
  });
  const main: MainConnection = {
    secrets: {
      get: (name) => peer.call('secretGet', name),
      set: (name, value) => peer.call('secretSet', name, value),
      delete: (name) => peer.call('secretDelete', name),
      names: () => peer.call('secretNames'),
    },
    approveLaunch: (command) => peer.call('approveLaunch', command),
    localSpawner: local.spawner,
  };
  const e = await build(main);
  current.engine = e;
  built(e);
  for (const notice of earlyNotices.splice(0)) e.notify(notice);
  const report = () => void peer.call('stateChanged', stateOf(e)).catch(() => undefined);
  e.onSettingsSaved(report);
  report();
  for (const port of queuedPorts.splice(0)) e.openConversation(port);
  e.start();
  return e;
}
