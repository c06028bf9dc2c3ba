import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../../electron/engine/errors.js';
import type { LocalServerOptions } from '../../../../electron/engine/s2s/local-server.js';
import { LocalServerSupervisor, type SupervisedServer } from '../../../../electron/engine/session/local-server-supervisor.js';

/** Stands in for a LocalServer: no process, just what was asked of it. */
class StandInServer implements SupervisedServer {
  running = false;
  starts = 0;
  stops = 0;
  constructor(readonly options: LocalServerOptions) {}
  ensureRunning = async () => {
    this.starts++;
    this.running = true;
  };
  stop = async () => {
    this.stops++;
    this.running = false;
  };
  logs = () => [`${this.options.command} on ${this.options.host}:${this.options.port}`];
}

function setup(approveLaunch?: (command: string) => Promise<boolean>) {
  const servers: StandInServer[] = [];
  const asked: string[] = [];
  const supervisor = new LocalServerSupervisor({
    ...(approveLaunch ? { approveLaunch: (command: string) => (asked.push(command), approveLaunch(command)) } : {}),
    notify: () => {},
    createServer: (o) => {
      const server = new StandInServer(o);
      servers.push(server);
      return server;
    },
  });
  return { supervisor, servers, asked };
}

const moshi = (launchCommand: unknown, baseUrl = 'http://127.0.0.1:8998') => ({ id: 'moshi', settings: { launchCommand, baseUrl, startTimeoutMs: 5000 } });

describe('LocalServerSupervisor: launch approval', () => {
  it('without a way to ask, a launch command is refused and nothing runs', async () => {
    const t = setup();
    const refused = await t.supervisor.prepare(moshi('moshi-server')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ParleyError);
    expect(refused).toMatchObject({ code: 'settings/invalid', message: expect.stringContaining('--allow-launch') });
    expect(t.servers).toEqual([]);
  });

  it('a refusal runs nothing and is asked again next time; an approval is remembered per command', async () => {
    let allow = false;
    const t = setup(async () => allow);
    await expect(t.supervisor.prepare(moshi(' moshi-server '))).rejects.toMatchObject({ code: 'settings/invalid', message: 'You did not allow Parley to run: moshi-server' });
    expect(t.servers).toEqual([]);
    allow = true;
    await t.supervisor.prepare(moshi('moshi-server'));
    await t.supervisor.prepare(moshi('moshi-server'));
    expect(t.asked).toEqual(['moshi-server', 'moshi-server']);
    expect(t.servers).toHaveLength(1);
    expect(t.servers[0]!.starts).toBe(2);
    await t.supervisor.prepare(moshi('moshi-server --gpu'));
    expect(t.asked).toEqual(['moshi-server', 'moshi-server', 'moshi-server --gpu']);
  });

  it('a new command or URL replaces the server; quitting stops it', async () => {
    const t = setup(async () => true);
    await t.supervisor.prepare(moshi('moshi-server'));
    expect(t.servers[0]!.options).toMatchObject({ command: 'moshi-server', host: '127.0.0.1', port: 8998, startTimeoutMs: 5000 });
    await t.supervisor.prepare(moshi('moshi-server', 'http://127.0.0.1:9000'));
    expect(t.servers).toHaveLength(2);
    expect(t.servers[0]!.stops).toBe(1);
    expect(t.supervisor.logs()).toEqual({ running: true, lines: ['moshi-server on 127.0.0.1:9000'] });
    await t.supervisor.shutdown();
    expect(t.servers[1]!.stops).toBe(1);
    expect(t.supervisor.logs()).toEqual({ running: false, lines: [] });
  });

  it('other providers, and Moshi without a launch command, start nothing and ask nothing', async () => {
    const t = setup(async () => true);
    await t.supervisor.prepare({ id: 'openai-realtime', settings: { launchCommand: 'moshi-server' } });
    await t.supervisor.prepare(moshi(''));
    await t.supervisor.prepare(moshi('   '));
    await t.supervisor.prepare(moshi(undefined));
    expect(t.asked).toEqual([]);
    expect(t.servers).toEqual([]);
  });
});
