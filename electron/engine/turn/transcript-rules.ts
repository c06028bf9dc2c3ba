/**
 * Per-language word lists for transcript semantics (see transcript-semantics.ts). A language is
 * one table; words are lower case, apostrophes normalised to '.
 */
export interface TranscriptRules {
  /** A clause cannot end on these: "and", "because". */
  conjunctions: readonly string[];
  /** "a flight to": a clause never ends on these (but see strandingQuestionWords). */
  prepositions: readonly string[];
  /** Prepositions that double as verb particles: "I live in" is unfinished, "log in" is not. */
  particles: readonly string[];
  /** Verbs that take a particle ("turn the lights on"): a particle after one of these ends a clause. */
  phrasalVerbs: readonly string[];
  /** Articles and possessive determiners: "the", "my". */
  determiners: readonly string[];
  /** Hesitations: "um", "uh". Multi-word fillers are written with spaces ("you know"). */
  fillers: readonly string[];
  /** Listener feedback that does not take the floor: "mm-hmm", "yeah", "right" (hyphens as spaces). */
  backchannels: readonly string[];
  /** Subject pronouns that cannot end a clause: "and then I". */
  subjects: readonly string[];
  /** Linking verbs that need a complement unless a pronoun precedes them: "my name is" vs "here it is". */
  copulas: readonly string[];
  copulaPronouns: readonly string[];
  /** Phrases that end a clause although their last word is a cue ("I think so"). */
  completeEndings: readonly string[];
  /** First words of a question ("what", "is", "can"), contractions included ("what's"). */
  questionStarters: readonly string[];
  /** Questions that may end on a preposition: "who did you talk to", "what is it for". */
  strandingQuestionWords: readonly string[];
  /** Spoken numbers and how many digits each stands for: "four" 1, "fifteen" 2, "hundred" 2 more. */
  numberWords: Readonly<Record<string, number>>;
  /** Tens that merge with a following unit: "twenty one" is 2 digits, not 3. */
  tensWords: readonly string[];
  /** "double five" = 55. */
  repeatWords: Readonly<Record<string, number>>;
  /** Words that join dictated digits or email parts and promise more: "dash", "dot", "at". */
  dictationJoiners: readonly string[];
  /** Words that say a phone number is coming, and how many digits make one complete. */
  phoneCues: readonly string[];
  phoneLengths: readonly number[];
  postcodeCues: readonly string[];
  postcodeLengths: readonly number[];
  cardCues: readonly string[];
  cardLengths: readonly number[];
  emailCues: readonly string[];
  /** Words that follow an email cue when an address is being given: "email is", "email address". */
  emailLeads: readonly string[];
  /** Spoken top-level domains that end an email address ("dot com"). */
  emailEndings: readonly string[];
  addressCues: readonly string[];
}

export const ENGLISH_RULES: TranscriptRules = {
  conjunctions: ['and', 'or', 'but', 'so', 'because', 'cause', "'cause", 'if', 'although', 'unless', 'until', 'whereas', 'whether', 'than', 'nor', 'plus'],
  prepositions: ['to', 'for', 'from', 'with', 'without', 'into', 'onto', 'of', 'at', 'towards', 'toward', 'against', 'via', 'per', 'among', 'upon', 'between', 'during', 'despite', 'except', 'near', 'like'],
  particles: ['in', 'on', 'by', 'about', 'over', 'around', 'through', 'under', 'after', 'before', 'behind', 'inside', 'outside', 'across', 'along'],
  phrasalVerbs: ['turn', 'turned', 'switch', 'log', 'logged', 'sign', 'signed', 'come', 'came', 'go', 'went', 'get', 'got', 'put', 'take', 'took', 'pick', 'shut', 'hang', 'check', 'checked', 'plug', 'move', 'moved', 'carry', 'hold', 'try', 'give', 'figure', 'find', 'write', 'fill', 'set', 'calm', 'hurry', 'let', 'show', 'sit', 'stand', 'wake', 'run', 'work', 'look', 'hand', 'pass', 'drop', 'stop', 'think', 'read', 'bring', 'keep', 'leave', 'stay'],
  determiners: ['a', 'an', 'the', 'my', 'your', 'our', 'their', 'every'],
  fillers: ['um', 'uh', 'er', 'erm', 'uhm', 'umm', 'uhh', 'hmm', 'like', 'i mean', 'sort of', 'kind of'],
  backchannels: ['mm hmm', 'mhm', 'mm', 'mmm', 'uh huh', 'hmm', 'yeah', 'yep', 'yes', 'yup', 'ok', 'okay', 'right', 'sure', 'i see', 'got it', 'ah', 'oh', 'wow', 'cool', 'nice', 'true', 'exactly', 'uh', 'um'],
  subjects: ['i', 'we', 'they', 'he', 'she'],
  copulas: ['is', 'are', 'was', 'were', 'am'],
  copulaPronouns: ['it', 'he', 'she', 'they', 'we', 'i', 'you', 'that', 'this', 'there', 'who', 'what', 'which', 'where', 'how', 'here', 'these', 'those', 'one'],
  completeEndings: ['i think so', 'i hope so', 'i guess so', 'i believe so', 'i suppose so', 'or so', 'and so on', 'and so forth', 'even so', 'or something', 'and stuff', 'or not', 'or anything', 'and everything', 'and all that'],
  questionStarters: [
    'what', "what's", 'where', "where's", 'when', "when's", 'why', "why's", 'who', "who's", 'whom', 'whose', 'which', 'how', "how's",
    'is', 'are', 'am', 'was', 'were', 'do', 'does', 'did', 'can', 'could', 'will', 'would', 'should', 'shall', 'may', 'might', 'must', 'have', 'has', 'had',
    "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "can't", "couldn't", "won't", "wouldn't", "shouldn't", "haven't", "hasn't",
  ],
  strandingQuestionWords: ['what', "what's", 'where', "where's", 'who', "who's", 'whom', 'which', 'whose'],
  numberWords: {
    ...Object.fromEntries(['zero', 'oh', 'o', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'].map((w) => [w, 1])),
    ...Object.fromEntries(['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'].map((w) => [w, 2])),
    ...Object.fromEntries(['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety', 'hundred'].map((w) => [w, 2])),
    thousand: 3,
  },
  tensWords: ['twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'],
  repeatWords: { double: 2, triple: 3 },
  dictationJoiners: ['dash', 'hyphen', 'dot', 'point', 'at', 'underscore', 'plus', 'slash', 'double', 'triple'],
  phoneCues: ['phone', 'number', 'call', 'cell', 'mobile', 'text', 'reach', 'dial', 'extension', 'fax'],
  phoneLengths: [7, 10, 11],
  postcodeCues: ['zip', 'postcode', 'postal'],
  postcodeLengths: [5, 9],
  cardCues: ['card', 'visa', 'mastercard', 'amex'],
  cardLengths: [15, 16],
  emailCues: ['email', 'e-mail'],
  emailLeads: ['is', 'address', 'was', 'me', 'at'],
  emailEndings: ['com', 'org', 'net', 'edu', 'gov', 'io', 'co', 'uk', 'de', 'fr', 'ai', 'dev', 'app', 'info', 'me', 'us', 'ca'],
  addressCues: ['address', 'live', 'located', 'deliver', 'ship'],
};

/** Languages with a rule table. Others get the language-neutral rules (punctuation only). */
export const TRANSCRIPT_RULES: Readonly<Record<string, TranscriptRules>> = { en: ENGLISH_RULES };

/** No words: only punctuation decides. */
export const NEUTRAL_RULES: TranscriptRules = {
  conjunctions: [],
  prepositions: [],
  particles: [],
  phrasalVerbs: [],
  determiners: [],
  fillers: [],
  backchannels: [],
  subjects: [],
  copulas: [],
  copulaPronouns: [],
  completeEndings: [],
  questionStarters: [],
  strandingQuestionWords: [],
  numberWords: {},
  tensWords: [],
  repeatWords: {},
  dictationJoiners: [],
  phoneCues: [],
  phoneLengths: [],
  postcodeCues: [],
  postcodeLengths: [],
  cardCues: [],
  cardLengths: [],
  emailCues: [],
  emailLeads: [],
  emailEndings: [],
  addressCues: [],
};
