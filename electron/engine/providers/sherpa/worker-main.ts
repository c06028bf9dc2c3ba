import { SherpaWorker } from './worker-core.js';
import type { SherpaEvent, SherpaRequest } from './protocol.js';

/**
 * Entry of the inference process. Under Electron's utilityProcess messages arrive on
 * process.parentPort; under Node's child_process.fork (the CLI, `parley serve`, tests) on the IPC
 * channel. Each request is handled as it arrives (recognition is synchronous, so a stream's audio
 * is decoded in the order sent; synthesis runs on sherpa's threads, so a cancel is not stuck behind it).
 */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

const post = (event: SherpaEvent): void => {
  if (parentPort) parentPort.postMessage(event);
  else process.send?.(event);
};
const worker = new SherpaWorker(post);
const receive = (message: unknown): void => void worker.handle(message as SherpaRequest);

if (parentPort) parentPort.on('message', (e) => receive(e.data));
else {
  process.on('message', receive);
  // The parent went away: nothing is left to answer.
  process.on('disconnect', () => process.exit(0));
}
