import type * as z from 'zod';
import type { ConfigIssue } from './errors.js';
import { closestMatch } from './errors.js';
import type { Provenance } from './merge.js';
import { deepFreeze, formatPath, sourceOf } from './merge.js';
import type { Config } from './schema.js';
import { ConfigSchema, showValue } from './schema.js';
import { objectKeysAt } from './schema-walk.js';

export type Validated =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Parses merged raw values once; on failure, every issue is named by key and source. */
export function validateConfig(raw: unknown, provenance: Provenance): Validated {
  // A per-parse error map (not zod's global config) so loading config changes nothing for other zod users.
  const result = ConfigSchema.safeParse(raw, { error: genericMessage, reportInput: true });
  if (result.success) return { ok: true, config: deepFreeze(result.data) };
  return { ok: false, issues: result.error.issues.flatMap((issue) => toConfigIssues(issue, provenance)) };
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping of keys to values',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
};

/** Fallback wording for issues the schema didn't phrase itself (see `expected()` in schema.ts). */
function genericMessage(issue: z.core.$ZodRawIssue): string {
  const got = `got ${showValue(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, ${got}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => showValue(value)).join(' | ')}, ${got}`;
    case 'too_small':
      return `expected ${bound(issue.origin, issue.inclusive === false ? '>' : '>=', issue.minimum)}, ${got}`;
    case 'too_big':
      return `expected ${bound(issue.origin, issue.inclusive === false ? '<' : '<=', issue.maximum)}, ${got}`;
    default:
      return `invalid value, ${got}`;
  }
}

function bound(origin: string, operator: string, limit: number | bigint): string {
  if (origin === 'array') return `${operator.startsWith('>') ? 'at least' : 'at most'} ${limit} item(s)`;
  if (origin === 'string')
    return `${operator.startsWith('>') ? 'at least' : 'at most'} ${limit} character(s)`;
  return `a number ${operator} ${limit}`;
}

function toConfigIssues(issue: z.core.$ZodIssue, provenance: Provenance): ConfigIssue[] {
  if (issue.code !== 'unrecognized_keys') {
    const key = formatPath(issue.path);
    return [
      { key: key === '' ? '(top level)' : key, source: sourceOf(provenance, key), message: issue.message },
    ];
  }
  // Strict objects report all unknown keys of one object together; a line per key reads better.
  const validKeys = objectKeysAt(ConfigSchema, issue.path) ?? [];
  return issue.keys.map((unknownKey) => {
    const key = formatPath([...issue.path, unknownKey]);
    const guess = closestMatch(unknownKey, validKeys);
    const hint = guess === undefined ? '' : ` did you mean "${guess}"?`;
    return {
      key,
      source: sourceOf(provenance, key),
      message: `unknown key;${hint} valid keys here: ${validKeys.join(', ')}`,
    };
  });
}
