// The process logic of `npm run dev` (scripts/dev.mjs), apart so a test can drive it with fake commands.
import { spawn } from 'node:child_process';

const CANNOT_RUN_ELECTRON =
  'Electron could not start. Electron 45 downloads its binary the first time it runs; if that is not possible here, ' +
  'use the app in a browser instead: npm run build && npx parley serve';

/**
 * Runs the steps of `npm run dev`: a one-off compile, a compiler in watch mode, the bundles in
 * watch mode, then Electron. They live and die together: when Electron ends (closed, or could not
 * start), this script fails, or it is stopped, every process it started is killed and it exits.
 * `electronPath` resolves Electron's binary (it may throw: Electron 45 downloads it on first use).
 */
export async function runDev({ compile, watch, bundle, electronPath }) {
  const children = new Set();
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill();
  };
  let stopping = false;
  const stop = (code, message) => {
    if (stopping) return;
    stopping = true;
    if (message) console.error(`npm run dev: ${message}`);
    killAll();
    process.exit(code);
  };
  // Whatever ends this process ends its children too ('exit' handlers may only do synchronous work: kill is).
  process.on('exit', killAll);
  process.on('SIGINT', () => stop(130));
  process.on('SIGTERM', () => stop(143));
  process.on('SIGHUP', () => stop(129));
  const run = (cmd, args, what) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
    children.add(child);
    child.on('error', (e) => stop(1, `${what} could not run (${e.message}).${what === 'Electron' ? ` ${CANNOT_RUN_ELECTRON}` : ''}`));
    child.on('exit', () => children.delete(child));
    return child;
  };

  try {
    const exitCode = await new Promise((resolve) => run(compile.cmd, compile.args, 'The compiler').on('exit', resolve));
    if (exitCode !== 0) return stop(1);
    run(watch.cmd, watch.args, 'The compiler in watch mode');
    await bundle();
    let electron;
    try {
      electron = electronPath();
    } catch (e) {
      return stop(1, `${e instanceof Error ? e.message : String(e)} ${CANNOT_RUN_ELECTRON}`);
    }
    run(electron, ['.'], 'Electron').on('exit', (code, signal) => {
      // Closing the window is a normal end; a crash or a failed start is not.
      if (code === 0) stop(0);
      else stop(1, `Electron ended (${code === null ? `signal ${signal}` : `exit code ${code}`}).`);
    });
  } catch (e) {
    stop(1, e instanceof Error ? e.message : String(e));
  }
}
