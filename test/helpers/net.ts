import net from 'node:net';

/** A loopback port nothing listens on (it was free a moment ago): for "unreachable" and for servers a test launches. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
