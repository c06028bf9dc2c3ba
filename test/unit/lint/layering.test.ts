import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../paths.js';

// The layering of docs/DESIGN.md is enforced by ESLint; these cases prove each rule actually fires.
// The files linted here do not exist, so they are linted without type information (the type-checked
// rules are proven in floating-promises.test.ts).
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: { files: ['**/*.ts', '**/*.tsx'], languageOptions: { parserOptions: { projectService: false } }, rules: { '@typescript-eslint/no-floating-promises': 'off' } },
});

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
    // local/ runs any worker module: it knows no provider, tool or conversation code.
    ['electron/engine/local/x.ts', "import { LlamaCppLlm } from '../providers/llm/llama-cpp.js';"],
    ['electron/engine/local/x.ts', "import { builtinTools } from '../tools/builtins.js';"],
    ['electron/engine/local/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/local/x.ts', "import { utilityProcess } from 'electron';"],
    // Inside the engine, dependencies point down: session -> cascade | s2s -> events -> providers -> tools -> leaves.
    ['electron/engine/providers/registry.ts', "import { S2sSession } from '../s2s/session.js';"],
    ['electron/engine/providers/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/providers/x.ts', "import { EngineHost } from '../session/engine-host.js';"],
    ['electron/engine/providers/x.ts', "import type { EngineEvent } from '../events/conversation-events.js';"],
    ['electron/engine/providers/llm/x.ts', "import { CascadeSession } from '../../cascade/session.js';"],
    ['electron/engine/providers/s2s/x.ts', "import { S2sSession } from '../../s2s/session.js';"],
    ['electron/engine/providers/s2s/x.ts', "import { LocalServer } from '../../s2s/local-server.js';"],
    ['electron/engine/providers/stt/x.ts', "import type { TranscriptLog } from '../../session/transcript-log.js';"],
    ['electron/engine/cascade/x.ts', "import { S2sSession } from '../s2s/session.js';"],
    ['electron/engine/cascade/x.ts', "import type { TranscriptLog } from '../session/transcript-log.js';"],
    ['electron/engine/s2s/x.ts', "import type { EngineEvent } from '../cascade/session.js';"],
    ['electron/engine/s2s/x.ts', "import { createSession } from '../session/session-factory.js';"],
    ['electron/engine/events/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/events/x.ts', "import { S2sSession } from '../s2s/session.js';"],
    ['electron/engine/settings/x.ts', "import { EngineHost } from '../session/engine-host.js';"],
    ['electron/engine/settings/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/tools/x.ts', "import type { LlmProvider } from '../providers/types.js';"],
    ['electron/engine/tools/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/vad/x.ts', "import { CascadeSession } from '../cascade/session.js';"],
    ['electron/engine/vad/x.ts', "import type { SttProvider } from '../providers/types.js';"],
    ['electron/engine/audio/x.ts', "import { S2sSession } from '../s2s/session.js';"],
    ['electron/engine/audio/x.ts', "import { MoshiClient } from '../providers/s2s/moshi.js';"],
    ['electron/engine/codec/x.ts', "import { EngineHost } from '../session/engine-host.js';"],
    ['electron/engine/onnx/x.ts', "import type { SttProvider } from '../providers/types.js';"],
    ['electron/engine/util/x.ts', "import { ToolRegistry } from '../tools/registry.js';"],
    ['electron/engine/metrics/x.ts', "import type { EngineEvent } from '../events/conversation-events.js';"],
    ['electron/engine/turn/x.ts', "import type { ToolCall } from '../tools/types.js';"],
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
    ['electron/engine/providers/registry.ts', "import { MoshiClient } from './s2s/moshi.js';\nimport type { ToolRegistry } from '../tools/registry.js';"],
    ['electron/engine/providers/llm/x.ts', "import type { S2sClient } from '../s2s/types.js';\nimport type { ToolSpec } from '../../tools/types.js';\nimport { withAbort } from '../../util/abort.js';"],
    ['electron/engine/providers/s2s/x.ts', "import { connectWebSocket } from '../websocket.js';\nimport { OggOpusDecoder } from '../../codec/ogg-opus.js';\nimport { float32ToInt16 } from '../../audio/pcm.js';"],
    ['electron/engine/cascade/x.ts', "import type { EngineEvent } from '../events/conversation-events.js';\nimport type { TranscriptLog } from '../events/transcript.js';\nimport type { LlmProvider } from '../providers/types.js';\nimport { ToolRegistry } from '../tools/registry.js';\nimport { Endpointer } from '../vad/endpointer.js';\nimport type { S2sEvent } from '../providers/s2s/types.js';"],
    ['electron/engine/s2s/x.ts', "import type { EngineEvent } from '../events/conversation-events.js';\nimport type { S2sClient } from '../providers/s2s/types.js';\nimport { resample } from '../audio/resampler.js';"],
    ['electron/engine/session/x.ts', "import { CascadeSession } from '../cascade/session.js';\nimport { S2sSession } from '../s2s/session.js';\nimport { findProvider } from '../providers/registry.js';"],
    ['electron/engine/events/x.ts', "import type { SttConnectionStatus } from '../providers/types.js';\nimport type { ToolCall } from '../tools/types.js';\nimport type { TurnLatencyReport } from '../metrics/latency.js';"],
    ['electron/engine/settings/x.ts', "import { findProvider } from '../providers/registry.js';\nimport type { Settings } from '../../shared/settings.js';"],
    ['electron/engine/vad/x.ts', "import { createOnnxSession } from '../onnx/session.js';\nimport { float32ToInt16 } from '../../engine/audio/pcm.js';"],
    ['electron/engine/codec/x.ts', "import { float32ToInt16 } from '../audio/pcm.js';"],
    ['electron/engine/local/x.ts', "import { ParleyError } from '../errors.js';\nimport { AsyncQueue } from '../util/async-queue.js';\nimport { ErrorCodeSchema } from '../../shared/errors.js';"],
    ['electron/engine/providers/llm/x.ts', "import { LocalProcessHost } from '../../local/host.js';\nimport { ModelStore } from '../../models/store.js';"],
  ])('%s may: %s', async (file, source) => {
    expect(await importErrors(file, `${source}\nexport const used = 1;\n`)).toEqual([]);
  });
});
