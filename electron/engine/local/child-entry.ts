// Entry point of a local inference process (forked by a LocalProcessHost): loads the worker module
// named by argv[2] and serves the protocol in protocol.ts over the parent's channel. Runs under
// plain Node (child_process.fork: process.send) and in an Electron utility process
// (process.parentPort, or a MessagePort main hands over in a {type:'connect'} message).
import { pathToFileURL } from 'node:url';
import { serveWorker, type WorkerTransport } from './child-runtime.js';

interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown; ports?: PortLike[] }) => void): void;
  start?(): void;
}

function transport(): WorkerTransport {
  const parentPort = (process as unknown as { parentPort?: PortLike }).parentPort;
  if (parentPort) {
    let target: PortLike = parentPort;
    const listeners: ((m: unknown) => void)[] = [];
    const deliver = (event: { data: unknown; ports?: PortLike[] }) => {
      const port = event.ports?.[0];
      if (port && (event.data as { type?: unknown } | null)?.type === 'connect') {
        // The engine talks to this process over a port of its own, not through Electron's main.
        target = port;
        port.on('message', deliver);
        port.start?.();
        return;
      }
      for (const l of listeners) l(event.data);
    };
    parentPort.on('message', deliver);
    return { send: (m) => target.postMessage(m), onMessage: (l) => void listeners.push(l), onDisconnect: () => undefined };
  }
  if (process.send) {
    return {
      send: (m) => void process.send?.(m),
      onMessage: (l) => void process.on('message', l),
      onDisconnect: (l) => void process.once('disconnect', l),
    };
  }
  throw new Error('child-entry runs only as a forked process (child_process.fork or utilityProcess.fork)');
}

const modulePath = process.argv[2];
if (!modulePath) throw new Error('child-entry: no worker module given');
const channel = transport();
// The engine went away: nothing is left to answer (a utility process is ended by Electron itself).
channel.onDisconnect(() => process.exit(0));
if (!(await serveWorker(channel, () => import(pathToFileURL(modulePath).href)))) {
  // The 'fatal' message is on its way; leave once it is flushed.
  setTimeout(() => process.exit(1), 100);
}
