import type { SttEvent, SttStream } from '../../electron/engine/providers/types.js';

/** Reads a stream's events as they come; `done` resolves when the stream ends. */
export function collect(stream: SttStream): { events: SttEvent[]; done: Promise<void> } {
  const events: SttEvent[] = [];
  const done = (async () => {
    for await (const e of stream) events.push(e);
  })();
  return { events, done };
}
