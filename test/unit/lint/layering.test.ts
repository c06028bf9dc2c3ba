import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// The layering of docs/DESIGN.md is enforced by ESLint; these cases prove each rule actually fires.
const eslint = new ESLint({ cwd: ROOT });

async function importErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${ROOT}/${file}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint', () => {
  it.each([
    ['electron/engine/audio/x.ts', "import { app } from 'electron';"],
    ['electron/engine/audio/x.ts', "import { thing } from '../../main/index.js';"],
    ['electron/engine/audio/x.ts', "import { App } from '../../../renderer/src/App.js';"],
    ['electron/engine/audio/x.ts', "import { fake } from '../../../test/fakes/x.js';"],
    ['electron/shared/x.ts', "import { readFile } from 'node:fs';"],
    ['electron/shared/x.ts', "import { ParleyError } from '../engine/errors.js';"],
    ['renderer/src/x.ts', "import { ParleyError } from '../../electron/engine/errors.js';"],
    ['renderer/src/x.ts', "import { ipcRenderer } from 'electron';"],
    ['renderer/src/x.ts', "import { readFile } from 'node:fs';"],
    ['electron/preload/x.ts', "import { SileroVadModel } from '../engine/vad/silero.js';"],
    ['electron/main/x.ts', "import { App } from '../../renderer/src/App.js';"],
    ['electron/engine/turn/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/turn/x.ts', "import { thing } from '../providers/deepgram/stt.js';"],
    ['electron/engine/turn/x.ts', "import { thing } from '../session/engine-host.js';"],
    ['electron/engine/turn/x.ts', "import { thing } from '../s2s/moshi.js';"],
    ['electron/engine/turn/x.ts', "import { app } from 'electron';"],
    ['electron/engine/turn/x.ts', "import { thing } from '../../main/index.js';"],
    ['electron/engine/models/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/models/x.ts', "import { findProvider } from '../providers/registry.js';"],
    ['electron/engine/models/x.ts', "import { app } from 'electron';"],
  ])('%s may not: %s', async (file, source) => {
    expect(await importErrors(file, `${source}\nexport const used = 1;\n`)).toHaveLength(1);
  });

  it.each([
    ['electron/engine/audio/x.ts', "import type { ErrorInfo } from '../../shared/errors.js';"],
    ['electron/main/x.ts', "import { app } from 'electron';\nimport { SileroVadModel } from '../engine/vad/silero.js';"],
    ['electron/preload/x.ts', "import { contextBridge } from 'electron';\nimport { IPC_PREFIX } from '../shared/ipc.js';"],
    ['renderer/src/x.ts', "import { IPC_PREFIX } from '../../electron/shared/ipc.js';"],
    ['electron/shared/x.ts', "import { z } from 'zod';"],
    ['electron/engine/turn/x.ts', "import { createOnnxSession } from '../onnx/session.js';\nimport { ParleyError } from '../errors.js';\nimport type { Clock } from '../clock.js';"],
    ['electron/engine/models/x.ts', "import { ParleyError } from '../errors.js';\nimport { linkedAbort } from '../util/abort.js';"],
  ])('%s may: %s', async (file, source) => {
    expect(await importErrors(file, `${source}\nexport const used = 1;\n`)).toEqual([]);
  });
});
