import { runCli } from './main.js';

// Entry point of the `parley` bin (bin/parley.js loads the compiled copy of this file).
process.exitCode = await runCli(process.argv.slice(2));
