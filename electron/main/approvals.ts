import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Commands the user allowed Parley to run (local model servers), asked once each through `ask` (a
 * native dialog) and remembered in a file only the main process writes.
 */
export class CommandApprovals {
  private cache: Set<string> | undefined;

  constructor(
    private readonly file: string,
    private readonly ask: (command: string) => Promise<boolean>,
  ) {}

  async approve(command: string): Promise<boolean> {
    const approved = await this.load();
    if (approved.has(command)) return true;
    if (!(await this.ask(command))) return false;
    approved.add(command);
    const tmp = `${this.file}.tmp`;
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(tmp, JSON.stringify([...approved], null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, this.file);
    return true;
  }

  private async load(): Promise<Set<string>> {
    if (this.cache) return this.cache;
    try {
      const list = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      this.cache = new Set(Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : []);
    } catch {
      this.cache = new Set();
    }
    return this.cache;
  }
}
