// The fake Moshi server as a program, for the local-server manager's tests: the command Parley is
// told to launch. Usage: tsx test/fakes/moshi-server-process.ts --port N [--delay-ms D]
//   [--exit-after-ms T] [--fail "message"]
import { parseArgs } from 'node:util';
import { startFakeMoshi } from './moshi.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'delay-ms': { type: 'string' }, 'exit-after-ms': { type: 'string' }, fail: { type: 'string' } } });
if (values.fail) {
  // Like a Python server that cannot find a GPU: it says so and exits.
  console.error(values.fail);
  process.exit(1);
}
console.log('loading the model...');
await new Promise((r) => setTimeout(r, Number(values['delay-ms'] ?? 0)));
const server = await startFakeMoshi({ port: Number(values.port) });
console.log(`Access the Web UI directly at http://127.0.0.1:${values.port}`);
if (values['exit-after-ms']) setTimeout(() => process.exit(3), Number(values['exit-after-ms']));
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
