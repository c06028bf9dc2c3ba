import { describe, expect, it } from 'vitest';
import { MAX_PENDING_CALLS, rpcPeer, type RpcMethods } from '../../../electron/main/engine-rpc.js';

/** Two peers joined like main and the utility process (structured clone, asynchronous delivery). */
function pair(aMethods: RpcMethods, bMethods: RpcMethods) {
  let toB = (_m: unknown) => {};
  let toA = (_m: unknown) => {};
  const a = rpcPeer<typeof bMethods>((m) => { const d = structuredClone(m); queueMicrotask(() => toB(d)); }, aMethods);
  const b = rpcPeer<typeof aMethods>((m) => { const d = structuredClone(m); queueMicrotask(() => toA(d)); }, bMethods);
  toB = (m) => void b.receive(m);
  toA = (m) => void a.receive(m);
  return { a, b };
}

describe('RPC between main and the engine process', () => {
  it('answers calls both ways, and a thrown error keeps its code and message', async () => {
    const { a, b } = pair({ ping: (x: number) => x + 1 }, { fail: () => { throw Object.assign(new Error('disk full'), { code: 'file/write-failed' }); }, echo: async (s: string) => s });
    expect(await b.call('ping', 41)).toBe(42);
    expect(await a.call('echo', 'hi')).toBe('hi');
    await expect(a.call('fail')).rejects.toMatchObject({ code: 'file/write-failed', message: 'disk full' });
    await expect(a.call('toString' as never)).rejects.toMatchObject({ code: 'rpc/unknown-method' });
  });

  it('ignores messages that are not RPC, and fails pending and later calls once the other side is gone', async () => {
    const never = rpcPeer<{ slow(): Promise<void> }>(() => {}, {});
    expect(never.receive({ type: 'conversation-port' })).toBe(false);
    expect(never.receive({ rpc: 'return', id: 99, ok: true, value: 1 })).toBe(true);
    const pending = never.call('slow');
    never.close('the engine stopped');
    await expect(pending).rejects.toMatchObject({ code: 'rpc/closed', message: 'the engine stopped' });
    await expect(never.call('slow')).rejects.toMatchObject({ code: 'rpc/closed' });
  });

  it('bounds the calls waiting for a stuck peer', async () => {
    const stuck = rpcPeer<{ slow(): Promise<void> }>(() => {}, {});
    const waiting = Array.from({ length: MAX_PENDING_CALLS }, () => stuck.call('slow').catch(() => 'closed'));
    await expect(stuck.call('slow')).rejects.toMatchObject({ code: 'rpc/busy' });
    stuck.close('stopped');
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['closed']));
  });
});
