import { randomUUID } from 'node:crypto';
import { CorralError } from '../core/errors.js';
import type { ApiKey, CreatedKey, KeyInput, VerifiedKey } from '../core/store-port.js';
import { generateKeySecret, hashesEqual, hashKey, isWellFormedKey, keyPrefix } from './api-key-secret.js';
import { int, optInt, optStr, str } from './rows.js';
import type { SqlExecutor, SqlParam, SqlRow } from './sql-db.js';
import { TENANT_COLUMNS, toTenant } from './tenant-queries.js';

/** Public columns only: listing code can never return `key_hash` by accident. */
const KEY_COLUMNS =
  'k.id, k.tenant_id, k.user_id, k.label, k.prefix, k.created_at, k.expires_at, k.revoked_at, k.last_used_at';

/** `last_used_at` is refreshed at most this often, so verification is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

function toKey(row: SqlRow): ApiKey {
  const key: ApiKey = {
    id: str(row, 'id'),
    tenantId: str(row, 'tenant_id'),
    label: str(row, 'label'),
    prefix: str(row, 'prefix'),
    createdAt: int(row, 'created_at'),
  };
  const userId = optStr(row, 'user_id');
  const expiresAt = optInt(row, 'expires_at');
  const revokedAt = optInt(row, 'revoked_at');
  const lastUsedAt = optInt(row, 'last_used_at');
  if (userId !== undefined) key.userId = userId;
  if (expiresAt !== undefined) key.expiresAt = expiresAt;
  if (revokedAt !== undefined) key.revokedAt = revokedAt;
  if (lastUsedAt !== undefined) key.lastUsedAt = lastUsedAt;
  return key;
}

export async function getKey(db: SqlExecutor, id: string): Promise<ApiKey | undefined> {
  const rows = await db.query(`SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.id = ?`, [id]);
  return rows[0] === undefined ? undefined : toKey(rows[0]);
}

async function mustGetKey(db: SqlExecutor, id: string): Promise<ApiKey> {
  const key = await getKey(db, id);
  if (key === undefined) throw new CorralError('not_found', `key ${id} not found`);
  return key;
}

export async function createKey(db: SqlExecutor, input: KeyInput, nowMs: number): Promise<CreatedKey> {
  const tenant = await db.query('SELECT id FROM tenants WHERE id = ?', [input.tenantId]);
  if (tenant.length === 0) throw new CorralError('not_found', `tenant ${input.tenantId} not found`);
  if (input.userId !== undefined) {
    const user = await db.query('SELECT id FROM users WHERE id = ?', [input.userId]);
    if (user.length === 0) throw new CorralError('not_found', `user ${input.userId} not found`);
  }
  const secret = generateKeySecret();
  const id = `key_${randomUUID()}`;
  await db.query(
    `INSERT INTO api_keys (id, tenant_id, user_id, label, prefix, key_hash, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      input.tenantId,
      input.userId ?? null,
      input.label ?? '',
      secret.prefix,
      secret.hash,
      nowMs,
      input.expiresAt ?? null,
    ],
  );
  return { key: await mustGetKey(db, id), plaintext: secret.plaintext };
}

export async function listKeys(
  db: SqlExecutor,
  filter: { tenantId?: string; userId?: string } = {},
): Promise<ApiKey[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (filter.tenantId !== undefined) {
    where.push('k.tenant_id = ?');
    params.push(filter.tenantId);
  }
  if (filter.userId !== undefined) {
    where.push('k.user_id = ?');
    params.push(filter.userId);
  }
  const clause = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  const rows = await db.query(
    `SELECT ${KEY_COLUMNS} FROM api_keys k ${clause} ORDER BY k.created_at, k.id`,
    params,
  );
  return rows.map(toKey);
}

export async function updateKey(
  db: SqlExecutor,
  id: string,
  patch: { label?: string; expiresAt?: number | null },
): Promise<ApiKey> {
  if (patch.label !== undefined)
    await db.query('UPDATE api_keys SET label = ? WHERE id = ?', [patch.label, id]);
  if (patch.expiresAt !== undefined)
    await db.query('UPDATE api_keys SET expires_at = ? WHERE id = ?', [patch.expiresAt, id]);
  return mustGetKey(db, id);
}

export async function revokeKey(db: SqlExecutor, id: string, nowMs: number): Promise<ApiKey> {
  await db.query('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [nowMs, id]);
  return mustGetKey(db, id);
}

/**
 * Looks candidates up by the public prefix, then compares full hashes in constant time, so the
 * comparison leaks nothing about the secret part. Every candidate is compared (no early exit)
 * although prefixes are 47 random bits and a collision is all but impossible.
 */
export async function verifyKey(
  db: SqlExecutor,
  plaintext: string,
  nowMs: number,
): Promise<VerifiedKey | undefined> {
  if (!isWellFormedKey(plaintext)) return undefined;
  const hash = hashKey(plaintext);
  const rows = await db.query(
    `SELECT ${KEY_COLUMNS}, k.key_hash, ${TENANT_COLUMNS.replace(/t\.(\w+)/g, 't.$1 AS tenant_$1')}
     FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = ?`,
    [keyPrefix(plaintext)],
  );
  let match: SqlRow | undefined;
  for (const row of rows) if (hashesEqual(str(row, 'key_hash'), hash)) match = row;
  if (match === undefined) return undefined;
  const key = toKey(match);
  if (key.revokedAt !== undefined && key.revokedAt <= nowMs) return undefined;
  if (key.expiresAt !== undefined && key.expiresAt <= nowMs) return undefined;
  const tenantRow: SqlRow = {};
  for (const [column, value] of Object.entries(match))
    if (column.startsWith('tenant_') && column !== 'tenant_id') tenantRow[column.slice(7)] = value;
  tenantRow['id'] = key.tenantId;
  if (key.lastUsedAt === undefined || key.lastUsedAt <= nowMs - LAST_USED_RESOLUTION_MS) {
    await db.query(
      'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)',
      [nowMs, key.id, nowMs - LAST_USED_RESOLUTION_MS],
    );
    key.lastUsedAt = nowMs;
  }
  return { key, tenant: toTenant(tenantRow) };
}
