import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandApprovals } from '../../../electron/main/approvals.js';

describe('launch-command approvals (main process)', () => {
  it('asks once per command, remembers a yes across restarts, never a no', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-approvals-')), 'approved-commands.json');
    const asked: string[] = [];
    let answer = false;
    const approvals = () => new CommandApprovals(file, async (c) => (asked.push(c), answer));
    expect(await approvals().approve('python -m moshi.server')).toBe(false);
    answer = true;
    const first = approvals();
    expect(await first.approve('python -m moshi.server')).toBe(true);
    expect(await first.approve('python -m moshi.server')).toBe(true);
    // A new run of the app reads the file: no second question for the same command; a new command asks.
    answer = false;
    expect(await approvals().approve('python -m moshi.server')).toBe(true);
    expect(await approvals().approve('rm -rf ~')).toBe(false);
    expect(asked).toEqual(['python -m moshi.server', 'python -m moshi.server', 'rm -rf ~']);
  });
});
