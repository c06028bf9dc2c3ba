import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../../../electron/engine/errors.js';
import { LocalProcessHost, type HostEvent } from '../../../../electron/engine/local/host.js';
import type { WorkerMethod } from '../../../../electron/engine/local/worker-api.js';
import { inMemorySpawner } from './in-memory-spawner.js';

async function collect(it: AsyncIterable<HostEvent>): Promise<HostEvent[]> {
  const out: HostEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

/** A worker with the shapes real ones have: streaming, loading progress, typed failure, and work that waits for cancellation. */
function testWorker(log: string[] = []) {
  return (): Record<string, WorkerMethod> => ({
    count: async (params, call) => {
      const n = (params as { n: number }).n;
      call.progress('loading', 0.5);
      for (let i = 0; i < n; i++) call.emit({ i, samples: new Float32Array([i]) });
      return { counted: n };
    },
    fail: async () => {
      throw new ParleyError('model/corrupt', 'the model is broken');
    },
    throwPlain: async () => {
      throw new TypeError('undefined is not a function');
    },
    wait: (_params, call) =>
      new Promise((_resolve, reject) => {
        call.emit('started');
        call.signal.addEventListener('abort', () => {
          log.push('aborted in child');
          reject(new Error('stopped'));
        });
      }),
  });
}

describe('LocalProcessHost', () => {
  it('streams events and progress, then the result; typed arrays survive the channel', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    const events = await collect(host.stream('count', { n: 2 }));
    expect(events).toEqual([
      { type: 'progress', stage: 'loading', fraction: 0.5 },
      { type: 'event', data: { i: 0, samples: new Float32Array([0]) } },
      { type: 'event', data: { i: 1, samples: new Float32Array([1]) } },
      { type: 'result', value: { counted: 2 } },
    ]);
    expect(await host.request('count', { n: 1 })).toEqual({ counted: 1 });
    expect(children).toHaveLength(1); // one process for every request
    expect(children[0]!.fromChild[0]).toEqual({ type: 'ready', methods: ['count', 'fail', 'throwPlain', 'wait'] });
  });

  it('runs requests concurrently, each under its own id', async () => {
    const { spawn } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    const [a, b] = await Promise.all([host.request('count', { n: 3 }), host.request('count', { n: 5 })]);
    expect([a, b]).toEqual([{ counted: 3 }, { counted: 5 }]);
  });

  it('a worker fault arrives as its typed error; an untyped one as local/crashed naming the cause; the process keeps serving', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    await expect(host.request('fail', {})).rejects.toMatchObject({ name: 'ParleyError', code: 'model/corrupt', message: 'the model is broken' });
    await expect(host.request('throwPlain', {})).rejects.toMatchObject({ code: 'local/crashed', message: expect.stringMatching(/undefined is not a function/) });
    await expect(host.request('nope', {})).rejects.toMatchObject({ code: 'local/protocol', message: "the worker has no method 'nope'" });
    expect(await host.request('count', { n: 1 })).toEqual({ counted: 1 });
    expect(children).toHaveLength(1);
  });

  it('aborting a request cancels it in the child at once; the caller gets an AbortError', async () => {
    const log: string[] = [];
    const { spawn, children } = inMemorySpawner(testWorker(log));
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    const ac = new AbortController();
    const seen: unknown[] = [];
    const run = (async () => {
      for await (const e of host.stream('wait', {}, ac.signal)) {
        seen.push(e);
        ac.abort(); // barge-in right after the first token
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([{ type: 'event', data: 'started' }]);
    // The cancel reaches the child, which stops its work and answers with a null error.
    await expect.poll(() => log).toEqual(['aborted in child']);
    await expect.poll(() => children[0]!.fromChild.at(-1)).toMatchObject({ type: 'error', error: null });
    expect(await host.request('count', { n: 1 })).toEqual({ counted: 1 });
  });

  it('events already received when the request is aborted are not handed out (a barge-in stops the reply at once)', async () => {
    const { spawn } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    const ac = new AbortController();
    const seen: unknown[] = [];
    const run = (async () => {
      for await (const e of host.stream('count', { n: 50 }, ac.signal)) {
        seen.push(e);
        // Let the child's whole burst arrive before the barge-in: it sits in the queue, unread.
        for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
        ac.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([{ type: 'progress', stage: 'loading', fraction: 0.5 }]);
  });

  it('a caller that stops reading early cancels the request in the child', async () => {
    const log: string[] = [];
    const { spawn } = inMemorySpawner(testWorker(log));
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    for await (const e of host.stream('wait', {})) {
      expect(e).toEqual({ type: 'event', data: 'started' });
      break;
    }
    await expect.poll(() => log).toEqual(['aborted in child']);
  });

  it('an already aborted signal starts nothing', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    await expect(collect(host.stream('count', { n: 1 }, AbortSignal.abort()))).rejects.toMatchObject({ name: 'AbortError' });
    expect(children).toHaveLength(0);
  });

  it('a crash fails the requests in flight with local/crashed; the next request starts a new process', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'local LLM', spawn });
    const first = host.request('wait', {}, { onEvent: () => children[0]!.crash({ code: null, signal: 'SIGSEGV' }) });
    await expect(first).rejects.toSatisfy((e) => e instanceof ParleyError && e.code === 'local/crashed' && /the local LLM process was killed \(SIGSEGV\)/.test(e.message));
    expect(host.pid).toBeUndefined();
    expect(await host.request('count', { n: 2 })).toEqual({ counted: 2 });
    expect(children).toHaveLength(2);
    expect(host.crashCount).toBe(1);
  });

  it('restarts are bounded for the session: after maxRestarts crashes it says so and starts nothing more', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'local LLM', spawn, maxRestarts: 2 });
    for (let i = 0; i < 3; i++) {
      const r = host.request('wait', {}, { onEvent: () => children[i]!.crash() });
      await expect(r).rejects.toMatchObject({ code: 'local/crashed', message: expect.stringMatching(/exited with code 134/) });
    }
    await expect(host.request('count', { n: 1 })).rejects.toMatchObject({ code: 'local/unavailable', message: expect.stringMatching(/crashed 3 times this session/) });
    expect(children).toHaveLength(3);
  });

  it('a message outside the protocol ends the child (local/protocol) and fails its requests', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    const r = host.request('wait', {}, { onEvent: () => children[0]!.inject({ type: 'result', id: -4 }) });
    await expect(r).rejects.toMatchObject({ code: 'local/protocol' });
    expect(children[0]!.killed).toBe(true);
    expect(await host.request('count', { n: 1 })).toEqual({ counted: 1 });
  });

  it('a worker module that fails to load: its error reaches the caller, and it counts against the restart budget', async () => {
    const { spawn } = inMemorySpawner(() => {
      throw new ParleyError('file/not-found', 'the native library is missing');
    });
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn, maxRestarts: 0 });
    await expect(host.request('count', { n: 1 })).rejects.toMatchObject({ code: 'file/not-found', message: 'the native library is missing' });
    await expect(host.request('count', { n: 1 })).rejects.toMatchObject({ code: 'local/unavailable' });
  });

  it('close() ends the child and fails what is in flight with an AbortError', async () => {
    const { spawn, children } = inMemorySpawner(testWorker());
    const host = new LocalProcessHost({ module: '/w.js', name: 'test worker', spawn });
    const r = host.request('wait', {}, { onEvent: () => host.close() });
    await expect(r).rejects.toMatchObject({ name: 'AbortError' });
    expect(children[0]!.killed).toBe(true);
    await expect(host.request('count', { n: 1 })).rejects.toMatchObject({ code: 'local/unavailable' });
  });
});
