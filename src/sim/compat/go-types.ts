/**
 * Go's `json.Unmarshal` type checks for the request structs Ollama decodes into (§1: "a type
 * mismatch → 400 with Go's decoder message"). A spec mirrors the Go struct: field kinds, the Go
 * type names that appear in the message, and nothing else (unknown fields are ignored, `null`
 * leaves a field at its zero value, exactly as in Go).
 */

export type GoSpec =
  | 'string'
  | 'bool'
  | 'int'
  | 'float64'
  | 'any'
  | { struct: string; fields: Record<string, GoSpec> }
  | { slice: GoSpec; goType: string }
  | { map: string };

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

function goTypeName(spec: GoSpec): string {
  if (typeof spec === 'string') return spec === 'any' ? 'interface {}' : spec;
  if ('struct' in spec) return spec.struct;
  if ('slice' in spec) return spec.goType;
  return spec.map;
}

interface Ctx {
  struct: string;
  path: string[];
}

function mismatch(value: string, ctx: Ctx, spec: GoSpec): string {
  const where = ctx.path.length === 0 ? `Go value` : `Go struct field ${ctx.struct}.${ctx.path.join('.')}`;
  return `json: cannot unmarshal ${value} into ${where} of type ${goTypeName(spec)}`;
}

/** Returns Go's first type-mismatch message for `value` against `spec`, or undefined when it decodes. */
export function checkGoTypes(value: unknown, spec: GoSpec): string | undefined {
  return check(value, spec, { struct: '', path: [] });
}

function check(v: unknown, spec: GoSpec, ctx: Ctx): string | undefined {
  if (v === null || spec === 'any') return undefined;
  if (spec === 'string') return typeof v === 'string' ? undefined : mismatch(jsonKind(v), ctx, spec);
  if (spec === 'bool') return typeof v === 'boolean' ? undefined : mismatch(jsonKind(v), ctx, spec);
  if (spec === 'float64') return typeof v === 'number' ? undefined : mismatch(jsonKind(v), ctx, spec);
  if (spec === 'int') {
    if (typeof v !== 'number') return mismatch(jsonKind(v), ctx, spec);
    return Number.isInteger(v) ? undefined : mismatch(`number ${String(v)}`, ctx, spec);
  }
  if ('map' in spec) {
    return typeof v === 'object' && !Array.isArray(v) ? undefined : mismatch(jsonKind(v), ctx, spec);
  }
  if ('slice' in spec) {
    if (!Array.isArray(v)) return mismatch(jsonKind(v), ctx, spec);
    for (const el of v as unknown[]) {
      const err = check(el, spec.slice, ctx);
      if (err !== undefined) return err;
    }
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return mismatch(jsonKind(v), ctx, spec);
  for (const [key, fieldValue] of Object.entries(v)) {
    const fieldSpec = spec.fields[key];
    if (fieldSpec === undefined) continue;
    const err = check(fieldValue, fieldSpec, {
      struct: spec.struct.replace(/^.*\./, ''),
      path: [...ctx.path, key],
    });
    if (err !== undefined) return err;
  }
  return undefined;
}

/** Narrows a JSON value to a plain object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
