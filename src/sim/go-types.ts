/**
 * Binding parsed JSON to Ollama's Go request structs, with encoding/json's behaviour (§1, §3.2):
 * unknown fields ignored, keys matched case-insensitively, `null` leaves a field unset, a type
 * mismatch reads `json: cannot unmarshal <json type> into Go struct field <Struct>.<path> of type
 * <go type>` (the first mismatch wins, decoding goes on), and a custom unmarshaler's error (e.g.
 * `keep_alive`, `think`) is returned at once with its own text.
 */

export type GoType =
  | { kind: 'string' }
  | { kind: 'bool' }
  | { kind: 'int'; name?: string }
  | { kind: 'float'; name: string }
  | { kind: 'any' }
  | { kind: 'map'; name: string }
  | { kind: 'slice'; name: string; elem: GoType }
  | { kind: 'struct'; name: string; fields: Record<string, GoType> }
  /** A type with its own UnmarshalJSON: returns an error text or the decoded value. */
  | { kind: 'custom'; decode: (value: unknown) => { error: string } | { value: unknown } };

export type BindResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

class CustomError extends Error {}

function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function goTypeString(t: GoType): string {
  switch (t.kind) {
    case 'string':
    case 'bool':
      return t.kind;
    case 'int':
      return t.name ?? 'int';
    case 'float':
    case 'map':
    case 'slice':
    case 'struct':
      return t.name;
    case 'any':
    case 'custom':
      return 'interface {}';
  }
}

interface Ctx {
  structName: string;
  path: string[];
  firstError: string | undefined;
}

function mismatch(ctx: Ctx, value: unknown, t: GoType): undefined {
  if (ctx.firstError === undefined) {
    // Go names the number itself only when it is a number that does not fit an integer field.
    const what = typeof value === 'number' && t.kind === 'int' ? `number ${String(value)}` : jsonKind(value);
    const where =
      ctx.path.length === 0 ? 'Go value' : `Go struct field ${ctx.structName}.${ctx.path.join('.')}`;
    ctx.firstError = `json: cannot unmarshal ${what} into ${where} of type ${goTypeString(t)}`;
  }
  return undefined;
}

const fieldIndexCache = new WeakMap<Record<string, GoType>, Map<string, string>>();

function fieldIndex(fields: Record<string, GoType>): Map<string, string> {
  let index = fieldIndexCache.get(fields);
  if (!index) {
    index = new Map(Object.keys(fields).map((k) => [k.toLowerCase(), k]));
    fieldIndexCache.set(fields, index);
  }
  return index;
}

function bindValue(value: unknown, t: GoType, ctx: Ctx): unknown {
  if (value === null) return undefined;
  switch (t.kind) {
    case 'any':
      return value;
    case 'string':
      return typeof value === 'string' ? value : mismatch(ctx, value, t);
    case 'bool':
      return typeof value === 'boolean' ? value : mismatch(ctx, value, t);
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? value : mismatch(ctx, value, t);
    case 'float':
      return typeof value === 'number' ? value : mismatch(ctx, value, t);
    case 'map':
      return typeof value === 'object' && !Array.isArray(value) ? value : mismatch(ctx, value, t);
    case 'custom': {
      const r = t.decode(value);
      if ('error' in r) throw new CustomError(r.error);
      return r.value;
    }
    case 'slice': {
      if (!Array.isArray(value)) return mismatch(ctx, value, t);
      return value.map((v: unknown) => bindValue(v, t.elem, ctx));
    }
    case 'struct':
      return bindStruct(value, t, ctx);
  }
}

function bindStruct(value: unknown, t: Extract<GoType, { kind: 'struct' }>, ctx: Ctx): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return mismatch(ctx, value, t);
  const out: Record<string, unknown> = {};
  const index = fieldIndex(t.fields);
  const outerStruct = ctx.structName;
  for (const [key, v] of Object.entries(value)) {
    const name = key in t.fields ? key : index.get(key.toLowerCase());
    if (name === undefined) continue;
    const fieldType = t.fields[name];
    if (fieldType === undefined) continue;
    ctx.structName = t.name.replace(/^api\./, '');
    ctx.path.push(name);
    const bound = bindValue(v, fieldType, ctx);
    ctx.path.pop();
    ctx.structName = outerStruct;
    if (bound !== undefined) out[name] = bound;
  }
  return out;
}

/** Binds a parsed body to a struct type. `null` gives an empty request (§1). */
export function bindRequest(value: unknown, t: Extract<GoType, { kind: 'struct' }>): BindResult {
  if (value === null) return { ok: true, value: {} };
  const ctx: Ctx = { structName: t.name.replace(/^api\./, ''), path: [], firstError: undefined };
  try {
    const bound = bindStruct(value, t, ctx);
    if (ctx.firstError !== undefined) return { ok: false, error: ctx.firstError };
    return { ok: true, value: bound as Record<string, unknown> };
  } catch (err) {
    if (err instanceof CustomError) return { ok: false, error: err.message };
    throw err;
  }
}
