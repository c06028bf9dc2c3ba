import type { LocalChild, Spawner } from '../../electron/engine/local/spawner.js';
import type { LlamaDevice } from '../../electron/engine/providers/llm/llama-cpp-protocol.js';
import { ChildMessageSchema, HostMessageSchema } from '../../electron/engine/local/protocol.js';

/**
 * The llama.cpp inference process as the host sees it (electron/engine/local/protocol.ts): 'ready'
 * first, then per `generate` call the device event when the model "loads" (once, as the real
 * worker does), the reply's text events (none for a preload) and a result. Messages both ways are
 * checked against the protocol's schemas.
 */
export function fakeLlamaSpawner(o: { device: LlamaDevice; reply?: string }): { spawn: Spawner; calls: unknown[] } {
  const calls: unknown[] = [];
  const spawn: Spawner = () => {
    const listeners: ((m: unknown) => void)[] = [];
    let loaded = false;
    const send = (m: unknown) => {
      ChildMessageSchema.parse(m);
      for (const l of listeners) l(m);
    };
    const child: LocalChild = {
      pid: 4242,
      send: (raw) => {
        const m = HostMessageSchema.parse(raw);
        if (m.type !== 'call') return;
        calls.push(m.params);
        const preloadOnly = (m.params as { preloadOnly?: boolean }).preloadOnly === true;
        queueMicrotask(() => {
          if (!loaded) send({ type: 'event', id: m.id, data: { type: 'device', device: o.device } });
          loaded = true;
          if (!preloadOnly && o.reply) send({ type: 'event', id: m.id, data: { type: 'text', text: o.reply } });
          send({ type: 'result', id: m.id, value: { stopReason: 'stop', functionCalls: [] } });
        });
      },
      onMessage: (l) => {
        listeners.push(l);
        if (listeners.length === 1) queueMicrotask(() => send({ type: 'ready', methods: ['generate'] }));
      },
      onExit: () => {},
      kill: () => {},
    };
    return child;
  };
  return { spawn, calls };
}
