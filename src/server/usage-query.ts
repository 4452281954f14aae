import { CorralError } from '../core/errors.js';
import type { UsageDimension, UsageGroup, UsageQuery } from '../core/store-port.js';

export const USAGE_DIMENSIONS: readonly UsageDimension[] = [
  'tenant',
  'key',
  'model',
  'backend',
  'protocol',
  'status',
  'day',
];

const DEFAULT_RANGE_MS = 30 * 86_400_000;

/** Raw `from`/`to`/`groupBy` as a query string or CLI flags give them. */
export interface UsageQueryText {
  from?: string | undefined;
  to?: string | undefined;
  groupBy?: string | undefined;
}

/**
 * Reads a usage query shared by `GET /api/usage` and `corral usage`: times as epoch milliseconds
 * or ISO dates (`2026-11-01`, `2026-11-01T12:00:00Z`), `to` exclusive; default the last 30 days.
 * `groupBy` is a comma-separated list of dimensions.
 */
export function parseUsageQuery(text: UsageQueryText, nowMs: number): UsageQuery {
  const to = text.to === undefined || text.to === '' ? nowMs + 1 : parseTime(text.to, 'to');
  const from =
    text.from === undefined || text.from === '' ? to - DEFAULT_RANGE_MS : parseTime(text.from, 'from');
  if (from > to) throw new CorralError('invalid_request', `'from' must not be after 'to'`, { param: 'from' });
  const groupBy = (text.groupBy ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  for (const d of groupBy) {
    if (!(USAGE_DIMENSIONS as readonly string[]).includes(d)) {
      throw new CorralError(
        'invalid_request',
        `cannot group usage by '${d}': use ${USAGE_DIMENSIONS.join(', ')}`,
        { param: 'groupBy' },
      );
    }
  }
  return { from, to, groupBy: groupBy as UsageDimension[] };
}

function parseTime(text: string, param: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new CorralError(
      'invalid_request',
      `'${param}' must be epoch milliseconds or an ISO date, got '${text}'`,
      {
        param,
      },
    );
  }
  return ms;
}

/** Rows for a table or JSON: the group's dimensions first, then the counts. */
export function usageTableRows(groups: readonly UsageGroup[], dims: readonly UsageDimension[]): string[][] {
  const header = [
    ...dims,
    'requests',
    'input',
    'output',
    'errors',
    'cancelled',
    'wait ms',
    'processing ms',
    'cloud',
    'cost usd',
  ];
  const body = groups.map((g) => [
    ...dims.map((d) => g.group[d] ?? ''),
    String(g.requests),
    String(g.inputTokens),
    String(g.outputTokens),
    String(g.errors),
    String(g.cancelled),
    String(g.queueWaitMs),
    String(g.processingMs),
    String(g.cloudRequests),
    g.costUsd.toFixed(6),
  ]);
  return [header, ...body];
}
