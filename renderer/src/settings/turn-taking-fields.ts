// (Pure TypeScript with explicit .js imports: the unit tests typecheck it under Node too.)
// The turn-taking settings as the settings screen shows them: a human label and help per knob,
// ranges and defaults read from the schema the engine validates with, which knobs apply in which
// end-of-turn mode, and bad input in words at its field.
import type { z } from 'zod';
import { SettingsSchema, type Settings } from '../../../electron/shared/settings.js';

export type TurnTaking = Settings['turnTaking'];
export type TurnTakingKey = keyof TurnTaking;
export type EndOfTurnMode = TurnTaking['endOfTurn'];

type NumberKey = { [K in TurnTakingKey]: TurnTaking[K] extends number ? K : never }[TurnTakingKey];
type BooleanKey = { [K in TurnTakingKey]: TurnTaking[K] extends boolean ? K : never }[TurnTakingKey];

interface FieldBase {
  /** What the field is called (without its unit). */
  label: string;
  help: string;
  /** The end-of-turn modes it applies in. */
  modes: readonly EndOfTurnMode[];
  /** Shown under the Advanced disclosure. */
  advanced?: boolean;
}
export type NumberField = FieldBase & { kind: 'number'; key: NumberKey; unit?: 'ms'; min: number; max: number; step: number; defaultValue: number };
export type BooleanField = FieldBase & { kind: 'boolean'; key: BooleanKey };
export type ChoiceField = FieldBase & { kind: 'choice'; key: 'endOfTurn'; options: { value: EndOfTurnMode; label: string }[] };
export type TurnTakingField = NumberField | BooleanField | ChoiceField;

const BOTH = ['semantic', 'silence'] as const;
const SEMANTIC = ['semantic'] as const;

const schema = SettingsSchema.shape.turnTaking.unwrap();

/** A number knob's range and default, as the engine's schema has them. */
function numberField(key: NumberKey, f: FieldBase & { unit?: 'ms'; step?: number }): NumberField {
  const field = schema.shape[key] as z.ZodDefault<z.ZodNumber>;
  const n = field.unwrap();
  return { kind: 'number', key, ...f, min: n.minValue ?? 0, max: n.maxValue ?? Number.MAX_SAFE_INTEGER, step: f.step ?? (n.isInt ? 1 : 0.01), defaultValue: field.def.defaultValue as number };
}

/** Every turn-taking knob, in the order the screen shows them. */
export const TURN_TAKING_FIELDS: readonly TurnTakingField[] = [
  {
    kind: 'choice',
    key: 'endOfTurn',
    label: 'End of turn',
    help: 'Semantic listens to what you say (and to Smart Turn and your speech-to-text service when they can tell): a short wait when you sound done, a longer one when you sound unfinished. Silence only ends your turn after every pause of a fixed length.',
    modes: BOTH,
    options: [
      { value: 'semantic', label: 'Semantic: waits for complete thoughts' },
      { value: 'silence', label: 'Silence only: ends after a fixed pause' },
    ],
  },
  numberField('minSilenceMs', {
    label: 'Silence that ends your turn',
    unit: 'ms',
    help: 'Any pause this long ends your turn. Shorter answers sooner but can cut you off mid-sentence.',
    modes: ['silence'],
  }),
  numberField('vadThreshold', {
    label: 'Speech detection threshold',
    help: 'How sure the voice detector must be that you are speaking, from 0.1 to 0.95. Raise it in a noisy room; lower it if Parley misses quiet speech.',
    modes: BOTH,
  }),
  {
    kind: 'boolean',
    key: 'bargeIn',
    label: 'Let me interrupt Parley by speaking',
    help: 'When you speak while Parley talks, it stops and listens. Turn this off if Parley hears itself through your speakers.',
    modes: BOTH,
  },
  numberField('minInterruptionMs', {
    label: 'Speech that interrupts Parley',
    unit: 'ms',
    help: 'How long you must speak over Parley, with real words, before its reply is cut. Shorter sounds ("mm-hmm", "yeah", a cough) only pause it, and it goes on.',
    modes: BOTH,
    advanced: true,
  }),
  numberField('falseInterruptionMs', {
    label: 'Resume a paused reply after',
    unit: 'ms',
    help: 'When you said something over Parley but no new turn follows, its paused reply resumes after this long.',
    modes: BOTH,
    advanced: true,
  }),
  {
    kind: 'boolean',
    key: 'preemptive',
    label: 'Prepare the reply early',
    help: 'Parley starts its reply on your words before it is sure you are done, and keeps it only if you said nothing more. Answers sooner; may use a few extra language model requests.',
    modes: BOTH,
  },
  {
    kind: 'boolean',
    key: 'smartTurn',
    label: 'Use Smart Turn to hear when your voice sounds finished',
    help: 'A small local audio model judges your intonation at each pause. It is used once its model is installed; without it, your words and the speech-to-text service decide.',
    modes: SEMANTIC,
  },
  numberField('completeWaitMs', {
    label: 'Wait when you sound done',
    unit: 'ms',
    help: 'When your words sound complete, Parley answers after this pause.',
    modes: SEMANTIC,
    advanced: true,
  }),
  numberField('uncertainWaitMs', {
    label: 'Wait when unsure',
    unit: 'ms',
    help: 'When the signals disagree or cannot tell, Parley waits this long after you stop.',
    modes: SEMANTIC,
    advanced: true,
  }),
  numberField('maxWaitMs', {
    label: 'Longest wait for an unfinished sentence',
    unit: 'ms',
    help: 'When you sound unfinished ("a flight to…"), Parley waits up to this long for more before answering.',
    modes: SEMANTIC,
    advanced: true,
  }),
];

/** The knobs that apply in this end-of-turn mode (the advanced ones last). */
export function turnTakingFields(mode: EndOfTurnMode): TurnTakingField[] {
  const shown = TURN_TAKING_FIELDS.filter((f) => f.modes.includes(mode));
  return [...shown.filter((f) => !f.advanced), ...shown.filter((f) => f.advanced)];
}

/**
 * Another end-of-turn mode. A knob the new mode hides goes back to its default if it holds a value
 * the engine would refuse: it could not be fixed where it is not shown, and would block saving.
 */
export function switchMode(t: TurnTaking, mode: EndOfTurnMode): TurnTaking {
  const problems = turnTakingProblems(t);
  const next: TurnTaking = { ...t, endOfTurn: mode };
  for (const f of TURN_TAKING_FIELDS) {
    if (f.kind === 'number' && !f.modes.includes(mode) && problems[f.key]) next[f.key] = f.defaultValue;
  }
  return next;
}

/**
 * What the engine would refuse in these settings (the same schema), in words, per field:
 * "Must be at most 2000 ms.". Empty when they can be saved.
 */
export function turnTakingProblems(t: TurnTaking): Partial<Record<TurnTakingKey, string>> {
  const parsed = schema.safeParse(t);
  if (parsed.success) return {};
  const problems: Partial<Record<TurnTakingKey, string>> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path[0] as TurnTakingKey;
    if (problems[key]) continue;
    const field = TURN_TAKING_FIELDS.find((f) => f.key === key);
    const unit = field?.kind === 'number' && field.unit ? ` ${field.unit}` : '';
    if (issue.code === 'too_big') problems[key] = `Must be at most ${String(issue.maximum)}${unit}.`;
    else if (issue.code === 'too_small') problems[key] = `Must be at least ${String(issue.minimum)}${unit}.`;
    else if (issue.code === 'invalid_type' && issue.expected === 'int') problems[key] = `Must be a whole number${unit ? ` of${unit}` : ''}.`;
    else if (issue.code === 'invalid_type' && issue.expected === 'number') problems[key] = 'Enter a number.';
    else problems[key] = issue.message;
  }
  return problems;
}

/** The problems in one line for the save status: "Wait when unsure: must be at least 100 ms. …". */
export function problemsSummary(problems: Partial<Record<TurnTakingKey, string>>): string {
  return TURN_TAKING_FIELDS.flatMap((f) => {
    const p = problems[f.key];
    return p ? [`${f.label}: ${p.charAt(0).toLowerCase()}${p.slice(1)}`] : [];
  }).join(' ');
}
