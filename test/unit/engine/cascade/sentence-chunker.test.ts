import { describe, expect, it } from 'vitest';
import { SentenceChunker } from '../../../../electron/engine/cascade/sentence-chunker.js';
import { toSpeakableText } from '../../../../electron/engine/cascade/speech-text.js';

/** Feeds text in small deltas (as an LLM streams it) and collects every chunk. */
function chunk(text: string, deltaSize = 3, options = {}): string[] {
  const c = new SentenceChunker(options);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += deltaSize) out.push(...c.push(text.slice(i, i + deltaSize)));
  out.push(...c.flush());
  return out;
}

describe('SentenceChunker', () => {
  it('emits the first clause early, then whole sentences', () => {
    expect(chunk('Sure, the weather in Paris today is sunny, with a high of 21 degrees. Tomorrow it may rain. Take an umbrella!')).toEqual([
      'Sure, the weather in Paris today is sunny,',
      'with a high of 21 degrees.',
      'Tomorrow it may rain.',
      'Take an umbrella!',
    ]);
  });

  it('does not split a short first clause (too little to be worth speaking alone)', () => {
    expect(chunk('Yes, it is. Done.')).toEqual(['Yes, it is.', 'Done.']);
  });

  it('keeps abbreviations, initials and decimals inside their sentence', () => {
    expect(chunk('Dr. Smith met Mr. J. R. Jones at 3.15 p.m. on Main St. in the U.S. today. He paid $4.50, i.e. a lot.', 2)).toEqual([
      'Dr. Smith met Mr. J. R. Jones at 3.15 p.m. on Main St. in the U.S. today.',
      'He paid $4.50, i.e. a lot.',
    ]);
  });

  it('waits for the character after a period before cutting (a decimal may follow)', () => {
    const c = new SentenceChunker();
    expect(c.push('It is 3.')).toEqual([]);
    expect(c.push('14 exactly. Next')).toEqual(['It is 3.14 exactly.']);
    expect(c.flush()).toEqual(['Next']);
  });

  it('splits list items and strips their markers and markdown', () => {
    const text = 'Here are **three** options:\n\n1. The *red* one\n2. The `blue` one\n- A [linked](https://x.example) one\n';
    expect(chunk(text)).toEqual(['Here are three options:', 'The red one', 'The blue one', 'A linked one']);
  });

  it('speaks a code block as a short note and never cuts inside it', () => {
    const text = 'Run this:\n```js\nconst a = 1. b = 2;\nconsole.log(a);\n```\nThat prints one.';
    expect(chunk(text, 4)).toEqual(['Run this:', '(code omitted)', 'That prints one.']);
  });

  it('breaks an overlong sentence at a clause or a space', () => {
    const long = 'word '.repeat(60).trim() + '.';
    const chunks = chunk(long, 5, { maxChars: 80 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(81);
    expect(chunks.join(' ')).toBe(long);
  });

  it('handles question and exclamation marks, quotes and ellipses', () => {
    expect(chunk('Really? "Yes!" she said… Then we left.')).toEqual(['Really?', '"Yes!"', 'she said…', 'Then we left.']);
  });
});

describe('toSpeakableText', () => {
  it('removes headings, emphasis, tables and images but keeps the words', () => {
    expect(toSpeakableText('## Title\n**Bold** and _it_ ~~old~~ | a | b |\n![a cat](cat.png)')).toBe('Title Bold and it old a b a cat');
  });
});
