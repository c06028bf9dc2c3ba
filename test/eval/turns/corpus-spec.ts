// The labelled turn-taking corpus, as scripts: what each case says, where it pauses and whether the
// pause is mid-turn. Synthetic speech comes from espeak-ng (see generate-corpus.ts); real speech from
// ../shared/models/speech. Ground truth is the generation timeline built from these scripts (corpus.ts).

/** One stretch of speech synthesised in one go. `say` is what espeak reads; `text` what a smart-formatting STT writes (`|` marks where espeak pauses when no comma shows it). */
export interface Phrase {
  say: string;
  text: string;
  voice: string;
  /** espeak words per minute. */
  speed: number;
}

/** A stretch of speech and the silence after it. The silence after the last chunk ends the turn. */
export interface Chunk {
  phrase?: Phrase;
  /** A real recording (file under ../shared/models/speech), optionally a slice of it in ms. `|` in the text marks the speaker's pauses. */
  recording?: { file: string; fromMs?: number; toMs?: number; text: string };
  /** Silence after this chunk; for every chunk but the last it is a mid-turn pause. */
  pauseAfterMs: number;
}

export type CaseCategory = 'complete' | 'hesitation' | 'number' | 'list' | 'real';

export interface TurnCase {
  id: string;
  category: CaseCategory;
  /** One intended user turn (the agent answers once, after the last chunk). */
  chunks: Chunk[];
  /** Mixed with seeded noise at this signal-to-noise ratio (dB), when set. */
  snrDb?: number;
  /** What the case is about, for the report. */
  note: string;
}

export interface BackchannelCase {
  id: string;
  /** 'backchannel' must never stop Parley's reply; 'interruption' must. */
  kind: 'backchannel' | 'interruption';
  /** What Parley is saying (its voice leaks into the microphone as echo). */
  parley: Phrase;
  /** The user's sound: a phrase, or a synthetic cough. */
  user: Phrase | 'cough';
  /** When the user's sound starts, ms after Parley starts. */
  userAtMs: number;
}

const VOICES = ['en-us', 'en-gb', 'en-us+f3', 'en-gb-x-rp'] as const;
let voiceTurn = 0;
/** Rotates voices and speeds so the corpus is not one voice at one pace. */
function p(say: string, text = say, voice?: string): Phrase {
  const i = voiceTurn++;
  return { say, text, voice: voice ?? VOICES[i % VOICES.length]!, speed: [160, 170, 150, 175][i % 4]! };
}
/** A case spoken in one voice: every chunk [say, text?, pauseAfterMs]. */
function script(parts: Array<[say: string, text: string | undefined, pauseAfterMs: number]>): Chunk[] {
  const i = voiceTurn++;
  const voice = VOICES[i % VOICES.length]!;
  const speed = [160, 170, 150, 175][i % 4]!;
  return parts.map(([say, text, pauseAfterMs]) => ({ phrase: { say, text: text ?? say, voice, speed }, pauseAfterMs }));
}

/** Silence after the last chunk: longer than the longest wait (3 s cap), so every policy gets to answer. */
export const TURN_TAIL_MS = 3600;
/** Silence before the first chunk. */
export const LEAD_MS = 500;

const one = (say: string, text?: string) => script([[say, text, TURN_TAIL_MS]]);

export const TURN_CASES: TurnCase[] = [
  // Complete questions and statements: answer fast.
  { id: 'complete-weather', category: 'complete', note: 'question', chunks: one("What's the weather like in Paris tomorrow?") },
  { id: 'complete-timer', category: 'complete', note: 'question', chunks: one('Can you set a timer for ten minutes?', 'Can you set a timer for 10 minutes?') },
  { id: 'complete-table', category: 'complete', note: 'statement', chunks: one("I'd like to book a table for two at seven.") },
  { id: 'complete-joke', category: 'complete', note: 'request', chunks: one('Tell me a joke about penguins.') },
  { id: 'complete-egg', category: 'complete', note: 'question', chunks: one('How long does it take to boil an egg?') },
  { id: 'complete-thanks', category: 'complete', note: 'statement', chunks: one("Thanks, that's all I needed.") },
  { id: 'complete-lights', category: 'complete', note: 'request', chunks: one('Turn the lights off in the kitchen.') },
  { id: 'complete-talk', category: 'complete', note: 'question ending on a preposition', chunks: one('Who did you talk to?') },
  { id: 'complete-phone', category: 'complete', note: 'whole phone number', chunks: one('My number is four one five, five five five, zero one three two.', 'My number is 415 | 555 | 0132.') },
  { id: 'complete-list', category: 'complete', note: 'whole list', chunks: one('I need eggs, milk and bread.') },
  // Hesitations mid-sentence: never answer into these pauses.
  { id: 'hesitation-flight', category: 'hesitation', note: 'pause after "a flight to"', chunks: script([['I want to book a flight to', undefined, 700], ['Boston on Friday morning.', undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-flight-long', category: 'hesitation', note: 'pause after "a flight to"', chunks: script([['Find me a flight to', undefined, 850], ['Denver, please.', undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-um', category: 'hesitation', note: 'pause after "um,"', chunks: script([['So I was thinking, um,', undefined, 800], ['maybe we could go to the beach.', undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-um-start', category: 'hesitation', note: 'pause after "um,"', chunks: script([['Um,', undefined, 650], ['what time does the pharmacy close?', undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-and', category: 'hesitation', note: 'trailing conjunction', chunks: script([["I'll be there at six and", undefined, 750], ["I'll bring the cake.", undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-because', category: 'hesitation', note: 'trailing conjunction', chunks: script([["I can't come tomorrow because", undefined, 700], ['I have a dentist appointment.', undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-the', category: 'hesitation', note: 'trailing article', chunks: script([['Please send it to the', undefined, 800], ['office on Main Street.', undefined, TURN_TAIL_MS]]) },
  { id: 'hesitation-name', category: 'hesitation', note: 'trailing copula', chunks: script([['My name is', undefined, 700], ['Alex Carter.', undefined, TURN_TAIL_MS]]) },
  // Dictated numbers: pauses between digit groups.
  {
    id: 'number-phone',
    category: 'number',
    note: 'phone number in three groups',
    chunks: script([['My phone number is four one five', 'My phone number is 415', 700], ['five five five', '555', 750], ['zero one three two.', '0132.', TURN_TAIL_MS]]),
  },
  { id: 'number-callback', category: 'number', note: 'phone number in two groups', chunks: script([['Call me back on six five oh, two five three', 'Call me back on 650 | 253', 800], ['zero zero one eight.', '0018.', TURN_TAIL_MS]]) },
  { id: 'number-zip', category: 'number', note: 'zip code in two groups', chunks: script([['The zip code is nine four', 'The zip code is 94', 650], ['one oh three.', '103.', TURN_TAIL_MS]]) },
  // Lists in progress.
  { id: 'list-shopping', category: 'list', note: 'list, pause after "and"', chunks: script([['Add apples, bananas and', undefined, 700], ['oranges to my shopping list.', undefined, TURN_TAIL_MS]]) },
  { id: 'list-errands', category: 'list', note: 'list, pause after a comma', chunks: script([['Remind me to buy milk, eggs,', undefined, 750], ['and some coffee.', undefined, TURN_TAIL_MS]]) },
  { id: 'list-days', category: 'list', note: 'list, pause after a comma', chunks: script([["I'm free on Monday, Tuesday,", undefined, 800], ['and Thursday.', undefined, TURN_TAIL_MS]]) },
  // Real recordings (real prosody): their own pauses are found from the energy envelope.
  {
    id: 'real-jfk',
    category: 'real',
    note: 'real speech, three natural mid-sentence pauses',
    // The whole speech ('|' marks the speaker's long pauses, to place the words); the file's last half second is crowd noise rising.
    chunks: [{ recording: { file: 'jfk.wav', toMs: 10500, text: 'And so my fellow Americans, | ask not | what your country can do for you, | ask what you can do for your country.' }, pauseAfterMs: TURN_TAIL_MS }],
  },
  { id: 'real-dashwood', category: 'real', note: 'real speech, one complete sentence', chunks: [{ recording: { file: 'librivox-ss01-0870.wav', text: 'And Mister John Dashwood had then leisure to consider how much there might be prudently in his power to do for them.' }, pauseAfterMs: TURN_TAIL_MS }] },
  {
    id: 'real-ill-disposed',
    category: 'real',
    note: 'real speech, a complete-sounding clause, then "unless"',
    chunks: [
      { recording: { file: 'librivox-ss01-0880.wav', text: 'He was not an ill disposed young man' }, pauseAfterMs: 700 },
      { recording: { file: 'librivox-ss01-0890.wav', text: 'unless to be rather cold hearted and rather selfish is to be ill disposed.' }, pauseAfterMs: TURN_TAIL_MS },
    ],
  },
];

/** Cases replayed again under noise at 20 and 10 dB SNR. */
export const NOISY_CASE_IDS = ['complete-weather', 'complete-joke', 'hesitation-flight', 'hesitation-um', 'number-phone', 'list-shopping', 'real-jfk'];
export const NOISE_SNRS_DB = [20, 10];

const parleyVoice = (say: string): Phrase => ({ say, text: say, voice: 'en-us+f2', speed: 165 });
const REPLY_A = parleyVoice('Sure. There are three Italian restaurants near you. The first one is open until ten, and it has good reviews.');
const REPLY_B = parleyVoice('Your flight leaves at eight fifteen from gate twelve. Boarding starts forty minutes before departure.');

export const BACKCHANNEL_CASES: BackchannelCase[] = [
  { id: 'backchannel-mm-hmm', kind: 'backchannel', parley: REPLY_A, user: p('mm hmm', 'Mm-hmm.'), userAtMs: 1800 },
  { id: 'backchannel-yeah', kind: 'backchannel', parley: REPLY_A, user: p('yeah', 'Yeah.'), userAtMs: 2600 },
  { id: 'backchannel-uh-huh', kind: 'backchannel', parley: REPLY_B, user: p('uh huh', 'Uh-huh.'), userAtMs: 1500 },
  { id: 'backchannel-okay', kind: 'backchannel', parley: REPLY_B, user: p('okay', 'Okay.'), userAtMs: 3000 },
  { id: 'backchannel-right', kind: 'backchannel', parley: REPLY_A, user: p('right', 'Right.'), userAtMs: 3400 },
  { id: 'backchannel-cough', kind: 'backchannel', parley: REPLY_B, user: 'cough', userAtMs: 2200 },
  { id: 'interruption-stop', kind: 'interruption', parley: REPLY_A, user: p("wait, stop, that's not what I asked", "Wait, stop, that's not what I asked."), userAtMs: 2000 },
  { id: 'interruption-tomorrow', kind: 'interruption', parley: REPLY_B, user: p('no, I meant tomorrow morning instead', 'No, I meant tomorrow morning instead.'), userAtMs: 1700 },
];

/** Every phrase espeak must synthesise. */
export function allPhrases(): Phrase[] {
  const out: Phrase[] = [];
  for (const c of TURN_CASES) for (const chunk of c.chunks) if (chunk.phrase) out.push(chunk.phrase);
  for (const b of BACKCHANNEL_CASES) {
    out.push(b.parley);
    if (b.user !== 'cough') out.push(b.user);
  }
  return out;
}

/** Stable file name for a phrase's audio. */
export function phraseKey(phrase: Phrase): string {
  const slug = phrase.say.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${phrase.voice.replace(/[^a-z0-9]+/gi, '_')}-${phrase.speed}-${slug}`;
}
