import { CorralError } from '../core/errors.js';
import type {
  UsageDimension,
  UsageFilter,
  UsageGroup,
  UsageInput,
  UsageQuery,
  UsageRecord,
} from '../core/store-port.js';
import type { ClientProtocol } from '../core/chat.js';
import { bool, int, optStr, str } from './rows.js';
import type { SqlDb, SqlExecutor, SqlParam, SqlRow } from './sql-db.js';

function checkCount(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new CorralError('invalid_request', `${name} must be a non-negative number, got ${value}`);
  return value;
}

/**
 * One row per request id: a retried write after an uncertain commit keeps the first row, so
 * usage is never counted twice. `audit_text` is written only when the audit option is on.
 */
export async function insertUsage(tx: SqlExecutor, row: UsageInput, audit: boolean): Promise<void> {
  await tx.query(
    `INSERT INTO usage (request_id, tenant_id, key_id, model, backend, is_cloud, protocol, input_tokens,
       output_tokens, queue_wait_ms, processing_ms, status, cancelled, finished_at, audit_text, cost_micro_usd)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`,
    [
      row.requestId,
      row.tenantId,
      row.keyId ?? null,
      row.model,
      row.backend,
      row.isCloud,
      row.protocol,
      Math.round(checkCount('inputTokens', row.inputTokens)),
      Math.round(checkCount('outputTokens', row.outputTokens)),
      Math.round(checkCount('queueWaitMs', row.queueWaitMs)),
      Math.round(checkCount('processingMs', row.processingMs)),
      row.status,
      row.cancelled,
      Math.round(row.finishedAt),
      audit ? (row.auditText ?? null) : null,
      Math.round(checkCount('costUsd', row.costUsd ?? 0) * 1e6),
    ],
  );
}

const PROTOCOLS: readonly string[] = ['ollama', 'openai', 'anthropic'] satisfies ClientProtocol[];

function toProtocol(value: string): ClientProtocol {
  if (PROTOCOLS.includes(value)) return value as ClientProtocol;
  throw new Error(`unexpected protocol in usage row: ${value}`);
}

function toUsage(row: SqlRow): UsageRecord {
  const record: UsageRecord = {
    id: int(row, 'id'),
    requestId: str(row, 'request_id'),
    tenantId: str(row, 'tenant_id'),
    model: str(row, 'model'),
    backend: str(row, 'backend'),
    isCloud: bool(row, 'is_cloud'),
    protocol: toProtocol(str(row, 'protocol')),
    inputTokens: int(row, 'input_tokens'),
    outputTokens: int(row, 'output_tokens'),
    queueWaitMs: int(row, 'queue_wait_ms'),
    processingMs: int(row, 'processing_ms'),
    status: str(row, 'status'),
    cancelled: bool(row, 'cancelled'),
    finishedAt: int(row, 'finished_at'),
    costUsd: int(row, 'cost_micro_usd') / 1e6,
  };
  const keyId = optStr(row, 'key_id');
  const auditText = optStr(row, 'audit_text');
  if (keyId !== undefined) record.keyId = keyId;
  if (auditText !== undefined) record.auditText = auditText;
  return record;
}

function whereClause(filter: UsageFilter): { sql: string; params: SqlParam[] } {
  const parts = ['finished_at >= ?', 'finished_at < ?'];
  const params: SqlParam[] = [filter.from, filter.to];
  const optional: Array<[string, string | undefined]> = [
    ['tenant_id', filter.tenantId],
    ['key_id', filter.keyId],
    ['model', filter.model],
  ];
  for (const [column, value] of optional) {
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    params.push(value);
  }
  return { sql: `WHERE ${parts.join(' AND ')}`, params };
}

export async function listUsage(
  db: SqlExecutor,
  filter: UsageFilter & { limit?: number },
): Promise<UsageRecord[]> {
  const where = whereClause(filter);
  const limit = Math.max(1, Math.min(Math.trunc(filter.limit ?? 1000), 100_000));
  const rows = await db.query(`SELECT * FROM usage ${where.sql} ORDER BY finished_at DESC, id DESC LIMIT ?`, [
    ...where.params,
    limit,
  ]);
  return rows.map(toUsage);
}

/** UTC calendar day of an epoch-ms column, the same text in both dialects. */
function dayExpression(dialect: SqlDb['dialect']): string {
  return dialect === 'sqlite'
    ? "strftime('%Y-%m-%d', finished_at / 1000, 'unixepoch')"
    : "to_char(to_timestamp(finished_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
}

const DIMENSION_COLUMNS: Record<Exclude<UsageDimension, 'day'>, string> = {
  tenant: 'tenant_id',
  key: "COALESCE(key_id, '')",
  model: 'model',
  backend: 'backend',
  protocol: 'protocol',
  status: 'status',
};

export async function queryUsage(db: SqlDb, query: UsageQuery): Promise<UsageGroup[]> {
  const dims: UsageDimension[] = [];
  for (const dim of typeof query.groupBy === 'string' ? [query.groupBy] : (query.groupBy ?? []))
    if (!dims.includes(dim)) dims.push(dim);
  const selected = dims.map(
    (dim, i) => `${dim === 'day' ? dayExpression(db.dialect) : DIMENSION_COLUMNS[dim]} AS g${i}`,
  );
  const where = whereClause(query);
  const groupSql = dims.length === 0 ? '' : `GROUP BY ${dims.map((_, i) => `g${i}`).join(', ')}`;
  const orderSql = dims.length === 0 ? '' : `ORDER BY ${dims.map((_, i) => `g${i}`).join(', ')}`;
  const rows = await db.query(
    `SELECT ${[...selected, 'COUNT(*) AS requests'].join(', ')},
       SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
       SUM(CASE WHEN status <> 'ok' THEN 1 ELSE 0 END) AS errors,
       SUM(CASE WHEN cancelled THEN 1 ELSE 0 END) AS cancelled,
       SUM(queue_wait_ms) AS queue_wait_ms, SUM(processing_ms) AS processing_ms,
       SUM(CASE WHEN is_cloud THEN 1 ELSE 0 END) AS cloud_requests, SUM(cost_micro_usd) AS cost_micro_usd
     FROM usage ${where.sql} ${groupSql} ${orderSql}`,
    where.params,
  );
  // Without groupBy, SQL returns one row even for no requests (SUMs NULL, read as 0): the total.
  return rows.map((row) => {
    const group: Partial<Record<UsageDimension, string>> = {};
    dims.forEach((dim, i) => (group[dim] = str(row, `g${i}`)));
    return {
      group,
      requests: int(row, 'requests'),
      inputTokens: int(row, 'input_tokens'),
      outputTokens: int(row, 'output_tokens'),
      errors: int(row, 'errors'),
      cancelled: int(row, 'cancelled'),
      queueWaitMs: int(row, 'queue_wait_ms'),
      processingMs: int(row, 'processing_ms'),
      cloudRequests: int(row, 'cloud_requests'),
      costUsd: int(row, 'cost_micro_usd') / 1e6,
    };
  });
}
