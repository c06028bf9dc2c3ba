import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalServer, splitCommand } from '../../../../electron/engine/s2s/local-server.js';
import { MoshiClient, MoshiSettingsSchema } from '../../../../electron/engine/providers/s2s/moshi.js';
import { freePort } from '../../../helpers/net.js';
import { ROOT } from '../../../paths.js';

// Parley starting Moshi itself: the launch command runs the fake Moshi server as a real process.
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const FAKE = path.join(ROOT, 'test', 'fakes', 'moshi-server-process.ts');
const command = (args: string) => `"${process.execPath}" "${TSX}" "${FAKE}" ${args}`;

const servers: LocalServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
function local(cmd: string, port: number, notices: string[] = [], startTimeoutMs = 20_000) {
  const s = new LocalServer({ command: cmd, host: '127.0.0.1', port, startTimeoutMs, notify: (m) => notices.push(m) });
  servers.push(s);
  return s;
}

describe('local Moshi server management', () => {
  it('splits a command line like a shell, without running one', () => {
    expect(splitCommand(`python -m moshi.server --hf-repo "kyutai/moshika pytorch" --port 8998 'a b' c\\ d ""`)).toEqual(['python', '-m', 'moshi.server', '--hf-repo', 'kyutai/moshika pytorch', '--port', '8998', 'a b', 'c d', '']);
    expect(() => splitCommand('python "unclosed')).toThrow(/unclosed quote/);
  });

  it('starts the server, waits for its port, connects; keeps its logs; stops it on quit', async () => {
    const port = await freePort();
    const notices: string[] = [];
    const server = local(command(`--port ${port} --delay-ms 400`), port, notices);
    await server.ensureRunning();
    expect(notices[0]).toMatch(/Starting the local Moshi server/);
    const client = new MoshiClient(MoshiSettingsSchema.parse({ baseUrl: `ws://127.0.0.1:${port}` }));
    await client.connect();
    await client.close();
    expect(server.logs()).toContain('loading the model...');
    await server.stop();
    expect(server.running).toBe(false);
    await expect(new MoshiClient(MoshiSettingsSchema.parse({ baseUrl: `ws://127.0.0.1:${port}` })).connect()).rejects.toMatchObject({ code: 'provider/unreachable' });
  }, 30_000);

  it('restarts a crashed server with backoff', async () => {
    const port = await freePort();
    const notices: string[] = [];
    const server = local(command(`--port ${port} --exit-after-ms 600`), port, notices);
    await server.ensureRunning();
    await new Promise((r) => setTimeout(r, 900));
    expect(notices).toContainEqual(expect.stringMatching(/stopped unexpectedly; restarting it in 1 s/));
    // Back up after the 1 s backoff (and its own start time).
    for (let i = 0; i < 60 && !server.running; i++) await new Promise((r) => setTimeout(r, 100));
    expect(server.running).toBe(true);
  }, 30_000);

  it('explains what went wrong: not installed, port taken, no GPU', async () => {
    const port = await freePort();
    await expect(local(`definitely-not-moshi --port ${port}`, port).ensureRunning()).rejects.toMatchObject({ message: expect.stringContaining('was not found: Moshi does not seem to be installed') });

    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(port, '127.0.0.1', r));
    await expect(local(command(`--port ${port}`), port).ensureRunning()).rejects.toMatchObject({ message: expect.stringContaining(`port ${port} is already in use by another program`) });
    await new Promise<void>((r) => busy.close(() => r()));

    await expect(local(command(`--port ${port} --fail "RuntimeError: CUDA error: no CUDA-capable device is detected"`), port).ensureRunning()).rejects.toMatchObject({ message: expect.stringContaining('it needs a GPU') });
  }, 30_000);
});
