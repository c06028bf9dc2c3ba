// The socket guard both preloads install: a connect the guard does not allow, or a DNS lookup,
// prints a NETWORK-GUARD marker on stderr and fails. IPC pipes (a path, no host or port) are not
// the network. Child processes started with this process's Node flags carry it too.
import dns from 'node:dns';
import net from 'node:net';

/** `allowHost(host)`: may a TCP connect to this host go through? */
export function installNetworkGuard(allowHost) {
  const refuse = (what) => {
    process.stderr.write(`NETWORK-GUARD: ${what}\n`);
    throw new Error(`network guard: ${what}`);
  };
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guarded(...args) {
    // net.connect passes its normalized [options, callback] as one array.
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
    if (options.path && !options.host && !options.port) return connect.apply(this, args);
    if (typeof options.host === 'string' && allowHost(options.host)) return connect.apply(this, args);
    refuse(`connect ${JSON.stringify({ host: options.host, port: options.port })}`);
  };
  dns.lookup = (host) => refuse(`dns lookup ${host}`);
  dns.promises.lookup = async (host) => refuse(`dns lookup ${host}`);
}
