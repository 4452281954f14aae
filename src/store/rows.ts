/**
 * Narrowing of database rows, which are `unknown` until checked. Postgres returns BIGINT and SUM
 * as strings and BOOLEAN as booleans; SQLite returns numbers for both: these accept either.
 */
import type { SqlRow } from './sql-db.js';

function fail(column: string, value: unknown): never {
  throw new Error(`unexpected database value in column ${column}: ${typeof value}`);
}

export function int(row: SqlRow, column: string): number {
  const value = row[column];
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  if (value === null) return 0;
  return fail(column, value);
}

export function optInt(row: SqlRow, column: string): number | undefined {
  return row[column] === null || row[column] === undefined ? undefined : int(row, column);
}

export function str(row: SqlRow, column: string): string {
  const value = row[column];
  return typeof value === 'string' ? value : fail(column, value);
}

export function optStr(row: SqlRow, column: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : str(row, column);
}

export function bool(row: SqlRow, column: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  return fail(column, value);
}

export function stringArray(row: SqlRow, column: string): string[] {
  const parsed: unknown = JSON.parse(str(row, column));
  if (Array.isArray(parsed) && parsed.every((v): v is string => typeof v === 'string')) return parsed;
  return fail(column, parsed);
}

/** Same parsing as `int`, which accepts any finite number; named for the reader of the caller. */
export function float(row: SqlRow, column: string): number {
  return int(row, column);
}
