import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../electron/engine/clock.js';
import { ParleyError } from '../../../electron/engine/errors.js';
import type { SileroVadModel } from '../../../electron/engine/vad/silero.js';
import { ConversationHost } from '../../../electron/engine/session/conversation-host.js';
import { appUrl, QUIT_DEADLINE_MS, startMain, type MainBoot, type MainOptions } from '../../../electron/main/app.js';
import { localEngine } from '../../../electron/main/engine-service.js';
import { EngineHost } from '../../../electron/engine/session/engine-host.js';
import { encodeMicrophoneFrame, type ConversationMessage } from '../../../electron/shared/conversation.js';
import { settingsHandlers } from '../../../electron/engine/settings/handlers.js';
import { MemorySecretStore } from '../../../electron/engine/settings/secret-store.js';
import { SettingsStore } from '../../../electron/engine/settings/settings-store.js';
import { openConversation } from '../../../electron/preload/conversation.js';
import { createInvoke } from '../../../electron/preload/invoke.js';
import { createParleyApi } from '../../../electron/shared/ipc.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import nodePath from 'node:path';
import { emptyModelHandlers } from '../../helpers/model-handlers.js';
import { fakeElectron, flush, rendererChannel } from './fake-electron.js';

/** Main's boot with a real ConversationHost over the same temp settings (no keys saved). */
function boot(engine: EngineHost, shortcut = 'CommandOrControl+Shift+Space') {
  const store = new SettingsStore(nodePath.join(mkdtempSync(nodePath.join(tmpdir(), 'parley-main-')), 'settings.json'));
  const conversation = new ConversationHost({ settings: () => store.settings, secrets: new MemorySecretStore(), vadModel: () => engine.vadModel(), env: {} });
  const saved: (() => void)[] = [];
  let accelerator = shortcut;
  let loads = 0;
  let waitFor: (() => void) | undefined;
  const parts = {
    engine,
    handlers: { ...settingsHandlers(store, new MemorySecretStore(), {}), ...emptyModelHandlers() },
    conversation,
    pushToTalkShortcut: () => accelerator,
    onSettingsSaved: (l: () => void) => void saved.push(l),
  };
  const b = {
    outDir: '/opt/parley/out',
    iconsDir: '/opt/parley/resources/icons',
    load: async (): Promise<MainOptions> => {
      loads++;
      return { engine: localEngine(parts) };
    },
    // The quit deadline: fires only when the test says so.
    wait: () => new Promise<void>((resolve) => (waitFor = resolve)),
  } satisfies MainBoot;
  return {
    boot: b,
    ...parts,
    loads: () => loads,
    /** Test hook: the quit deadline passes. */
    deadline: () => waitFor?.(),
    /** Test hook: the user saved a new shortcut. */
    changeShortcut(next: string) {
      accelerator = next;
      for (const l of saved) l();
    },
  };
}

const readyModel = { onnx: { provider: 'cpu' }, release: async () => {} } as unknown as SileroVadModel;

describe('Electron main (injected surface)', () => {
  const url = appUrl();
  const newEngine = () => new EngineHost('1.0.0', async () => readyModel);

  it('creates a sandboxed, isolated window without Node and loads the renderer from the privileged app scheme, not file://', async () => {
    const fake = fakeElectron();
    expect(await startMain(fake.surface, boot(newEngine()).boot)).toBe(true);
    const prefs = fake.created[0]!.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, nodeIntegration: false, sandbox: true, webSecurity: true, preload: '/opt/parley/out/preload/index.cjs' });
    expect(fake.loaded).toEqual(['parley://app/index.html']);
    // standard: a real origin (relative URLs, import.meta.url for the worklets); secure: AudioWorklet and getUserMedia need a secure context.
    expect(fake.privileged).toEqual([{ scheme: 'parley', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) }]);
    expect([...fake.protocolHandlers.keys()]).toEqual(['parley']);
    expect(fake.privileged[0]!.privileges).not.toHaveProperty('bypassCSP');
  });

  it('takes the single-instance lock before reading settings, and registers the app scheme before ready', async () => {
    const second = fakeElectron({ lock: false });
    const b = boot(newEngine());
    expect(await startMain(second.surface, b.boot)).toBe(false);
    expect(b.loads()).toBe(0);
    expect(second.exited()).toBe(true);
    expect(second.created).toHaveLength(0);

    const first = fakeElectron();
    const order: string[] = first.log;
    const b2 = boot(newEngine());
    const load = b2.boot.load;
    await startMain(first.surface, { ...b2.boot, load: () => (order.push('load settings'), load()) });
    expect(order).toEqual(['requestSingleInstanceLock', 'registerSchemesAsPrivileged', 'load settings', 'ready']);
  });

  it('blocks navigation and new windows, grants only the microphone to the app page', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, boot(newEngine()).boot);
    let prevented = false;
    fake.webEvents.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect(fake.windowOpen()({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });

    expect(await fake.requestPermission(url, 'media', ['audio'])).toBe(true);
    expect(await fake.requestPermission(url, 'media', ['video'])).toBe(false);
    expect(await fake.requestPermission(url, 'geolocation')).toBe(false);
    expect(await fake.requestPermission('https://evil.example/', 'media', ['audio'])).toBe(false);
    // Another custom-scheme page must not pass for ours (Node gives every custom-scheme URL the origin "null").
    expect(await fake.requestPermission('evil://app/index.html', 'media', ['audio'])).toBe(false);
    expect(await fake.requestPermission('parley://other/index.html', 'media', ['audio'])).toBe(false);
  });

  it('passes the permission check (device labels, setSinkId to the chosen speaker) for the page it loaded', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, boot(newEngine()).boot);
    expect(fake.checkPermission(fake.loaded[0]!, 'media', 'audio')).toBe(true);
    expect(fake.checkPermission(fake.loaded[0]!, 'media', 'video')).toBe(false);
    expect(fake.checkPermission(fake.loaded[0]!, 'geolocation')).toBe(false);
    expect(fake.checkPermission('https://evil.example/', 'media', 'audio')).toBe(false);
  });

  it('answers engine-info over IPC only for the app page and only with a valid payload, failures as typed results', async () => {
    const fake = fakeElectron();
    const clock = new ManualClock();
    const engine = new EngineHost('1.2.3', async () => (clock.advance(150), readyModel), clock);
    await startMain(fake.surface, boot(engine).boot);
    await flush();
    expect(await fake.invoke('parley:engine-info', url)).toEqual({ ok: true, value: expect.objectContaining({ version: '1.2.3', vad: { state: 'ready', provider: 'cpu', loadMs: 150 } }) });
    expect(await fake.invoke('parley:engine-info', 'https://evil.example/')).toEqual({ ok: false, error: { code: 'ipc/refused', message: expect.stringMatching(/refused/) } });
    expect(await fake.invoke('parley:engine-info', url, { inject: true })).toEqual({ ok: false, error: { code: 'ipc/invalid-request', message: 'parley:engine-info: the request must be empty' } });
    expect([...fake.handlers.keys()].every((c) => c.startsWith('parley:'))).toBe(true);
  });

  it('hands a failed call to the page with its own message and code, not Electron\'s "Error invoking remote method"', async () => {
    const fake = fakeElectron();
    const b = boot(newEngine());
    b.handlers['parley:key-set'] = async () => {
      throw new ParleyError('file/write-failed', 'cannot save the API key: the disk is full');
    };
    const failing = b.boot;
    await startMain(fake.surface, failing);
    const invoke = createInvoke({ invoke: (channel, payload) => fake.invoke(channel, url, payload) });
    const error = await invoke('parley:key-set', { name: 'deepgram', value: 'dg-0123456789' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('cannot save the API key: the disk is full');
    expect((error as { code?: string }).code).toBe('file/write-failed');
    // A success still comes back as the plain value.
    expect(await createParleyApi(invoke).keyStatus()).toEqual({ deepgram: 'not-set', openai: 'not-set', anthropic: 'not-set', elevenlabs: 'not-set', gradium: 'not-set' });
  });

  it('takes API keys but only ever answers with their status', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, boot(newEngine()).boot);
    const api = createParleyApi(createInvoke({ invoke: (channel, payload) => fake.invoke(channel, url, payload) }));
    const status = await api.setKey('deepgram', 'dg-0123456789');
    expect(status).toEqual({ deepgram: 'set', openai: 'not-set', anthropic: 'not-set', elevenlabs: 'not-set', gradium: 'not-set' });
    expect(JSON.stringify(status)).not.toContain('dg-0123456789');
    // Refusals name the field, and never repeat what was sent (it may be a key).
    expect(await fake.invoke('parley:key-set', url, { name: 'deepgram', value: 'x' })).toEqual({ ok: false, error: { code: 'ipc/invalid-request', message: 'parley:key-set: value: must be at least 8 characters long' } });
    expect(await fake.invoke('parley:key-set', url, { name: 'my-bank', value: 'dg-0123456789' })).toEqual({
      ok: false,
      error: { code: 'ipc/invalid-request', message: 'parley:key-set: name: must be one of "deepgram", "openai", "anthropic", "elevenlabs", "gradium"' },
    });
    const settings = await api.getSettings();
    expect(settings.mode).toBe('hands-free');
    expect(await api.updateSettings({ ...settings, mode: 'push-to-talk' })).toMatchObject({ mode: 'push-to-talk' });
    await expect(api.updateSettings({ ...settings, mode: 'telepathy' as 'push-to-talk' })).rejects.toThrow(/invalid/);
  });

  it('reports a model that failed to load instead of crashing', async () => {
    const engine = new EngineHost('1.0.0', async () => {
      throw new ParleyError('model/checksum-mismatch', 'silero_vad.onnx is corrupt');
    });
    await engine.start();
    expect(engine.info().vad).toEqual({ state: 'failed', error: { code: 'model/checksum-mismatch', message: 'silero_vad.onnx is corrupt' } });
  });

  it('delivers the microphone frames the preload sends to the engine (a MessagePortMain receives no transferred ArrayBuffers)', async () => {
    const fake = fakeElectron();
    const b = boot(newEngine());
    const received: unknown[] = [];
    const attach = b.conversation.attach.bind(b.conversation);
    b.conversation.attach = (peer) => {
      const handle = attach(peer);
      return { receive: (data) => (received.push(data), handle.receive(data)), detach: () => handle.detach() };
    };
    await startMain(fake.surface, b.boot);
    const conversation = openConversation({ postMessage: (channel, _m, [port]) => fake.postPort(channel, url, port as never) }, rendererChannel);
    const messages: ConversationMessage[] = [];
    conversation.onMessage((m) => messages.push(m));
    const frame = encodeMicrophoneFrame(new Int16Array([1, -2, 3, -4]));
    const bytes = new Uint8Array(frame.slice(0));
    conversation.sendAudio(frame);
    await flush();
    expect(received).toHaveLength(1);
    expect(received[0]).not.toBeNull();
    expect(new Uint8Array(received[0] as ArrayBuffer)).toEqual(bytes);
    expect(messages.filter((m) => m.type === 'event' && m.event.type === 'error')).toEqual([]);
  });

  it('opens the live conversation over a MessagePort from the app page only, and validates what comes through it', async () => {
    const fake = fakeElectron();
    await startMain(fake.surface, boot(newEngine()).boot);
    const evil = rendererChannel();
    fake.postPort('parley:conversation-port', 'https://evil.example/', evil.port2);
    expect(evil.port2.closed).toBe(true);

    const messages: ConversationMessage[] = [];
    const closed: string[] = [];
    const conversation = openConversation({ postMessage: (channel, _m, [port]) => fake.postPort(channel, url, port as never) }, rendererChannel);
    conversation.onMessage((m) => messages.push(m));
    conversation.onClose((r) => closed.push(r));
    await flush();
    expect(messages[0]).toEqual({ type: 'session', status: { state: 'idle' } });
    // No key saved: starting fails with the error the UI turns into "open settings".
    conversation.send({ type: 'start', inputRate: 16000 });
    await vi.waitFor(() => expect(messages.at(-1)).toMatchObject({ type: 'session', status: { state: 'failed', error: { code: 'provider/missing-key' } } }));
    expect(() => conversation.send({ type: 'start', inputRate: 'fast' } as never)).toThrow();
    conversation.close();
    await flush();
  });

  it('on quit, holds the first quit until the conversation and its local server have stopped, then quits', async () => {
    const fake = fakeElectron();
    const b = boot(newEngine());
    let finishShutdown: (() => void) | undefined;
    b.conversation.shutdown = () => new Promise<void>((resolve) => (finishShutdown = resolve));
    await startMain(fake.surface, b.boot);
    fake.surface.app.quit();
    expect(fake.exited()).toBe(false);
    expect(finishShutdown).toBeDefined();
    // A second quit request while stopping does not start a second shutdown nor exit early.
    fake.surface.app.quit();
    expect(fake.exited()).toBe(false);
    finishShutdown!();
    await flush();
    expect(fake.exited()).toBe(true);
    expect(fake.tray.destroyed).toBe(true);
  });

  it(`on quit, gives up waiting after ${QUIT_DEADLINE_MS / 1000} s when a server will not stop`, async () => {
    const fake = fakeElectron();
    const b = boot(newEngine());
    b.conversation.shutdown = () => new Promise<void>(() => {});
    await startMain(fake.surface, b.boot);
    fake.surface.app.quit();
    await flush();
    expect(fake.exited()).toBe(false);
    b.deadline();
    await flush();
    expect(fake.exited()).toBe(true);
  });

  it('registers the push-to-talk shortcut from settings, re-registers it when changed, and reports one that is taken', async () => {
    const fake = fakeElectron();
    const engine = newEngine();
    const o = boot(engine);
    await startMain(fake.surface, o.boot);
    expect(fake.tray.icon).toBe('/opt/parley/resources/icons/tray.png');
    expect([...fake.shortcuts.keys()]).toEqual(['CommandOrControl+Shift+Space']);
    // The shortcut toggles talking (global shortcuts have no key-up).
    fake.shortcuts.get('CommandOrControl+Shift+Space')!();
    expect(fake.tray.menu.map((m) => m.label ?? '---')).toEqual(['Show Parley', 'Push to talk', 'Mute microphone', '---', 'Quit Parley']);
    const mute = fake.tray.menu.find((m) => m.label === 'Mute microphone')!;
    expect(mute.checked).toBe(false);
    mute.click!();
    expect(o.conversation.muted).toBe(true);
    expect(fake.tray.menu.find((m) => m.label === 'Mute microphone')!.checked).toBe(true);

    o.changeShortcut('Alt+Space');
    expect([...fake.shortcuts.keys()]).toEqual(['Alt+Space']);
    fake.taken.add('F9');
    o.changeShortcut('F9');
    expect(fake.shortcuts.size).toBe(0);
    expect(engine.info().notices).toEqual([expect.stringContaining('F9 could not be registered')]);
    fake.emitApp('will-quit');
    expect(fake.tray.destroyed).toBe(true);
  });

  it('uses a 16x16 template image for the macOS tray', async () => {
    const fake = fakeElectron();
    fake.surface.platform = 'darwin';
    await startMain(fake.surface, boot(newEngine()).boot);
    expect(fake.tray.icon).toBe('/opt/parley/resources/icons/trayTemplate.png');
  });
});
