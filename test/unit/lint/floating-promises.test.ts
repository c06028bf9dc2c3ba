import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// Product code is linted with type information: a promise that nobody awaits, catches or marks
// with `void` is an error. Linted as the text of a real file of each project (the type checker
// needs the file in a tsconfig); nothing is written.
const eslint = new ESLint({ cwd: ROOT });

async function floating(file: string, source: string): Promise<number[]> {
  const [result] = await eslint.lintText(source, { filePath: `${ROOT}/${file}` });
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, 'the file parses with type information').toEqual([]);
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-floating-promises').map((m) => m.line);
}

const SOURCE = (call: string) => `async function save(): Promise<void> {}
export function onClick(): void {
  ${call}
}
`;

describe('no-floating-promises on product code', () => {
  it.each(['electron/engine/util/abort.ts', 'electron/main/index.ts', 'renderer/src/App.tsx'])('%s: a dropped promise is an error; awaited, caught or void is not', async (file) => {
    expect(await floating(file, SOURCE('save();'))).toEqual([3]);
    expect(await floating(file, SOURCE('save().then(() => undefined);'))).toEqual([3]);
    expect(await floating(file, SOURCE('void save();'))).toEqual([]);
    expect(await floating(file, SOURCE('save().catch(() => undefined);'))).toEqual([]);
  }, 60_000);
});
