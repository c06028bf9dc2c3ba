// Preloaded into a child `parley` (node --import) by tests where only this machine may be reached
// (a local LLM on 127.0.0.1): a connect to any other host, or a DNS lookup, prints a marker on
// stderr and fails. Child processes started with this process's Node flags carry it too.
import dns from 'node:dns';
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const refuse = (what) => {
  process.stderr.write(`NETWORK-GUARD: ${what}\n`);
  throw new Error(`network guard: ${what}`);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guarded(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (options.path && !options.host && !options.port) return connect.apply(this, args);
  if (typeof options.host === 'string' && LOOPBACK.test(options.host)) return connect.apply(this, args);
  refuse(`connect ${JSON.stringify({ host: options.host, port: options.port })}`);
};
dns.lookup = (host) => refuse(`dns lookup ${host}`);
dns.promises.lookup = async (host) => refuse(`dns lookup ${host}`);
