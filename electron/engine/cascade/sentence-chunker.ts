import { toSpeakableText } from './speech-text.js';

/** SentenceChunker settings. Lengths in characters. */
export interface SentenceChunkerOptions {
  /** The first chunk may end at a clause boundary (, ; :) once it is this long, for a faster first word. Default 24. */
  firstChunkMinChars?: number;
  /** Later chunks end only at sentence ends, unless they grow past this (then at a clause or space). Default 220. */
  maxChars?: number;
}

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'approx', 'no', 'fig', 'inc', 'ltd', 'co', 'mt', 'u.s', 'a.m', 'p.m', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec',
]);

/**
 * Cuts streamed LLM text into speakable chunks as early as is safe: at sentence ends (not after
 * abbreviations, inside decimals or in code), at paragraph and list-item breaks, and for the first
 * chunk already at a clause boundary. A boundary is only confirmed by the character after it, so
 * "3." never splits "3.14". Markdown is stripped from each chunk before it is spoken.
 */
export class SentenceChunker {
  private buffer = '';
  private emitted = 0;
  private readonly firstChunkMinChars: number;
  private readonly maxChars: number;

  constructor(options: SentenceChunkerOptions = {}) {
    this.firstChunkMinChars = options.firstChunkMinChars ?? 24;
    this.maxChars = options.maxChars ?? 220;
  }

  /** Adds an LLM text delta; returns any chunks now complete (already speakable text). */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    for (let cut = this.findCut(); cut > 0; cut = this.findCut()) {
      const raw = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut);
      const text = toSpeakableText(raw);
      if (text) {
        out.push(text);
        this.emitted++;
      }
    }
    return out;
  }

  /** The rest, at the end of the reply. */
  flush(): string[] {
    const text = toSpeakableText(this.buffer);
    this.buffer = '';
    if (!text) return [];
    this.emitted++;
    return [text];
  }

  reset(): void {
    this.buffer = '';
    this.emitted = 0;
  }

  /** Index just after the first confirmed boundary in the buffer, or 0. */
  private findCut(): number {
    const b = this.buffer;
    let inFence = false;
    let clauseCut = 0;
    let spaceCut = 0;
    for (let i = 0; i < b.length; i++) {
      if (b.startsWith('```', i)) {
        // Text before a code block is spoken on its own.
        if (!inFence && i > 0 && b.slice(0, i).trim()) return i;
        inFence = !inFence;
        i += 2;
        if (!inFence) {
          // A closed code block ends a chunk (it is spoken as a short note).
          const end = b.indexOf('\n', i);
          if (end >= 0) return end + 1;
        }
        continue;
      }
      if (inFence) continue;
      const c = b[i]!;
      const next = b[i + 1];
      if (c === '\n') {
        // Paragraph break, or a new list item / heading line.
        if (next === '\n' || (next !== undefined && /[-*+#>\d]/.test(next) && isLineStart(b, i + 1))) return i + 1;
        continue;
      }
      if (next === undefined) break; // the character after decides
      if ((c === '.' || c === '!' || c === '?' || c === '…') && /\s/.test(next)) {
        if (c === '.' && (isAbbreviation(b, i) || isListNumber(b, i))) continue;
        // Keep closing quotes/brackets with their sentence.
        return i + 1;
      }
      if ((c === '"' || c === ')' || c === '”') && /[.!?]/.test(b[i - 1] ?? '') && /\s/.test(next)) return i + 1;
      if ((c === ',' || c === ';' || c === ':' || c === '—') && /\s/.test(next)) clauseCut = i + 1;
      if (/\s/.test(c)) spaceCut = i;
    }
    if (inFence) return 0;
    if (this.emitted === 0 && clauseCut >= this.firstChunkMinChars) return clauseCut;
    if (b.length > this.maxChars) return clauseCut > 0 ? clauseCut : spaceCut;
    return 0;
  }
}

function isAbbreviation(b: string, dot: number): boolean {
  let start = dot;
  while (start > 0 && /[A-Za-z.]/.test(b[start - 1]!)) start--;
  const word = b.slice(start, dot).toLowerCase();
  if (ABBREVIATIONS.has(word)) return true;
  // Single capital initials ("J. R. R. Tolkien").
  return /^[A-Z]$/.test(b.slice(start, dot));
}

/** "1. " at the start of a line is a list marker, not a sentence end. */
function isListNumber(b: string, dot: number): boolean {
  let start = dot;
  while (start > 0 && /\d/.test(b[start - 1]!)) start--;
  return start < dot && isLineStart(b, start);
}

function isLineStart(b: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (b[j] === ' ' || b[j] === '\t')) j--;
  return j < 0 || b[j] === '\n';
}
