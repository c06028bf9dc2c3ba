// Entry point of a local inference process (forked by a LocalProcessHost): loads the worker module
// named by argv[2] and serves the protocol in protocol.ts over the parent's channel. Runs under
// plain Node (child_process.fork: process.send) and in an Electron utility process
// (process.parentPort, or a MessagePort main hands over in a {type:'connect'} message).
import { pathToFileURL } from 'node:url';
import { parentTransport, serveWorker, type ChildProcessLike } from './child-runtime.js';

const modulePath = process.argv[2];
if (!modulePath) throw new Error('child-entry: no worker module given');
const proc = process as unknown as ChildProcessLike;
const channel = parentTransport(proc);
// A utility process whose script has finished may exit even with listeners (electron/electron#42978).
if (proc.parentPort) setInterval(() => undefined, 60_000);
// The engine went away: nothing is left to answer (a utility process is ended by Electron itself).
channel.onDisconnect(() => process.exit(0));
if (!(await serveWorker(channel, () => import(pathToFileURL(modulePath).href)))) {
  // The 'fatal' message is on its way; leave once it is flushed.
  setTimeout(() => process.exit(1), 100);
}
