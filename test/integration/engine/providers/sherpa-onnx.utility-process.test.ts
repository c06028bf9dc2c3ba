import { fork, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { utilityProcessHost, type UtilityChild, type UtilityProcessApi } from '../../../../electron/engine/providers/sherpa/host.js';
import { SherpaOnnxStt, SherpaSttSettingsSchema } from '../../../../electron/engine/providers/stt/sherpa-onnx.js';
import type { SttEvent } from '../../../../electron/engine/providers/types.js';
import { FIXTURE_STT, blocks, corruptCopy, speechThenSilence } from '../../../helpers/sherpa.js';

/**
 * Electron cannot run here: its utilityProcess surface is played by a Node child with the same
 * message semantics (structured clone both ways, an exit code), running the real worker.
 */
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((c) => c.kill()));
const electronLike: UtilityProcessApi = {
  fork(modulePath, args, options) {
    const child = fork(modulePath, args ?? [], { serialization: 'advanced', stdio: ['ignore', 'ignore', options?.stdio === 'pipe' ? 'pipe' : 'ignore', 'ipc'], execArgv: modulePath.endsWith('.ts') ? ['--import', 'tsx'] : [] });
    children.push(child);
    const utility: UtilityChild = {
      pid: child.pid,
      stderr: child.stderr,
      postMessage: (m) => void child.send(m as object),
      // Electron reports a crash as an exit code; Node as a signal (SIGABRT -> 134, as a shell would say).
      on: (event: 'message' | 'exit', listener: (x: never) => void) =>
        event === 'message' ? child.on('message', (m) => (listener as (m: unknown) => void)(m)) : child.on('exit', (code, signal) => (listener as (c: number) => void)(code ?? (signal === 'SIGABRT' ? 134 : 1))),
      kill: () => child.kill(),
    };
    return utility;
  },
};

async function firstFinal(stream: AsyncIterable<SttEvent>): Promise<SttEvent | undefined> {
  for await (const e of stream) if (e.type === 'final' || e.type === 'error') return e;
  return undefined;
}

describe('sherpa-onnx worker in a utility process (Electron surface injected)', () => {
  it('speaks the same protocol: the stream gives its words', async () => {
    const stt = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ modelDir: FIXTURE_STT }), undefined, () => utilityProcessHost(electronLike));
    const stream = await stt.open({ sampleRate: 16000 });
    for (const b of blocks(await speechThenSilence('librivox-ss01-0880.wav', 0))) stream.push(b, true);
    stream.finalize();
    expect(await firstFinal(stream)).toMatchObject({ type: 'final', fromFinalize: true, text: expect.stringMatching(/\w/) });
    stream.close();
  });

  it('a worker that dies on a corrupt model is a typed error with sherpa-onnx\'s reason', async () => {
    const stt = new SherpaOnnxStt(SherpaSttSettingsSchema.parse({ modelDir: corruptCopy(FIXTURE_STT, 'encoder.onnx', 300) }), undefined, () => utilityProcessHost(electronLike));
    await expect(stt.open({ sampleRate: 16000 })).rejects.toMatchObject({ code: 'onnx/model-invalid', message: expect.stringMatching(/exited with code 134: .*Protobuf parsing failed/) });
  });
});
