import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { emptyModelHandlers } from '../../helpers/model-handlers.js';
import { describe, expect, it, vi } from 'vitest';
import { ParleyError } from '../../../electron/engine/errors.js';
import { ConversationHost } from '../../../electron/engine/session/conversation-host.js';
import { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { settingsHandlers } from '../../../electron/engine/settings/handlers.js';
import { readBoundKey } from '../../../electron/engine/settings/key-binding.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../electron/engine/settings/settings-store.js';
import type { SileroVadModel } from '../../../electron/engine/vad/silero.js';
import { appUrl, startMain } from '../../../electron/main/app.js';
import { buildEngine } from '../../../electron/main/engine-build.js';
import { serveEngine, type MainConnection } from '../../../electron/main/engine-process.js';
import { localEngine, remoteEngine } from '../../../electron/main/engine-service.js';
import { openConversation } from '../../../electron/preload/conversation.js';
import { createInvoke } from '../../../electron/preload/invoke.js';
import { encodeMicrophoneFrame, type ConversationMessage } from '../../../electron/shared/conversation.js';
import { createParleyApi } from '../../../electron/shared/ipc.js';
import { fakeElectron, fakeUtilityProcess, flush, rendererChannel } from './fake-electron.js';

const readyModel = { onnx: { provider: 'cpu' }, release: async () => {} } as unknown as SileroVadModel;
const url = appUrl();

/** Main with the engine in a (fake) utility process; what the engine process saw is recorded. */
function engineInProcess() {
  const mainSecrets = new MemorySecretStore();
  const received: unknown[] = [];
  const approvals: string[] = [];
  let shutdowns = 0;
  let deadline: (() => void) | undefined;
  let host: ConversationHost | undefined;
  let failKeySet = false;
  const build = async (main: MainConnection) => {
    const store = new SettingsStore(nodePath.join(mkdtempSync(nodePath.join(tmpdir(), 'parley-engine-')), 'settings.json'));
    await store.load();
    const engine = new EngineHost('2.0.0', async () => readyModel, undefined, 'encrypted');
    const conversation = new ConversationHost({ settings: () => store.settings, secrets: main.secrets, vadModel: () => engine.vadModel(), env: {}, approveLaunch: (c) => main.approveLaunch(c) });
    host = conversation;
    const attach = conversation.attach.bind(conversation);
    conversation.attach = (peer) => {
      const handle = attach(peer);
      return { receive: (data) => (received.push(data), handle.receive(data)), detach: () => handle.detach() };
    };
    const shutdown = conversation.shutdown.bind(conversation);
    conversation.shutdown = () => (shutdowns++, shutdown());
    const saved: (() => void)[] = [];
    const handlers = { ...settingsHandlers(store, main.secrets, {}, () => saved.forEach((l) => l())), ...emptyModelHandlers() };
    const keySet = handlers['parley:key-set'];
    handlers['parley:key-set'] = async (request) => {
      if (failKeySet) throw new ParleyError('file/write-failed', 'cannot save the API key: the disk is full');
      return keySet(request);
    };
    return localEngine({ engine, handlers, conversation, pushToTalkShortcut: () => store.settings.pushToTalkShortcut, onSettingsSaved: (l) => void saved.push(l) });
  };
  let utility: ReturnType<typeof fakeUtilityProcess> | undefined;
  const engine = remoteEngine({
    fork: () => {
      utility = fakeUtilityProcess((parentPort) => void serveEngine(parentPort, build));
      return utility.child;
    },
    secrets: mainSecrets,
    approveLaunch: async (command) => (approvals.push(command), false),
    wait: () => new Promise<void>((resolve) => (deadline = resolve)),
  });
  return {
    engine,
    mainSecrets,
    received,
    utility: () => utility!,
    host: () => host!,
    shutdowns: () => shutdowns,
    deadline: () => deadline?.(),
    failKeySet: () => void (failKeySet = true),
  };
}

async function start() {
  const fake = fakeElectron();
  const e = engineInProcess();
  const readyNotices = () => ['API keys cannot be saved here: no keyring.'];
  await startMain(fake.surface, { outDir: '/opt/parley/out', iconsDir: '/opt/parley/icons', load: async () => ({ engine: e.engine, readyNotices }), wait: () => new Promise<void>(() => {}) });
  await vi.waitFor(() => expect(fake.shortcuts.size).toBe(1));
  const api = createParleyApi(createInvoke({ invoke: (channel, payload) => fake.invoke(channel, url, payload) }));
  return { fake, e, api };
}

describe('the engine in a utility process', () => {
  it("hands the renderer's conversation port straight to the engine process: microphone frames and events flow without main", async () => {
    const { fake, e } = await start();
    const messages: ConversationMessage[] = [];
    const conversation = openConversation({ postMessage: (channel, _m, [port]) => fake.postPort(channel, url, port as never) }, rendererChannel);
    conversation.onMessage((m) => messages.push(m));
    await vi.waitFor(() => expect(messages[0]).toEqual({ type: 'session', status: { state: 'idle' } }));
    const frame = encodeMicrophoneFrame(new Int16Array([5, -6, 7]));
    const bytes = new Uint8Array(frame.slice(0));
    conversation.sendAudio(frame);
    await vi.waitFor(() => expect(e.received).toHaveLength(1));
    expect(new Uint8Array(e.received[0] as ArrayBuffer)).toEqual(bytes);
    // No key: starting fails with the typed error, straight from the engine process.
    conversation.send({ type: 'start', inputRate: 16000 });
    await vi.waitFor(() => expect(messages.at(-1)).toMatchObject({ type: 'session', status: { state: 'failed', error: { code: 'provider/missing-key' } } }));
  });

  it('answers the settings and engine channels from the engine process, keeps keys in main, and keeps error codes across both hops', async () => {
    const { e, api } = await start();
    // Main's notice, sent while the engine process was still starting, is not lost.
    expect(await api.getEngineInfo()).toMatchObject({ version: '2.0.0', keyStorage: 'encrypted', notices: ['API keys cannot be saved here: no keyring.'] });
    expect(await api.setKey('deepgram', 'dg-0123456789')).toMatchObject({ deepgram: 'set' });
    // The engine process never stored it: main did (safeStorage exists only in main).
    expect(await readBoundKey(e.mainSecrets, 'deepgram')).toMatchObject({ value: 'dg-0123456789', origin: 'https://api.deepgram.com' });
    e.failKeySet();
    const error = await api.setKey('openai', 'sk-0123456789').catch((x: unknown) => x);
    expect(error).toMatchObject({ message: 'cannot save the API key: the disk is full', code: 'file/write-failed' });
  });

  it('the Models page channels cross both hops (preload, main, engine process) with their typed answers; a bad id never leaves the preload', async () => {
    const { api } = await start();
    const list = await api.listModels();
    expect(list.presets.map((p) => p.name)).toEqual(['Small: any laptop', 'Quality: needs a GPU']);
    expect(list.models.find((m) => m.id === 'qwen3-0.6b-q8_0')).toMatchObject({ installed: false, sizeBytes: null });
    expect(await api.pullModel('qwen3-0.6b-q8_0')).toMatchObject({ ok: false, error: { code: 'model/checksum-unknown' } });
    expect(await api.removeModel('silero-vad-v6')).toMatchObject({ ok: false, error: { code: 'model/invalid-request' } });
    expect(await api.modelsProgress()).toEqual([]);
    await expect(api.removeModel('../../etc')).rejects.toThrow();
  });

  it('registers the push-to-talk shortcut the engine process reports, and drives it from the tray', async () => {
    const { fake, e } = await start();
    expect([...fake.shortcuts.keys()]).toEqual(['CommandOrControl+Shift+Space']);
    fake.tray.menu.find((m) => m.label === 'Mute microphone')!.click!();
    await vi.waitFor(() => expect(e.host().muted).toBe(true));
  });

  it('on quit, the engine process stops its conversation and servers, then is ended', async () => {
    const { fake, e } = await start();
    fake.surface.app.quit();
    expect(fake.exited()).toBe(false);
    await vi.waitFor(() => expect(fake.exited()).toBe(true));
    expect(e.shutdowns()).toBe(1);
    expect(e.utility().alive()).toBe(false);
  });

  it('when the engine process dies, the page sees its conversation close and calls fail with a clear error instead of hanging', async () => {
    const { fake, e, api } = await start();
    const closed: string[] = [];
    const conversation = openConversation({ postMessage: (channel, _m, [port]) => fake.postPort(channel, url, port as never) }, rendererChannel);
    conversation.onClose((r) => closed.push(r));
    await flush();
    e.utility().crash(1);
    await flush();
    expect(closed).toEqual(['the conversation with the engine closed']);
    await expect(api.getSettings()).rejects.toMatchObject({ code: 'rpc/closed' });
  });

  it('builds the desktop engine from userData with the keys main keeps', async () => {
    const userData = mkdtempSync(nodePath.join(tmpdir(), 'parley-userdata-'));
    const secrets = new MemorySecretStore();
    const engine = await buildEngine({ userData, version: '3.0.0', secrets, approveLaunch: async () => false, keyStorage: () => 'unavailable' });
    expect(await engine.handlers['parley:engine-info'](undefined)).toMatchObject({ version: '3.0.0', keyStorage: 'unavailable' });
    await engine.handlers['parley:key-set']({ name: 'deepgram', value: 'dg-0123456789' });
    expect(await readBoundKey(secrets, 'deepgram')).toMatchObject({ value: 'dg-0123456789', origin: 'https://api.deepgram.com' });
    expect(engine.pushToTalkShortcut()).toBe('CommandOrControl+Shift+Space');
  });
});
