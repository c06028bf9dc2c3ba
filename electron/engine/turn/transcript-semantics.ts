import { NEUTRAL_RULES, TRANSCRIPT_RULES, type TranscriptRules } from './transcript-rules.js';

/** Why a transcript looks unfinished. */
export type IncompleteReason =
  | 'empty'
  | 'filler'
  | 'trailing-conjunction'
  | 'trailing-preposition'
  | 'trailing-article'
  | 'trailing-subject'
  | 'trailing-verb'
  | 'list-in-progress'
  | 'digits-pending'
  | 'email-pending'
  | 'address-pending'
  | 'trailing-punctuation';

/** Why a transcript looks finished. */
export type CompleteReason = 'terminal-punctuation' | 'question-form' | 'complete-number' | 'complete-email' | 'no-unfinished-cue';

export type TranscriptVerdict =
  | { completeness: 'incomplete'; reason: IncompleteReason; strength: Strength; cue?: string }
  | { completeness: 'complete'; reason: CompleteReason; strength: Strength; cue?: string };

/**
 * How sure the rule is. A strong complete (terminal punctuation, a question, a full phone
 * number) lets the policy answer fast; a weak one (nothing unfinished found) does not.
 */
export type Strength = 'strong' | 'weak';

const incomplete = (reason: IncompleteReason, cue?: string, strength: Strength = 'strong'): TranscriptVerdict => ({ completeness: 'incomplete', reason, strength, ...(cue === undefined ? {} : { cue }) });
const complete = (reason: CompleteReason, strength: Strength, cue?: string): TranscriptVerdict => ({ completeness: 'complete', reason, strength, ...(cue === undefined ? {} : { cue }) });

/** Words, lower case, apostrophes straightened; symbols that join dictation (@ - . _ +) kept inside. */
function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}@'][\p{L}\p{N}'@._+-]*/gu) ?? []).map((t) => t.replace(/[.]+$/, ''));
}

/**
 * Does this transcript (what the user said so far in this turn) read as a finished turn?
 * Pure and rule-based, per language (TRANSCRIPT_RULES); languages without a table get the
 * punctuation rules only. Dictation (numbers, emails, addresses) is checked first, because a
 * smart-formatting STT may put a full stop after half a phone number.
 */
export function classifyTranscript(text: string, language = 'en'): TranscriptVerdict {
  const base = language.toLowerCase().split(/[-_]/)[0]!;
  const rules = Object.hasOwn(TRANSCRIPT_RULES, base) ? TRANSCRIPT_RULES[base]! : NEUTRAL_RULES;
  const normalised = text.replace(/[’‘`]/g, "'").trim();
  const tokens = tokenize(normalised);
  if (tokens.length === 0) return incomplete('empty');
  const last = tokens.at(-1)!;

  const dictation = classifyDictation(normalised, tokens, rules);
  if (dictation) return dictation;

  const ending = tokens.join(' ');
  const terminal = /(?<![.])[.!?。！？]["')\]]*$/u.test(normalised) && !/(\.\.\.|…)["')\]]*$/u.test(normalised);
  if (rules.completeEndings.some((phrase) => ending === phrase || ending.endsWith(` ${phrase}`))) {
    return terminal ? complete('terminal-punctuation', 'strong') : complete('no-unfinished-cue', 'weak', last);
  }

  for (const filler of rules.fillers) {
    if (ending === filler || ending.endsWith(` ${filler}`)) return incomplete('filler', filler);
  }
  const listSoFar = (normalised.match(/,/g) ?? []).length;
  if (/,\s*$/.test(normalised) && listSoFar >= 2) return incomplete('list-in-progress', ',');
  if (rules.conjunctions.includes(last)) {
    // "eggs, milk and": the list goes on.
    return (last === 'and' || last === 'or') && listSoFar >= 1 ? incomplete('list-in-progress', last) : incomplete('trailing-conjunction', last);
  }
  // "who did you talk to"; but "what about" alone is a start, not a question.
  const whQuestion = rules.strandingQuestionWords.includes(tokens[0]!) && tokens.length >= 3;
  if (rules.prepositions.includes(last)) return whQuestion ? complete('question-form', 'strong', tokens[0]) : incomplete('trailing-preposition', last);
  if (rules.particles.includes(last)) {
    if (whQuestion) return complete('question-form', 'strong', tokens[0]);
    const before = tokens.slice(-5, -1);
    if (!before.some((w) => rules.phrasalVerbs.includes(w))) return incomplete('trailing-preposition', last);
  }
  if (rules.determiners.includes(last)) return incomplete('trailing-article', last);
  if (rules.subjects.includes(last)) return incomplete('trailing-subject', last);
  if (rules.copulas.includes(last) && tokens.length >= 2 && !rules.copulaPronouns.includes(tokens.at(-2)!)) return incomplete('trailing-verb', last);
  if (/(\.\.\.|…|[,;:\-–—])["')\]]*$/u.test(normalised)) return incomplete('trailing-punctuation', normalised.match(/(\.\.\.|…|[,;:\-–—])["')\]]*$/u)![1]);
  if (terminal) return complete('terminal-punctuation', 'strong');
  if (rules.questionStarters.includes(tokens[0]!) && tokens.length >= 3) return complete('question-form', 'strong', tokens[0]);
  return complete('no-unfinished-cue', 'weak');
}

/** A number, email or address being dictated: unfinished until it has the length it needs. */
function classifyDictation(text: string, tokens: string[], rules: TranscriptRules): TranscriptVerdict | undefined {
  return classifyEmail(text, tokens, rules) ?? classifyDigits(text, tokens, rules);
}

function classifyEmail(text: string, tokens: string[], rules: TranscriptRules): TranscriptVerdict | undefined {
  // "my email is ...", "email address: ...": the words after the cue are the address.
  const cueAt = tokens.findLastIndex((t, i) => rules.emailCues.includes(t) && rules.emailLeads.includes(tokens[i + 1] ?? ''));
  const atSymbol = tokens.some((t) => t.includes('@'));
  if (cueAt < 0 && !atSymbol) return undefined;
  const last = tokens.at(-1)!;
  if (/@[^@\s]+\.[\p{L}]{2,}$/u.test(last)) return complete('complete-email', 'strong', last);
  if (last.includes('@') || /[_+-]$/.test(text.trimEnd())) return incomplete('email-pending', last);
  if (cueAt < 0) return undefined;
  const after = tokens.slice(cueAt + 1);
  if (rules.emailEndings.includes(last) && after.at(-2) === 'dot') return complete('complete-email', 'strong', `dot ${last}`);
  if (rules.dictationJoiners.includes(last)) return incomplete('email-pending', last);
  // An address without its domain ending yet: "john dot smith at gmail" (strong), "john" (weak).
  return incomplete('email-pending', last, after.includes('at') ? 'strong' : 'weak');
}

function isUnit(word: string | undefined, rules: TranscriptRules): boolean {
  return word !== undefined && Object.hasOwn(rules.numberWords, word) && rules.numberWords[word] === 1 && !['o', 'oh', 'zero'].includes(word);
}

function classifyDigits(text: string, tokens: string[], rules: TranscriptRules): TranscriptVerdict | undefined {
  // Walk back over the trailing run of digits, spoken digits and joiners ("four one five dash").
  let digits = 0;
  let groups = 0;
  let start = tokens.length;
  let endsWithJoiner = false;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i]!;
    if (/^\+?\d[\d().-]*$/.test(t)) {
      digits += t.replace(/\D/g, '').length;
      groups++;
    } else if (t.split('-').every((part) => Object.hasOwn(rules.numberWords, part))) {
      // "twenty-one", "four", "fifteen"; a ten before a unit ("twenty one") counts once.
      const parts = t.split('-');
      for (const [k, part] of parts.entries()) digits += rules.tensWords.includes(part) && isUnit(parts[k + 1] ?? tokens[i + 1], rules) ? 1 : rules.numberWords[part]!;
      groups++;
    } else if (Object.hasOwn(rules.repeatWords, t)) {
      digits += rules.repeatWords[t]! - 1;
      if (i === tokens.length - 1) endsWithJoiner = true;
    } else if (rules.dictationJoiners.includes(t) && t !== 'at' && t !== 'dot') {
      if (i === tokens.length - 1) endsWithJoiner = true;
    } else {
      break;
    }
    start = i;
  }
  if (groups === 0) return undefined;
  // "o" and "oh" alone are words, not digits.
  if (groups === 1 && /^(o|oh)$/.test(tokens.at(-1)!)) return undefined;
  const run = tokens.slice(start).join(' ');
  if (endsWithJoiner || /[-+]$/.test(text.trimEnd())) return incomplete('digits-pending', run);
  // Cue words just before the digits; "the number of guests is 12" is not a phone number.
  const context = tokens.slice(Math.max(0, start - 5), start).filter((w, i, all) => all[i + 1] !== 'of');
  const expect = (cues: readonly string[], lengths: readonly number[]): TranscriptVerdict | undefined => {
    if (!context.some((w) => cues.includes(w)) || lengths.length === 0) return undefined;
    if (lengths.includes(digits)) return complete('complete-number', 'strong', run);
    if (digits < Math.max(...lengths)) return incomplete('digits-pending', run);
    return complete('no-unfinished-cue', 'weak', run);
  };
  const expected = expect(rules.postcodeCues, rules.postcodeLengths) ?? expect(rules.cardCues, rules.cardLengths) ?? expect(rules.phoneCues, rules.phoneLengths);
  if (expected) return expected;
  if (context.some((w) => rules.addressCues.includes(w)) && groups === 1 && start === tokens.length - 1) return incomplete('address-pending', run);
  // Digits read out in groups with no cue ("four one five, five five five"): probably a number in progress.
  if (groups >= 3 && digits < 7) return incomplete('digits-pending', run, 'weak');
  return undefined;
}

/**
 * Is this only listener feedback ("mm-hmm", "yeah, right", "okay")? Such words over Parley's voice
 * pause the reply at most and never take the turn. Empty text is not a backchannel (nothing heard yet).
 */
export function isBackchannel(text: string, language = 'en'): boolean {
  const base = language.toLowerCase().split(/[-_]/)[0]!;
  const rules = Object.hasOwn(TRANSCRIPT_RULES, base) ? TRANSCRIPT_RULES[base]! : NEUTRAL_RULES;
  let rest = ` ${text.toLowerCase().replace(/[’‘`]/g, "'").replace(/[^\p{L}\p{N}' ]+/gu, ' ').replace(/\s+/g, ' ').trim()} `;
  if (rest.trim() === '') return false;
  // Longest phrases first, so "uh huh" is not read as "uh" and "huh".
  for (const phrase of [...rules.backchannels].sort((a, b) => b.length - a.length)) rest = rest.split(` ${phrase} `).join(' ').replace(/ +/g, ' ');
  return rest.trim() === '' || rest.split(' ').every((w) => w === '' || [...rules.backchannels].includes(w));
}
