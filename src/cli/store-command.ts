import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { CorralError } from '../core/errors.js';
import type { Store } from '../core/store-port.js';
import { openConfiguredStore } from '../server/compose.js';
import { loadOrExit } from './serve-command.js';

/** Where admin commands write: tests collect lines, the terminal prints them. */
export type Print = (line: string) => void;

export interface StoreFlags {
  config?: string;
}

/** Adds `--config` to an admin subcommand (same file/env loading as `serve`). */
export function withConfig(command: Command): Command {
  return command.option('-c, --config <file>', 'config file (default ./corral.yaml if present)');
}

/**
 * Runs an admin action against the configured store and closes it. The action also gets the
 * config, for checks against what `serve` would use (e.g. the priority classes). A catalogue
 * error (unknown tenant, bad value) prints its message and exits 1, without a stack trace.
 */
export async function withStore(
  flags: StoreFlags,
  action: (store: Store, config: Config) => Promise<void>,
): Promise<void> {
  const config = loadOrExit({ ...(flags.config === undefined ? {} : { config: flags.config }) });
  const store = await openConfiguredStore(config);
  try {
    await action(store, config);
  } catch (err) {
    if (!(err instanceof CorralError)) throw err;
    console.error(`corral: ${err.message}`);
    process.exitCode = 1;
  } finally {
    await store.close();
  }
}

/** Aligned columns; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A whole-number flag; `none` (for updates) becomes null, which removes a limit. */
export function parseLimit(value: string): number | null {
  if (value === 'none') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0 or "none"');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('expected a positive number');
  return n;
}

/**
 * An expiry: an ISO date, or a duration from now (`30d`, `12h`, `45m`). Relative times are what
 * an admin usually means ("valid for 90 days").
 */
export function parseExpiry(value: string, nowMs: number): number {
  const match = /^(\d+)([dhm])$/.exec(value);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
    return nowMs + Number(match[1]) * unit;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new CorralError(
      'invalid_request',
      `--expires must be an ISO date or a duration like 30d, got '${value}'`,
    );
  }
  return ms;
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
