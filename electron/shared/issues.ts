import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** Where a problem is, as a dotted path ("turnTaking.completeWaitMs"); '' for the value itself. */
export function issuePath(issue: Pick<Issue, 'path'>): string {
  return issue.path.map(String).join('.');
}

/**
 * A validation problem in plain words ("must be at most 2000"), to follow the name of what is
 * wrong. Never repeats the input (it may be a key). Parse with `{ reportInput: true }` so a missing
 * value reads "is missing" rather than as a wrong type.
 */
export function plainIssue(issue: Issue): string {
  switch (issue.code) {
    case 'too_big':
      return bound(issue.origin, issue.inclusive !== false ? 'at most' : 'below', issue.maximum);
    case 'too_small':
      return bound(issue.origin, issue.inclusive !== false ? 'at least' : 'above', issue.minimum);
    case 'invalid_type':
      if (issue.expected === 'undefined') return 'must be empty';
      if (!('input' in issue) || issue.input === undefined) return 'is missing';
      return `must be ${withArticle(TYPE_WORDS[issue.expected] ?? issue.expected)}`;
    case 'invalid_value':
      if (!('input' in issue) || issue.input === undefined) return 'is missing';
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_format':
      return `must be ${withArticle(FORMAT_WORDS[issue.format] ?? `valid ${issue.format}`)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return `has unknown ${issue.keys.length === 1 ? 'field' : 'fields'} ${issue.keys.join(', ')}`;
    case 'custom':
      // A schema's own words: "one of 7, 10" reads as "must be one of 7, 10".
      return /^(must|is|has|takes)\b/.test(issue.message) ? issue.message : `must be ${issue.message}`;
    default:
      return issue.message;
  }
}

/**
 * A provider setting as a person says it: "maxTokens" -> "the max tokens", "stallTimeoutMs" -> "the
 * stall timeout (ms)", "baseUrl" -> "the address". The engine words its refusals with it and the
 * settings view finds the field a refusal is about with it.
 */
export function settingWords(field: string): string {
  if (field === 'baseUrl') return 'the address';
  if (field === '') return 'the settings';
  const ms = field.endsWith('Ms');
  const words = (ms ? field.slice(0, -2) : field).replace(/\./g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return `the ${words}${ms ? ' (ms)' : ''}`;
}

const TYPE_WORDS: Record<string, string> = { int: 'whole number', number: 'number', string: 'text', boolean: 'yes/no value', object: 'group of settings', array: 'list' };
const FORMAT_WORDS: Record<string, string> = { url: 'URL', email: 'email address', uuid: 'UUID' };

function bound(origin: string, relation: string, limit: number | bigint): string {
  const n = String(limit);
  if (origin === 'string') return `must be ${relation} ${n} characters long`;
  if (origin === 'array' || origin === 'set') return `must have ${relation} ${n} items`;
  return `must be ${relation} ${n}`;
}

function withArticle(words: string): string {
  return /^[aeiou]/i.test(words) && !/^(URL|UUID)/.test(words) ? `an ${words}` : `a ${words}`;
}
