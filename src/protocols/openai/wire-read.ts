/**
 * Small readers for OpenAI request JSON already parsed into `unknown`. Every failure is a
 * `CorralError('invalid_request')` whose `param` is the indexed path (`messages[2].content`),
 * which the OpenAI SDK exposes as `error.param` (client-apis.md B.5).
 */
import { CorralError } from '../../core/errors.js';

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function invalid(message: string, param?: string): CorralError {
  return new CorralError('invalid_request', message, param === undefined ? {} : { param });
}

/** `parent.key`, or `key` at the root. */
export function at(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function wrongType(param: string, value: unknown, expected: string): CorralError {
  return invalid(`${param} must be ${expected}, got ${jsonType(value)}`, param);
}

/** `null` counts as absent throughout: clients (LangChain, the Vercel AI SDK) send explicit nulls. */
export function optString(obj: JsonRecord, key: string, param: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw wrongType(param, value, 'a string');
}

export function optBool(obj: JsonRecord, key: string, param: string): boolean | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  throw wrongType(param, value, 'a boolean');
}

export function optNumber(obj: JsonRecord, key: string, param: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw wrongType(param, value, 'a number');
}

export function optInt(obj: JsonRecord, key: string, param: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw wrongType(param, value, 'an integer');
}

export function optArray(obj: JsonRecord, key: string, param: string): unknown[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value;
  throw wrongType(param, value, 'an array');
}

export function optRecord(obj: JsonRecord, key: string, param: string): JsonRecord | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  throw wrongType(param, value, 'an object');
}

export function requireRecord(value: unknown, param: string): JsonRecord {
  if (isRecord(value)) return value;
  throw wrongType(param, value, 'an object');
}
