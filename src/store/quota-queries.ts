import { randomUUID } from 'node:crypto';
import { CorralError } from '../core/errors.js';
import type {
  QuotaLimitName,
  QuotaUsage,
  ReserveResult,
  TenantLimits,
  TokenCount,
  UsageInput,
} from '../core/store-port.js';
import { int, optInt, str } from './rows.js';
import type { SqlDb, SqlExecutor } from './sql-db.js';
import {
  dayStart,
  minuteStart,
  monthStart,
  nextDayStart,
  nextMonthStart,
  MINUTE_MS,
} from './quota-windows.js';
import { insertUsage } from './usage-queries.js';

/** Counter kinds in `quota_counters`. Concurrency is one row per tenant at window 0. */
type CounterKind = 'requests_minute' | 'concurrent' | 'tokens_day' | 'tokens_month';

/** How long a rejected `concurrent` caller should wait before trying again: a hint only. */
const CONCURRENT_RETRY_MS = 1_000;

/** Thrown inside the transaction to roll back every counter already incremented. */
class Rejection extends Error {
  constructor(readonly result: Extract<ReserveResult, { type: 'rejected' }>) {
    super(result.message);
  }
}

interface CounterStep {
  kind: CounterKind;
  windowStart: number;
  amount: number;
  limit: number | undefined;
  name: QuotaLimitName;
  resetAt: number | undefined;
}

/**
 * Adds `amount` to a counter unless that would pass `limit`, in one statement: the row lock
 * taken by the conflicting UPDATE makes concurrent reservations queue behind each other, and the
 * WHERE is evaluated on the latest committed value (Postgres READ COMMITTED re-checks it; SQLite
 * holds the database write lock). A missing row is created; `0 < limit` and `amount <= limit` were checked first.
 */
async function addWithin(tx: SqlExecutor, tenantId: string, step: CounterStep): Promise<boolean> {
  // `used < limit` too: a tenant already at its token limit is refused even a zero estimate.
  const condition =
    step.limit === undefined
      ? ''
      : 'WHERE quota_counters.used < ? AND quota_counters.used + excluded.used <= ?';
  const rows = await tx.query(
    `INSERT INTO quota_counters (tenant_id, kind, window_start, used) VALUES (?, ?, ?, ?)
     ON CONFLICT (tenant_id, kind, window_start) DO UPDATE SET used = quota_counters.used + excluded.used
     ${condition} RETURNING used`,
    step.limit === undefined
      ? [tenantId, step.kind, step.windowStart, step.amount]
      : [tenantId, step.kind, step.windowStart, step.amount, step.limit, step.limit],
  );
  return rows.length > 0;
}

async function addTo(
  tx: SqlExecutor,
  tenantId: string,
  kind: CounterKind,
  windowStart: number,
  delta: number,
) {
  await tx.query(
    'UPDATE quota_counters SET used = used + ? WHERE tenant_id = ? AND kind = ? AND window_start = ?',
    [delta, tenantId, kind, windowStart],
  );
}

function rejection(step: CounterStep, nowMs: number, amount: number): Rejection {
  const limit = step.limit ?? 0;
  const retryAfterMs = step.resetAt === undefined ? CONCURRENT_RETRY_MS : Math.max(0, step.resetAt - nowMs);
  const what: Record<QuotaLimitName, string> = {
    requests_per_minute: `requests per minute limit of ${limit} reached`,
    concurrent: `concurrent requests limit of ${limit} reached`,
    tokens_per_day: `tokens per day limit of ${limit} reached`,
    tokens_per_month: `tokens per month limit of ${limit} reached`,
  };
  const never = amount > limit ? ` (this request's estimate of ${amount} tokens exceeds it on its own)` : '';
  return new Rejection({
    type: 'rejected',
    limit: step.name,
    limitValue: limit,
    retryAfterMs,
    message: `${what[step.name]}${never}`,
  });
}

async function readLimits(tx: SqlExecutor, tenantId: string): Promise<TenantLimits> {
  const rows = await tx.query(
    'SELECT requests_per_minute, concurrent, tokens_per_day, tokens_per_month FROM tenants WHERE id = ?',
    [tenantId],
  );
  const row = rows[0];
  if (row === undefined) throw new CorralError('not_found', `tenant ${tenantId} not found`);
  const limits: TenantLimits = {};
  const rpm = optInt(row, 'requests_per_minute');
  const concurrent = optInt(row, 'concurrent');
  const perDay = optInt(row, 'tokens_per_day');
  const perMonth = optInt(row, 'tokens_per_month');
  if (rpm !== undefined) limits.requestsPerMinute = rpm;
  if (concurrent !== undefined) limits.concurrent = concurrent;
  if (perDay !== undefined) limits.tokensPerDay = perDay;
  if (perMonth !== undefined) limits.tokensPerMonth = perMonth;
  return limits;
}

export async function reserve(
  db: SqlDb,
  tenantId: string,
  estimatedTokens: number,
  nowMs: number,
): Promise<ReserveResult> {
  if (!Number.isSafeInteger(estimatedTokens) || estimatedTokens < 0)
    throw new CorralError('invalid_request', `estimatedTokens must be a non-negative integer`);
  try {
    return await db.transaction(async (tx) => {
      const limits = await readLimits(tx, tenantId);
      // Always the same order, so two transactions never wait on each other's rows (no deadlock).
      const steps: CounterStep[] = [
        {
          kind: 'requests_minute',
          windowStart: minuteStart(nowMs),
          amount: 1,
          limit: limits.requestsPerMinute,
          name: 'requests_per_minute',
          resetAt: minuteStart(nowMs) + MINUTE_MS,
        },
        {
          kind: 'concurrent',
          windowStart: 0,
          amount: 1,
          limit: limits.concurrent,
          name: 'concurrent',
          resetAt: undefined,
        },
        {
          kind: 'tokens_day',
          windowStart: dayStart(nowMs),
          amount: estimatedTokens,
          limit: limits.tokensPerDay,
          name: 'tokens_per_day',
          resetAt: nextDayStart(nowMs),
        },
        {
          kind: 'tokens_month',
          windowStart: monthStart(nowMs),
          amount: estimatedTokens,
          limit: limits.tokensPerMonth,
          name: 'tokens_per_month',
          resetAt: nextMonthStart(nowMs),
        },
      ];
      for (const step of steps) {
        const fits = step.limit === undefined || (step.limit > 0 && step.amount <= step.limit);
        if (!fits || !(await addWithin(tx, tenantId, step))) throw rejection(step, nowMs, step.amount);
      }
      const id = `rsv_${randomUUID()}`;
      await tx.query(
        `INSERT INTO quota_reservations (id, tenant_id, estimated_tokens, day_start, month_start, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [id, tenantId, estimatedTokens, dayStart(nowMs), monthStart(nowMs), nowMs],
      );
      return { type: 'reserved', reservation: { id, tenantId, estimatedTokens, createdAt: nowMs } } as const;
    });
  } catch (error) {
    if (error instanceof Rejection) return error.result;
    throw error;
  }
}

/**
 * Deleting the reservation row is the claim: only the caller whose DELETE returned it adjusts
 * the counters, so settling or releasing twice (or concurrently) is counted once.
 */
async function finish(
  tx: SqlExecutor,
  reservationId: string,
  actualTokens: number | undefined,
): Promise<boolean> {
  const rows = await tx.query('DELETE FROM quota_reservations WHERE id = ? RETURNING *', [reservationId]);
  const row = rows[0];
  if (row === undefined) return false;
  const tenantId = str(row, 'tenant_id');
  const delta = (actualTokens ?? 0) - int(row, 'estimated_tokens');
  // Same order as `reserve`: concurrent, then day, then month.
  await addTo(tx, tenantId, 'concurrent', 0, -1);
  if (delta !== 0) {
    await addTo(tx, tenantId, 'tokens_day', int(row, 'day_start'), delta);
    await addTo(tx, tenantId, 'tokens_month', int(row, 'month_start'), delta);
  }
  return true;
}

export async function settle(
  db: SqlDb,
  reservationId: string,
  actual: TokenCount,
  usage: UsageInput | undefined,
  audit: boolean,
): Promise<boolean> {
  const tokens = actual.inputTokens + actual.outputTokens;
  if (!Number.isSafeInteger(tokens) || tokens < 0)
    throw new CorralError('invalid_request', 'token counts must be non-negative integers');
  return db.transaction(async (tx) => {
    const settled = await finish(tx, reservationId, tokens);
    if (usage !== undefined) await insertUsage(tx, usage, audit);
    return settled;
  });
}

export function release(db: SqlDb, reservationId: string): Promise<boolean> {
  return db.transaction((tx) => finish(tx, reservationId, undefined));
}

export async function sweepReservations(db: SqlDb, olderThanMs: number, nowMs: number): Promise<number> {
  const stale = await db.query('SELECT id FROM quota_reservations WHERE created_at < ?', [
    nowMs - olderThanMs,
  ]);
  let released = 0;
  for (const row of stale) if (await release(db, str(row, 'id'))) released++;
  // Counters of windows that ended over a month ago can no longer gate anything.
  await db.query("DELETE FROM quota_counters WHERE kind <> 'concurrent' AND window_start < ?", [
    monthStart(monthStart(nowMs) - 1),
  ]);
  return released;
}

export async function getQuotaUsage(db: SqlExecutor, tenantId: string, nowMs: number): Promise<QuotaUsage> {
  const rows = await db.query(
    `SELECT kind, used FROM quota_counters WHERE tenant_id = ? AND (
       (kind = 'requests_minute' AND window_start = ?) OR (kind = 'concurrent' AND window_start = 0) OR
       (kind = 'tokens_day' AND window_start = ?) OR (kind = 'tokens_month' AND window_start = ?))`,
    [tenantId, minuteStart(nowMs), dayStart(nowMs), monthStart(nowMs)],
  );
  const used = (kind: CounterKind) => {
    const row = rows.find((r) => r['kind'] === kind);
    return row === undefined ? 0 : int(row, 'used');
  };
  return {
    requestsThisMinute: used('requests_minute'),
    concurrent: used('concurrent'),
    tokensToday: used('tokens_day'),
    tokensThisMonth: used('tokens_month'),
  };
}
