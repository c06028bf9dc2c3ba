import { chmod, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

/** Settings, keys and transcripts are the user's alone: folders 0700, files 0600. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** POSIX modes mean nothing on Windows (its ACLs already make the profile folder private). */
const posix = process.platform !== 'win32';

/** Creates `dir` (and missing parents) readable by the owner only. Existing folders are left as they are. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Makes an existing folder of Parley's data private (0700). Never a shared folder: not one owned
 * by someone else, not a sticky one (like /tmp), not the home folder or the root. Best effort:
 * a folder that cannot be changed is left as it is.
 */
export async function tightenDataDir(dir: string): Promise<void> {
  if (!posix) return;
  const resolved = path.resolve(dir);
  if (resolved === path.parse(resolved).root || resolved === path.resolve(homedir())) return;
  try {
    const st = await stat(resolved);
    if (!st.isDirectory() || st.uid !== process.getuid?.() || st.mode & 0o1000) return;
    if ((st.mode & 0o777) !== PRIVATE_DIR_MODE) await chmod(resolved, PRIVATE_DIR_MODE);
  } catch {
    // Missing or not ours: nothing to tighten.
  }
}

/** Makes an existing file of Parley's data readable by the owner only (0600). Best effort. */
export async function tightenFile(file: string): Promise<void> {
  if (!posix) return;
  try {
    const st = await stat(file);
    if (!st.isFile() || st.uid !== process.getuid?.()) return;
    if ((st.mode & 0o777) !== PRIVATE_FILE_MODE) await chmod(file, PRIVATE_FILE_MODE);
  } catch {
    // Missing or not ours: nothing to tighten.
  }
}
