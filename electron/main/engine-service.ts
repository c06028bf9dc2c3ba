import type { ConversationHost } from '../engine/session/conversation-host.js';
import type { EngineHost } from '../engine/session/engine-host.js';
import type { SecretStore } from '../engine/settings/secret-store.js';
import type { InvokeHandlers } from '../shared/dispatch.js';
import { invokeChannels, type InvokeChannel } from '../shared/ipc.js';
import { IpcError, type IpcResult } from '../shared/ipc-result.js';
import { attachConversationPort, type MessagePortSurface } from './conversation.js';
import { rpcPeer, type RpcPeer } from './engine-rpc.js';
import type { LocalForkRequest, LocalProcessLauncher } from './local-process.js';

/** What main needs from the engine, wherever it runs (in main, or in its own utility process). */
export interface EngineService {
  /** Every contract channel: settings, keys, engine info, server logs. */
  handlers: InvokeHandlers;
  /** Takes the window's conversation port (audio and commands flow over it to the engine). */
  openConversation(port: MessagePortSurface): void;
  toggleTalking(): void;
  setMuted(muted: boolean): void;
  readonly muted: boolean;
  /** The push-to-talk accelerator from the saved settings ('' until known). */
  pushToTalkShortcut(): string;
  /** Called after settings were saved (and when the engine first reports them). */
  onSettingsSaved(listener: () => void): void;
  /** Tells the user something through the UI. */
  notify(message: string): void;
  start(): void;
  /** Stops the conversation and any local server the engine started. */
  stop(): Promise<void>;
}

export interface LocalEngineParts {
  engine: EngineHost;
  /** Settings and key channels (see engine/settings/handlers.ts). */
  handlers: Omit<InvokeHandlers, 'parley:engine-info' | 'parley:server-logs'>;
  conversation: Pick<ConversationHost, 'attach' | 'shutdown' | 'toggleTalking' | 'setMuted' | 'muted' | 'serverLogs'>;
  pushToTalkShortcut: () => string;
  onSettingsSaved?: (listener: () => void) => void;
}

/** The engine in this process. */
export function localEngine(o: LocalEngineParts): EngineService {
  return {
    handlers: { ...o.handlers, 'parley:engine-info': () => o.engine.info(), 'parley:server-logs': () => o.conversation.serverLogs() },
    openConversation: (port) => attachConversationPort(port, o.conversation),
    toggleTalking: () => o.conversation.toggleTalking(),
    setMuted: (muted) => o.conversation.setMuted(muted),
    get muted() {
      return o.conversation.muted;
    },
    pushToTalkShortcut: o.pushToTalkShortcut,
    onSettingsSaved: (listener) => o.onSettingsSaved?.(listener),
    notify: (message) => o.engine.notify(message),
    start: () => void o.engine.start(),
    stop: async () => {
      await Promise.allSettled([o.conversation.shutdown(), o.engine.stop()]);
    },
  };
}

/** What the engine process reports to main. */
export interface EngineState {
  muted: boolean;
  pushToTalkShortcut: string;
}

/** Methods the engine process answers (see engine-process.ts). */
export type EngineMethods = {
  invoke(channel: string, payload: unknown): Promise<IpcResult>;
  toggleTalking(): void;
  setMuted(muted: boolean): EngineState;
  notify(message: string): void;
  shutdown(): Promise<void>;
  /** A local inference process main started for the engine ended (see local-process.ts). */
  localExited(token: number, code: number): void;
};

/** Methods main answers for the engine process: it keeps the secrets (safeStorage exists only in main) and the dialogs. */
export type MainMethods = {
  secretGet(name: string): Promise<string | undefined>;
  secretSet(name: string, value: string): Promise<void>;
  secretDelete(name: string): Promise<void>;
  secretNames(): Promise<string[]>;
  approveLaunch(command: string): Promise<boolean>;
  stateChanged(state: EngineState): void;
  /** Starts a local inference process; its port follows as a LOCAL_PORT_MESSAGE. */
  forkLocal(request: LocalForkRequest): { token: number; pid: number | undefined };
  killLocal(token: number): void;
};

/** Electron's UtilityProcess, as far as main uses it (docs/api/utility-process.md). */
export interface EngineProcessSurface {
  /** `transfer` may hold only MessagePortMain objects. */
  postMessage(message: unknown, transfer?: MessagePortSurface[]): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  on(event: 'exit', listener: (code: number) => void): void;
  kill(): boolean;
}

export interface RemoteEngineOptions {
  /** Starts the engine's utility process (utilityProcess.fork: only after 'ready'). */
  fork: () => EngineProcessSurface;
  secrets: SecretStore;
  approveLaunch: (command: string) => Promise<boolean>;
  /** How long stop() waits for the process to exit before killing it. */
  wait: (ms: number) => Promise<void>;
  /** Tells the user the engine stopped unexpectedly (main has no engine to show a notice then). */
  onCrash?: (code: number) => void;
  /** Starts local inference processes for the engine (utilityProcess.fork); without it the engine cannot run local models. */
  local?: LocalProcessLauncher;
}

/** The message that hands the engine process a conversation port. */
export const CONVERSATION_PORT_MESSAGE = { type: 'conversation-port' } as const;
/** The message that hands the engine process its end of the port to a local inference process (with `token`). */
export const LOCAL_PORT_MESSAGE = { type: 'local-port' } as const;

/**
 * The engine in its own utility process (onnxruntime's run(), Opus and frame validation off
 * Electron's main thread). Main keeps windows, tray, shortcuts, dialogs and secrets; the
 * renderer's conversation port is handed straight to the engine process, so audio never crosses
 * main's event loop.
 */
export function remoteEngine(o: RemoteEngineOptions): EngineService {
  let child: EngineProcessSurface | undefined;
  let peer: RpcPeer<EngineMethods> | undefined;
  let exited: Promise<void> | undefined;
  let stopping = false;
  let state: EngineState = { muted: false, pushToTalkShortcut: '' };
  const saved: (() => void)[] = [];
  const setState = (next: EngineState) => {
    const changed = next.pushToTalkShortcut !== state.pushToTalkShortcut;
    state = next;
    if (changed) for (const l of saved) l();
  };
  const mainMethods: MainMethods = {
    secretGet: (name) => o.secrets.get(name),
    secretSet: (name, value) => o.secrets.set(name, value),
    secretDelete: (name) => o.secrets.delete(name),
    secretNames: () => o.secrets.names(),
    approveLaunch: (command) => o.approveLaunch(command),
    stateChanged: (next) => {
      setState({ muted: next.muted === true, pushToTalkShortcut: typeof next.pushToTalkShortcut === 'string' ? next.pushToTalkShortcut : '' });
    },
    forkLocal: (request) => {
      const c = child;
      if (!o.local || !c) throw new IpcError('rpc/closed', 'local inference processes cannot be started here');
      const started = o.local.fork(request, (token, code) => void call('localExited', token, code).catch(() => undefined));
      // The port goes first: the engine keeps it until this answer names its token.
      c.postMessage({ ...LOCAL_PORT_MESSAGE, token: started.token }, [started.port]);
      return { token: started.token, pid: started.pid };
    },
    killLocal: (token) => o.local?.kill(token),
  };
  const call = async <K extends keyof EngineMethods & string>(method: K, ...args: Parameters<EngineMethods[K]>) => {
    if (!peer) throw new IpcError('rpc/closed', 'the engine is not running');
    return peer.call(method, ...args);
  };
  const handlers = Object.fromEntries(
    (Object.keys(invokeChannels) as InvokeChannel[]).map((channel) => [
      channel,
      async (request: unknown) => {
        const result = await call('invoke', channel, request);
        if (!result.ok) throw new IpcError(result.error.code, result.error.message);
        return result.value;
      },
    ]),
  ) as unknown as InvokeHandlers;
  return {
    handlers,
    openConversation: (port) => {
      if (!child) return port.close();
      child.postMessage(CONVERSATION_PORT_MESSAGE, [port]);
    },
    toggleTalking: () => void call('toggleTalking').catch(() => undefined),
    setMuted: (muted) => {
      state = { ...state, muted };
      void call('setMuted', muted).then(setState, () => undefined);
    },
    get muted() {
      return state.muted;
    },
    pushToTalkShortcut: () => state.pushToTalkShortcut,
    onSettingsSaved: (listener) => void saved.push(listener),
    notify: (message) => void call('notify', message).catch(() => undefined),
    start: () => {
      if (child) return;
      const c = o.fork();
      child = c;
      const p = rpcPeer<EngineMethods>((message) => c.postMessage(message), mainMethods);
      peer = p;
      c.on('message', (message) => void p.receive(message));
      exited = new Promise<void>((resolve) =>
        c.on('exit', (code) => {
          p.close('the engine stopped');
          if (child === c) child = undefined;
          if (!stopping) o.onCrash?.(code);
          resolve();
        }),
      );
    },
    stop: async () => {
      stopping = true;
      const c = child;
      if (!c) return;
      // The engine stops its conversation and local servers, then exits; a deadline kills it.
      const done = exited!;
      void call('shutdown')
        .catch(() => undefined)
        .then(() => c.kill());
      await Promise.race([done, o.wait(STOP_DEADLINE_MS)]);
      c.kill();
      o.local?.killAll();
    },
  };
}

/** How long the engine process may take to stop its servers before it is killed. */
export const STOP_DEADLINE_MS = 4000;
