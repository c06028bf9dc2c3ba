// A streaming STT played from the labels: a partial per word 150-300 ms after the word ends, and a
// final when asked to finalize (or after its own 500 ms endpointing silence), formatted as a
// smart-formatting service does: capitalised, a full stop at every pause ("a flight to." still reads
// unfinished to the semantics rules), the turn's own "?" or "." at its real end.
import type { SttEvent } from '../../../electron/engine/providers/types.js';
import type { TurnLabels, WordLabel } from './corpus.js';

type TextEvent = Extract<SttEvent, { type: 'partial' } | { type: 'final' }>;

/** Seeded uniform numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScriptedSttOptions {
  /** Partial latency after a word ends, ms. Default [150, 300]. */
  partialLatencyMs?: [number, number];
  /** Final latency after a finalize request (or the last word, if later), ms. Default [60, 160]. */
  finalLatencyMs?: [number, number];
  /** The service's own endpointing: a final after this much silence without a finalize request. Default 500. */
  endpointingMs?: number;
}

export class ScriptedStt {
  private readonly words: WordLabel[];
  private readonly rand: () => number;
  private readonly o: Required<ScriptedSttOptions>;
  /** Events not yet delivered, in time order. */
  private queue: Array<{ atMs: number; event: TextEvent }> = [];
  /** Index of the first word not yet in a final. */
  private finalised = 0;
  /** Partials scheduled up to this word index. */
  private partialsScheduled = 0;
  private lastQueuedAt = 0;

  constructor(
    private readonly labels: TurnLabels,
    seed: number,
    options: ScriptedSttOptions = {},
  ) {
    this.words = labels.words;
    this.rand = seededRandom(seed);
    this.o = { partialLatencyMs: [150, 300], finalLatencyMs: [60, 160], endpointingMs: 500, ...options };
  }

  /** Asks for a final of everything heard up to `atMs`. */
  finalize(atMs: number): void {
    this.scheduleFinal(atMs, true);
  }

  /** When something is next due (Infinity: nothing more), a delivery or the service's own endpointing. */
  nextAtMs(nowMs: number): number {
    this.schedule(nowMs);
    return Math.min(this.queue[0]?.atMs ?? Infinity, this.endpointingAtMs());
  }

  /** Events due by `nowMs`, in order. */
  poll(nowMs: number): TextEvent[] {
    this.schedule(nowMs);
    const endpointAt = this.endpointingAtMs();
    if (endpointAt <= nowMs) this.scheduleFinal(endpointAt, false);
    const due: TextEvent[] = [];
    while (this.queue.length > 0 && this.queue[0]!.atMs <= nowMs) due.push(this.queue.shift()!.event);
    return due;
  }

  private latency([lo, hi]: [number, number]): number {
    return Math.round(lo + (hi - lo) * this.rand());
  }

  private push(atMs: number, event: TextEvent): void {
    // A stream delivers in order.
    const at = Math.max(atMs, this.lastQueuedAt);
    this.lastQueuedAt = at;
    this.queue.push({ atMs: at, event });
    this.queue.sort((a, b) => a.atMs - b.atMs);
  }

  /** Queues partials for words ending within a second of `nowMs` (their latency is under that). */
  private schedule(nowMs: number): void {
    while (this.partialsScheduled < this.words.length && this.words[this.partialsScheduled]!.endMs <= nowMs + 1000) {
      const k = this.partialsScheduled++;
      this.push(this.words[k]!.endMs + this.latency(this.o.partialLatencyMs), { type: 'partial', text: this.format(this.finalised, k + 1, false) });
    }
  }

  /** When the service's own endpointer would finalise the words not yet final: after the first long enough silence. */
  private endpointingAtMs(): number {
    for (let k = this.finalised; k < this.words.length; k++) {
      const gap = (this.words[k + 1]?.startMs ?? Infinity) - this.words[k]!.endMs;
      if (gap >= this.o.endpointingMs) return this.words[k]!.endMs + this.o.endpointingMs;
    }
    return Infinity;
  }

  private scheduleFinal(atMs: number, fromFinalize: boolean): void {
    let end = this.finalised;
    // A word the service has mostly heard is in the final (it flushes the audio it has).
    while (end < this.words.length && (this.words[end]!.startMs + this.words[end]!.endMs) / 2 <= atMs) end++;
    const text = end > this.finalised ? this.format(this.finalised, end, true) : '';
    // Partials not yet delivered are replaced: the final covers the words heard, later words get new partials.
    this.queue = this.queue.filter((q) => q.event.type !== 'partial');
    this.lastQueuedAt = Math.max(atMs, this.queue.at(-1)?.atMs ?? 0);
    this.push(atMs + this.latency(this.o.finalLatencyMs), { type: 'final', text, endOfSpeech: !fromFinalize, fromFinalize });
    this.finalised = end;
    this.partialsScheduled = end;
  }

  /** Words [from, to) as the service writes them; a final gets punctuation, a partial none. */
  private format(from: number, to: number, final: boolean): string {
    const words = this.words.slice(from, to).map((w) => w.text);
    if (words.length === 0) return '';
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
    let text = words.join(' ');
    if (!final) return text;
    text = text.replace(/[,;:]+$/, '');
    const lastWord = this.words[to - 1]!;
    const endsTurn = to === this.words.length;
    const endsChunk = endsTurn || this.words[to]!.chunk !== lastWord.chunk;
    const chunkText = this.labels.chunks[lastWord.chunk]!.text;
    const mark = endsTurn && endsChunk ? (chunkText.match(/[.?!]$/)?.[0] ?? '.') : '.';
    return text + mark;
  }
}
