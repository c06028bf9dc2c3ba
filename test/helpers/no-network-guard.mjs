// Preloaded into a child `parley` (node --import) by tests that expect no connection at all:
// any socket connect or DNS lookup prints a marker on stderr and fails.
import dns from 'node:dns';
import net from 'node:net';

const refuse = (what) => {
  process.stderr.write(`NETWORK-GUARD: ${what}\n`);
  throw new Error(`network guard: ${what}`);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guarded(...args) {
  // net.connect passes its normalized [options, callback] as one array.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  // IPC pipes (a path, no host or port) are not the network.
  if (options.path && !options.host && !options.port) return connect.apply(this, args);
  refuse(`connect ${JSON.stringify({ host: options.host, port: options.port })}`);
};
dns.lookup = (host) => refuse(`dns lookup ${host}`);
dns.promises.lookup = async (host) => refuse(`dns lookup ${host}`);
