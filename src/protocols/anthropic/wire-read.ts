/**
 * Small readers for JSON already parsed into `unknown`. Failures are `invalid_request` errors whose
 * message starts with the field's path in Anthropic's own dotted style (`messages.2.content.0`),
 * as the real API words its 400s, and whose `param` is that same path.
 */
import { CorralError } from '../../core/errors.js';

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `messages` + `2` → `messages.2`; the root path is `''`. */
export function at(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}.${String(key)}`;
}

export function invalid(param: string, message: string): CorralError {
  return new CorralError('invalid_request', `${param}: ${message}`, { param });
}

export function wrongType(param: string, expected: string, value: unknown): CorralError {
  return invalid(param, `expected ${expected}, got ${jsonKind(value)}`);
}

/** `null` counts as absent everywhere: SDKs serialise unset optional fields as null. */
export function optString(obj: JsonRecord, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw wrongType(at(path, key), 'a string', value);
}

export function optNumber(obj: JsonRecord, key: string, path: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw wrongType(at(path, key), 'a number', value);
}

export function optInt(obj: JsonRecord, key: string, path: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw wrongType(at(path, key), 'an integer', value);
}

export function optBool(obj: JsonRecord, key: string, path: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  throw wrongType(at(path, key), 'a boolean', value);
}

export function optArray(obj: JsonRecord, key: string, path: string): unknown[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value;
  throw wrongType(at(path, key), 'an array', value);
}

export function optObject(obj: JsonRecord, key: string, path: string): JsonRecord | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  throw wrongType(at(path, key), 'an object', value);
}

export function reqObject(value: unknown, path: string): JsonRecord {
  if (isRecord(value)) return value;
  throw wrongType(path, 'an object', value);
}

/** The `type` of a block or config object, required and a string. */
export function reqType(obj: JsonRecord, path: string): string {
  const type = optString(obj, 'type', path);
  if (type === undefined) throw invalid(at(path, 'type'), 'Field required');
  return type;
}
