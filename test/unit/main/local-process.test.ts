import { describe, expect, it } from 'vitest';
import { LocalProcessHost } from '../../../electron/engine/local/host.js';
import type { WorkerMethod } from '../../../electron/engine/local/worker-api.js';
import { portSpawner } from '../../../electron/main/local-spawner.js';
import { localProcessLauncher } from '../../../electron/main/local-process.js';
import { FakeMessagePortMain } from './fake-electron.js';
import { appWithEngine, fakeLocalElectron } from './fake-local-electron.js';

const ENTRY = '/app/out/node/electron/engine/local/child-entry.js';
const CODE = '/app/out/node/electron';
const WORKER = '/app/out/node/electron/engine/providers/llm/llama-cpp-worker.js';

const worker = (): Record<string, WorkerMethod> => ({
  echo: async (params, call) => {
    call.emit({ got: params });
    return 'ok';
  },
  wait: (_p, call) => new Promise((_r, reject) => call.signal.addEventListener('abort', () => reject(new Error('stopped')))),
});

const fakeElectron = () => fakeLocalElectron(async () => ({ createWorker: worker }));

describe('local inference processes under Electron (utilityProcess through main)', () => {
  it('main forks only the engine entry with an app worker module, over a port of their own', () => {
    const { electron, forks } = fakeElectron();
    const launcher = localProcessLauncher(electron, { entry: ENTRY, codeRoot: CODE });
    const started = launcher.fork({ entry: ENTRY, args: [WORKER], serviceName: 'Parley local LLM' }, () => undefined);
    expect(forks).toEqual([expect.objectContaining({ modulePath: ENTRY, args: [WORKER], options: { serviceName: 'Parley local LLM', stdio: 'inherit' } })]);
    expect(started.port).toBeInstanceOf(FakeMessagePortMain);
    expect(() => launcher.fork({ entry: '/bin/sh', args: [WORKER], serviceName: 'x' }, () => undefined)).toThrow(/only the local inference entry/);
    expect(() => launcher.fork({ entry: ENTRY, args: ['/tmp/evil.js'], serviceName: 'x' }, () => undefined)).toThrow(/worker module of the app only/);
    expect(() => launcher.fork({ entry: ENTRY, args: [`${CODE}/../../../tmp/evil.js`], serviceName: 'x' }, () => undefined)).toThrow(/worker module of the app only/);
    expect(() => launcher.fork({ entry: ENTRY, args: [WORKER, '--inspect'], serviceName: 'x' } as never, () => undefined)).toThrow(/invalid request/);
    expect(launcher.running).toBe(1);
    launcher.killAll();
    expect(forks[0]!.utility.kills()).toBe(1);
  });

  it('the engine side: requests flow over the handed-over port; a crash is local/crashed and the next request gets a new process', async () => {
    const { electron, forks } = fakeElectron();
    const launcher = localProcessLauncher(electron, { entry: ENTRY, codeRoot: CODE });
    // main's rpc, as remoteEngine answers it: the port goes first, then the token.
    const local = portSpawner({
      forkLocal: async (request) => {
        const started = launcher.fork(request, (token, code) => queueMicrotask(() => local.exited(token, code)));
        local.portArrived(started.token, started.port);
        return { token: started.token, pid: started.pid };
      },
      killLocal: async (token) => launcher.kill(token),
    });
    const host = new LocalProcessHost({ module: WORKER, entry: ENTRY, name: 'local LLM', spawn: local.spawner });
    const events: unknown[] = [];
    expect(await host.request('echo', { samples: new Float32Array([1, 2]) }, { onEvent: (e) => events.push(e) })).toBe('ok');
    expect(events).toEqual([{ got: { samples: new Float32Array([1, 2]) } }]);
    expect(host.pid).toBe(4001);

    const crashed = host.request('wait', {});
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    forks[0]!.utility.crash(139);
    await expect(crashed).rejects.toMatchObject({ code: 'local/crashed', message: expect.stringMatching(/exited with code 139/) });
    expect(await host.request('echo', 1)).toBe('ok');
    expect(forks).toHaveLength(2);
    host.close();
    await expect.poll(() => forks[1]!.utility.alive()).toBe(false);
  });

  it('main refuses the fork: the engine sees a process that could not start (typed), not a hang', async () => {
    const local = portSpawner({ forkLocal: async () => Promise.reject(new Error('local inference processes cannot be started here')), killLocal: async () => undefined });
    const host = new LocalProcessHost({ module: WORKER, entry: ENTRY, name: 'local LLM', spawn: local.spawner });
    await expect(host.request('echo', 1)).rejects.toMatchObject({ code: 'local/crashed' });
  });

  it('wired through main: the engine process gets a spawner whose processes main starts with utilityProcess.fork', async () => {
    const { electron, forks } = fakeElectron();
    const main = await appWithEngine(electron, { entry: ENTRY, codeRoot: CODE });
    const host = new LocalProcessHost({ module: WORKER, entry: ENTRY, name: 'local LLM', spawn: main.localSpawner });
    expect(await host.request('echo', 'hi')).toBe('ok');
    expect(forks.map((f) => f.modulePath)).toEqual([ENTRY]);
    // The process's exit reaches the engine through main: the host restarts it on the next request.
    forks[0]!.utility.crash(1);
    await expect.poll(() => host.pid).toBeUndefined();
    expect(await host.request('echo', 'again')).toBe('ok');
    expect(forks).toHaveLength(2);
  });
});
