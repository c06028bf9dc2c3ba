import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalProcessHost } from '../../../../electron/engine/local/host.js';
import { compiledOrSource } from '../../../../electron/engine/local/module-path.js';
import { lastWords, type SpawnOptions } from '../../../../electron/engine/local/spawner.js';
import type { WorkerMethod } from '../../../../electron/engine/local/worker-api.js';
import { inMemorySpawner } from './in-memory-spawner.js';

const waiting = (): Record<string, WorkerMethod> => ({
  wait: (_p, call) =>
    new Promise((resolve) => {
      call.emit('started');
      call.signal.addEventListener('abort', () => resolve(null));
    }),
});

describe('LocalProcessHost: what a crash says and what a child is started with', () => {
  it("a crash reports the child's last error lines (a native library's reason for aborting)", async () => {
    const { spawn, children } = inMemorySpawner(waiting);
    const host = new LocalProcessHost({ module: '/w.js', name: 'local voice', spawn });
    const r = host.request('wait', {}, { onEvent: () => children[0]!.crash({ code: null, signal: 'SIGABRT', lastWords: "what(): Load model from /m/encoder.onnx failed:Protobuf parsing failed." }) });
    await expect(r).rejects.toMatchObject({ code: 'local/crashed', message: "the local voice process was killed (SIGABRT): what(): Load model from /m/encoder.onnx failed:Protobuf parsing failed.; it starts again on the next request" });
  });

  it("keeps only stderr's error lines, the last two, bounded", () => {
    const stderr = ['loading...', 'terminate called after throwing an instance of Ort::Exception', "  what():  Load model failed:Protobuf parsing failed.", 'progress 50%', ''].join('\n');
    expect(lastWords(stderr)).toBe('what(): Load model failed:Protobuf parsing failed.');
    expect(lastWords('a error\nb failed\nc invalid\n')).toBe('b failed c invalid');
    expect(lastWords(`${'x'.repeat(5000)} error`).length).toBe(400);
    expect(lastWords('all fine\n')).toBe('');
  });

  it('passes its extra environment to the spawner (a native library folder)', async () => {
    const seen: SpawnOptions[] = [];
    const { spawn } = inMemorySpawner(waiting);
    const host = new LocalProcessHost({ module: '/w.js', name: 'local voice', spawn: (o) => (seen.push(o), spawn(o)), env: { LD_LIBRARY_PATH: '/opt/sherpa' } });
    const ac = new AbortController();
    await expect(host.request('wait', {}, { signal: ac.signal, onEvent: () => ac.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([expect.objectContaining({ args: ['/w.js'], serviceName: 'Parley local voice', env: { LD_LIBRARY_PATH: '/opt/sherpa' } })]);
  });

  it('runs the compiled .js when it exists, else the .ts source beside it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-module-path-'));
    writeFileSync(path.join(dir, 'only-source.ts'), '');
    writeFileSync(path.join(dir, 'built.ts'), '');
    writeFileSync(path.join(dir, 'built.js'), '');
    expect(compiledOrSource(pathToFileURL(path.join(dir, 'only-source.js')))).toBe(path.join(dir, 'only-source.ts'));
    expect(compiledOrSource(pathToFileURL(path.join(dir, 'built.js')))).toBe(path.join(dir, 'built.js'));
    expect(compiledOrSource(pathToFileURL(path.join(dir, 'neither.js')))).toBe(path.join(dir, 'neither.js'));
  });
});
