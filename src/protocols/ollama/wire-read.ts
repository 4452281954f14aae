/**
 * Small readers for JSON already parsed into `unknown`. Wrong types fail with the text Go's
 * `encoding/json` gives, because Ollama returns that text verbatim as a 400 (ollama-api.md §1),
 * and clients written against Ollama may show or match it.
 */
import { CorralError } from '../../core/errors.js';

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON type name Go's decoder prints (`cannot unmarshal <kind> into …`). */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'object';
}

/** Where a value sits: Go's struct path for the message, our indexed path for `param`. */
export interface FieldPath {
  /** e.g. `ChatRequest.messages.content` (Go prints no indexes). */
  go: string;
  /** e.g. `messages[2].content`. */
  param: string;
}

export function field(parent: FieldPath, name: string): FieldPath {
  return { go: `${parent.go}.${name}`, param: parent.param === '' ? name : `${parent.param}.${name}` };
}

export function item(parent: FieldPath, index: number): FieldPath {
  return { go: parent.go, param: `${parent.param}[${index}]` };
}

export function invalid(message: string, param?: string): CorralError {
  return new CorralError('invalid_request', message, param === undefined ? {} : { param });
}

export function typeError(path: FieldPath, value: unknown, goType: string): CorralError {
  // Go names the number itself only when it was refused by a numeric type (`number 1.5 … int`).
  const what = typeof value === 'number' && goType === 'int' ? `number ${String(value)}` : jsonKind(value);
  return invalid(
    `json: cannot unmarshal ${what} into Go struct field ${path.go} of type ${goType}`,
    path.param,
  );
}

/** The root of a body: `null` is an empty request (§1), anything but an object is Go's error. */
export function readBody(body: unknown, goType: string): JsonRecord {
  if (body === null || body === undefined) return {};
  if (isRecord(body)) return body;
  throw invalid(`json: cannot unmarshal ${jsonKind(body)} into Go value of type ${goType}`);
}

export function optString(obj: JsonRecord, path: FieldPath, key: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw typeError(field(path, key), value, 'string');
}

export function optBool(obj: JsonRecord, path: FieldPath, key: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  throw typeError(field(path, key), value, 'bool');
}

/** Go `int`: a number with a fraction is refused, as Go's decoder does. */
export function optInt(obj: JsonRecord, path: FieldPath, key: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw typeError(field(path, key), value, 'int');
}

export function optArray(
  obj: JsonRecord,
  path: FieldPath,
  key: string,
  goType: string,
): unknown[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value;
  throw typeError(field(path, key), value, goType);
}

export function optObject(
  obj: JsonRecord,
  path: FieldPath,
  key: string,
  goType: string,
): JsonRecord | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  throw typeError(field(path, key), value, goType);
}

/** Every key of `obj` not in `known`, or undefined when there are none. */
export function restFields(obj: JsonRecord, known: ReadonlySet<string>): JsonRecord | undefined {
  let rest: JsonRecord | undefined;
  for (const key of Object.keys(obj)) {
    if (known.has(key)) continue;
    setField((rest ??= {}), key, obj[key]);
  }
  return rest;
}

/** Sets an own property even for `__proto__`, which JSON.parse can produce as a plain key. */
export function setField(target: JsonRecord, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
