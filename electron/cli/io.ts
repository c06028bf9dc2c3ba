/** Where the CLI writes; injected so tests can run commands in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal (progress bars redraw in place; otherwise plain lines). */
  stderrIsTty?: boolean;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  get stderrIsTty() {
    return Boolean(process.stderr.isTTY);
  },
};

/** Exit codes: 0 success, 1 unexpected failure, 2 bad usage or bad input (file, model). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;
