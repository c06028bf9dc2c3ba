import { describe, expect, it } from 'vitest';
import { classifyTranscript, isBackchannel } from '../../../../electron/engine/turn/transcript-semantics.js';

type Row = [text: string, reason: string, strength?: 'strong' | 'weak'];

const check = (rows: Row[], completeness: 'complete' | 'incomplete') =>
  it.each(rows)('%j -> %s', (text, reason, strength) => {
    const verdict = classifyTranscript(text);
    expect(verdict).toMatchObject({ completeness, reason });
    if (strength) expect(verdict.strength).toBe(strength);
  });

describe('classifyTranscript (English): unfinished turns', () => {
  describe('the hesitations of issue 13', () => {
    check(
      [
        ['I need a flight to', 'trailing-preposition'],
        ['I need a flight to.', 'trailing-preposition'], // a smart-formatting STT's full stop does not finish it
        ['my number is 415 555', 'digits-pending'],
        ['My number is 415-555.', 'digits-pending'],
        ['um,', 'filler'],
        ['Book me a table for two, um,', 'filler'],
      ],
      'incomplete',
    );
  });

  describe('trailing conjunctions, prepositions, articles, subjects, linking verbs', () => {
    check(
      [
        ['I want to go to Paris and', 'trailing-conjunction'],
        ['I was going to call but', 'trailing-conjunction'],
        ["I'll come if", 'trailing-conjunction'],
        ['because', 'trailing-conjunction'],
        ['It was late so', 'trailing-conjunction'],
        ['Can you remind me about the meeting with', 'trailing-preposition'],
        ['I live in', 'trailing-preposition'],
        ['what about', 'trailing-preposition'],
        ["I'm looking for", 'trailing-preposition'],
        ['can you tell me about', 'trailing-preposition'],
        ['a table for', 'trailing-preposition'],
        ['Book the', 'trailing-article'],
        ['Add it to my', 'trailing-article'],
        ['Send it to your', 'trailing-article'],
        ['I think I want an', 'trailing-article'],
        ['and then I', 'trailing-subject'],
        ['My name is', 'trailing-verb'],
        ['The problem was', 'trailing-verb'],
      ],
      'incomplete',
    );
  });

  describe('fillers', () => {
    check(
      [
        ['um', 'filler'],
        ['uh', 'filler'],
        ["So I'd like, uh", 'filler'],
        ['the thing is, er', 'filler'],
        ['Erm.', 'filler'],
        ['It was, like', 'filler'],
        ['it is kind of', 'filler'],
        ['what I want is, I mean', 'filler'],
      ],
      'incomplete',
    );
  });

  describe('dictation: numbers, emails, addresses', () => {
    check(
      [
        ['my phone number is four one five', 'digits-pending'],
        ['call me on 415 555', 'digits-pending'],
        ['the number is 4 1 5 5 5 5', 'digits-pending'],
        ['my number is 415 dash', 'digits-pending'],
        ['my number is 415-', 'digits-pending'],
        ['it is five five five double', 'digits-pending'],
        ['my zip code is 941', 'digits-pending'],
        ['the card number is 4242 4242 4242', 'digits-pending'],
        ['four one five, five five five', 'digits-pending', 'weak'],
        ['my number is four fifteen, five five five', 'digits-pending'],
        ['my number is eight hundred, five five five', 'digits-pending'],
        ['my email is john dot smith at', 'email-pending'],
        ['my email is john dot smith at gmail', 'email-pending', 'strong'],
        ['my email address is john', 'email-pending', 'weak'],
        ['email me at john@', 'email-pending'],
        ['it is john.smith@gmail', 'email-pending'],
        ['I live at 42', 'address-pending'],
        ['the delivery address is 1600', 'address-pending'],
      ],
      'incomplete',
    );
  });

  describe('lists and punctuation', () => {
    check(
      [
        ['I need eggs, milk,', 'list-in-progress'],
        ['eggs, milk and', 'list-in-progress'],
        ['apples, pears, or', 'list-in-progress'],
        ['The first thing,', 'trailing-punctuation'],
        ['What I wanted to say is...', 'trailing-verb'],
        ['So what I think...', 'trailing-punctuation'],
        ['Well…', 'trailing-punctuation'],
        ["Here's the list:", 'trailing-punctuation'],
        ['It was the —', 'trailing-article'],
        ['', 'empty'],
        ['   ', 'empty'],
        ['...', 'empty'],
      ],
      'incomplete',
    );
  });
});

describe('classifyTranscript (English): finished turns', () => {
  check(
    [
      ['What is the weather like in Paris?', 'terminal-punctuation', 'strong'],
      ['Book a table for two.', 'terminal-punctuation', 'strong'],
      ['Thanks!', 'terminal-punctuation', 'strong'],
      ['what time is it', 'question-form', 'strong'],
      ['can you help me with this', 'question-form', 'strong'],
      ["what's the capital of France", 'question-form', 'strong'],
      ['who did you talk to', 'question-form', 'strong'],
      ['where are you from', 'question-form', 'strong'],
      ['what is this for', 'question-form', 'strong'],
      ['what are you looking for', 'question-form', 'strong'],
      ['I want to go out', 'no-unfinished-cue', 'weak'],
      ['a table for 2', 'no-unfinished-cue', 'weak'],
      ['turn the lights on', 'no-unfinished-cue', 'weak'],
      ['please log in', 'no-unfinished-cue', 'weak'],
      ['I think so', 'no-unfinished-cue', 'weak'],
      ['I hope so.', 'terminal-punctuation', 'strong'],
      ['here it is', 'no-unfinished-cue', 'weak'],
      ['I know who he is', 'no-unfinished-cue', 'weak'],
      ['set a timer for ten minutes', 'no-unfinished-cue', 'weak'],
      ['I am 25', 'no-unfinished-cue', 'weak'],
      ['the number of guests is 12', 'no-unfinished-cue', 'weak'],
      ['my number is 415 555 1234', 'complete-number', 'strong'],
      ['My number is (415) 555-1234.', 'complete-number', 'strong'],
      ['call me on four one five five five five one two three four', 'complete-number', 'strong'],
      ['my zip code is 94107', 'complete-number', 'strong'],
      ['my number is four fifteen, five five five, twenty-one thirty-four', 'complete-number', 'strong'],
      ['my number is eight hundred five five five one two three four', 'complete-number', 'strong'],
      ['call me on four one five five five five twenty one thirty four', 'complete-number', 'strong'],
      ['my email is john dot smith at gmail dot com', 'complete-email', 'strong'],
      ['Send it to john.smith@example.org.', 'complete-email', 'strong'],
      ['I sent you an email yesterday', 'no-unfinished-cue', 'weak'],
      ['thank you', 'no-unfinished-cue', 'weak'],
      ['I love you', 'no-unfinished-cue', 'weak'],
      ['oh', 'no-unfinished-cue', 'weak'],
      ['eggs, milk and bread', 'no-unfinished-cue', 'weak'],
    ],
    'complete',
  );
});

describe('classifyTranscript: languages and robustness', () => {
  it('a language without a rule table gets punctuation rules only', () => {
    expect(classifyTranscript('Je voudrais un vol pour', 'fr')).toMatchObject({ completeness: 'complete', reason: 'no-unfinished-cue', strength: 'weak' });
    expect(classifyTranscript('Je voudrais un vol pour,', 'fr')).toMatchObject({ completeness: 'incomplete', reason: 'trailing-punctuation' });
    expect(classifyTranscript('Quelle heure est-il ?', 'fr')).toMatchObject({ completeness: 'complete', reason: 'terminal-punctuation' });
  });

  it('regional tags use the base language table', () => {
    expect(classifyTranscript('a flight to', 'en-GB')).toMatchObject({ reason: 'trailing-preposition' });
    expect(classifyTranscript('a flight to', 'EN_us')).toMatchObject({ reason: 'trailing-preposition' });
    expect(classifyTranscript('a flight to', 'constructor')).toMatchObject({ reason: 'no-unfinished-cue' });
    expect(classifyTranscript('a flight to', '')).toMatchObject({ reason: 'no-unfinished-cue' });
  });

  it('curly apostrophes and case do not matter, and the cue word is reported', () => {
    expect(classifyTranscript('What’s the time')).toMatchObject({ completeness: 'complete', reason: 'question-form', cue: "what's" });
    expect(classifyTranscript('A FLIGHT TO')).toMatchObject({ reason: 'trailing-preposition', cue: 'to' });
  });

  it('words that are also object properties are not numbers', () => {
    expect(classifyTranscript('my number is constructor')).toMatchObject({ completeness: 'complete', reason: 'no-unfinished-cue' });
    expect(classifyTranscript('call me on valueOf double')).toMatchObject({ completeness: 'complete', reason: 'no-unfinished-cue' });
  });

  it('survives any input', () => {
    for (const text of ['constructor', 'my number is constructor toString', 'double __proto__', '@@@', '----', '+', '0', 'oh oh oh', '🙂', 'a'.repeat(10_000), '1'.repeat(500), 'dot dot dot', 'email is']) {
      expect(['complete', 'incomplete']).toContain(classifyTranscript(text).completeness);
    }
  });
});

describe('isBackchannel', () => {
  it.each(['Mm-hmm.', 'yeah', 'Yeah, right.', 'uh-huh', 'Okay.', 'I see.', 'Uh huh, yeah.'])('"%s" is feedback, not a turn', (text) => {
    expect(isBackchannel(text)).toBe(true);
  });
  it.each(['', 'wait', 'yeah but no', 'stop', 'okay what about tomorrow'])('"%s" is not', (text) => {
    expect(isBackchannel(text)).toBe(false);
  });
});
