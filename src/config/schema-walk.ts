import * as z from 'zod';

/**
 * Reads the shape of `ConfigSchema` so that env-var names, env coercion and "did you mean"
 * suggestions follow the schema instead of a second, hand-kept list that would drift.
 */

/** How an env var's string is turned into a value before validation. */
export type EnvValueKind = 'string' | 'number' | 'boolean' | 'number-or-string' | 'json';

export interface EnvSetting {
  /** e.g. `CORRAL_SCHEDULER__MAX_QUEUE_WAIT_MS` */
  readonly name: string;
  /** e.g. `['scheduler', 'maxQueueWaitMs']` */
  readonly path: readonly string[];
  readonly kind: EnvValueKind;
}

export const ENV_PREFIX = 'CORRAL_';

/** `maxQueueWaitMs` → `MAX_QUEUE_WAIT_MS` */
export function toScreamingSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `['scheduler', 'maxQueueWaitMs']` → `CORRAL_SCHEDULER__MAX_QUEUE_WAIT_MS` */
export function envVarName(path: readonly string[]): string {
  return ENV_PREFIX + path.map(toScreamingSnake).join('__');
}

/** Strips wrappers that don't change what a value looks like (defaults, optional, pipes). */
export function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodReadonly
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodPipe) {
      current = current.in;
    } else {
      return current;
    }
  }
}

function envValueKind(schema: z.core.$ZodType): EnvValueKind {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodUnion) {
    const kinds = inner.options.map((option) => envValueKind(option));
    if (kinds.includes('json')) return 'json';
    return kinds.includes('number') ? 'number-or-string' : 'string';
  }
  if (inner instanceof z.ZodObject || inner instanceof z.ZodArray || inner instanceof z.ZodRecord)
    return 'json';
  return 'string';
}

/**
 * Every env var the schema accepts: one per key at any depth of nested objects. An object key
 * (`CORRAL_SERVER`) takes JSON, as does a list (`CORRAL_BACKENDS`); list items and records have
 * no per-key variables because their keys are not known in advance.
 */
export function listEnvSettings(schema: z.core.$ZodType, path: readonly string[] = []): EnvSetting[] {
  const inner = unwrapSchema(schema);
  if (!(inner instanceof z.ZodObject)) return [];
  const settings: EnvSetting[] = [];
  for (const [key, child] of Object.entries(inner.shape as Record<string, z.core.$ZodType>)) {
    const childPath = [...path, key];
    settings.push({ name: envVarName(childPath), path: childPath, kind: envValueKind(child) });
    settings.push(...listEnvSettings(child, childPath));
  }
  return settings;
}

/** The keys an object accepts at `path` (list indexes step into the item schema), for suggestions. */
export function objectKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current = unwrapSchema(schema);
  for (const segment of path) {
    if (typeof segment === 'number' && current instanceof z.ZodArray) {
      current = unwrapSchema(current.element);
    } else if (typeof segment === 'string' && current instanceof z.ZodObject) {
      const child = (current.shape as Record<string, z.core.$ZodType | undefined>)[segment];
      if (child === undefined) return undefined;
      current = unwrapSchema(child);
    } else {
      return undefined;
    }
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape) : undefined;
}
