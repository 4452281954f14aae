import { randomUUID } from 'node:crypto';
import { CorralError } from '../core/errors.js';
import type { Team, Tenant, TenantInput, TenantLimits, TenantPatch, User } from '../core/store-port.js';
import { int, optInt, optStr, str, stringArray, bool, float } from './rows.js';
import type { SqlExecutor, SqlParam, SqlRow } from './sql-db.js';

export const TENANT_COLUMNS =
  't.id, t.name, t.weight, t.priority, t.allowed_models, t.cloud_fallback, t.requests_per_minute, ' +
  't.concurrent, t.tokens_per_day, t.tokens_per_month, t.created_at';

export function toTenant(row: SqlRow): Tenant {
  const limits: TenantLimits = {};
  const rpm = optInt(row, 'requests_per_minute');
  const concurrent = optInt(row, 'concurrent');
  const perDay = optInt(row, 'tokens_per_day');
  const perMonth = optInt(row, 'tokens_per_month');
  if (rpm !== undefined) limits.requestsPerMinute = rpm;
  if (concurrent !== undefined) limits.concurrent = concurrent;
  if (perDay !== undefined) limits.tokensPerDay = perDay;
  if (perMonth !== undefined) limits.tokensPerMonth = perMonth;
  return {
    id: str(row, 'id'),
    name: str(row, 'name'),
    weight: float(row, 'weight'),
    priority: str(row, 'priority'),
    allowedModels: stringArray(row, 'allowed_models'),
    cloudFallback: bool(row, 'cloud_fallback'),
    limits,
    createdAt: int(row, 'created_at'),
  };
}

function checkLimit(name: string, value: number | null | undefined): void {
  if (value === null || value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new CorralError('invalid_request', `${name} must be a non-negative integer, got ${value}`);
}

function checkTenantFields(fields: TenantPatch): void {
  if (fields.weight !== undefined && !(Number.isFinite(fields.weight) && fields.weight > 0))
    throw new CorralError('invalid_request', `weight must be a positive number, got ${fields.weight}`);
  for (const [name, value] of Object.entries(fields.limits ?? {})) checkLimit(name, value);
}

export async function getTenant(db: SqlExecutor, id: string): Promise<Tenant | undefined> {
  const rows = await db.query(`SELECT ${TENANT_COLUMNS} FROM tenants t WHERE t.id = ?`, [id]);
  return rows[0] === undefined ? undefined : toTenant(rows[0]);
}

export async function listTenants(db: SqlExecutor): Promise<Tenant[]> {
  const rows = await db.query(`SELECT ${TENANT_COLUMNS} FROM tenants t ORDER BY t.id`);
  return rows.map(toTenant);
}

export async function createTenant(db: SqlExecutor, input: TenantInput, nowMs: number): Promise<Tenant> {
  checkTenantFields(input);
  const id = input.id ?? `tnt_${randomUUID()}`;
  const limits = input.limits ?? {};
  const rows = await db.query(
    `INSERT INTO tenants (id, name, weight, priority, allowed_models, cloud_fallback, requests_per_minute,
       concurrent, tokens_per_day, tokens_per_month, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      id,
      input.name,
      input.weight ?? 1,
      input.priority ?? 'default',
      JSON.stringify(input.allowedModels ?? []),
      input.cloudFallback ?? false,
      limits.requestsPerMinute ?? null,
      limits.concurrent ?? null,
      limits.tokensPerDay ?? null,
      limits.tokensPerMonth ?? null,
      nowMs,
    ],
  );
  if (rows.length === 0) throw new CorralError('invalid_request', `tenant ${id} already exists`);
  const tenant = await getTenant(db, id);
  if (tenant === undefined) throw new Error(`tenant ${id} vanished after insert`);
  return tenant;
}

const LIMIT_COLUMNS: Record<keyof TenantLimits, string> = {
  requestsPerMinute: 'requests_per_minute',
  concurrent: 'concurrent',
  tokensPerDay: 'tokens_per_day',
  tokensPerMonth: 'tokens_per_month',
};

export async function updateTenant(db: SqlExecutor, id: string, patch: TenantPatch): Promise<Tenant> {
  checkTenantFields(patch);
  const sets: string[] = [];
  const params: SqlParam[] = [];
  const set = (column: string, value: SqlParam) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (patch.name !== undefined) set('name', patch.name);
  if (patch.weight !== undefined) set('weight', patch.weight);
  if (patch.priority !== undefined) set('priority', patch.priority);
  if (patch.allowedModels !== undefined) set('allowed_models', JSON.stringify(patch.allowedModels));
  if (patch.cloudFallback !== undefined) set('cloud_fallback', patch.cloudFallback);
  for (const [name, column] of Object.entries(LIMIT_COLUMNS)) {
    const value = patch.limits?.[name as keyof TenantLimits];
    if (value !== undefined) set(column, value);
  }
  if (sets.length > 0) await db.query(`UPDATE tenants SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  const tenant = await getTenant(db, id);
  if (tenant === undefined) throw new CorralError('not_found', `tenant ${id} not found`);
  return tenant;
}

function toTeam(row: SqlRow): Team {
  return { id: str(row, 'id'), name: str(row, 'name'), createdAt: int(row, 'created_at') };
}

function toUser(row: SqlRow): User {
  const teamId = optStr(row, 'team_id');
  return {
    id: str(row, 'id'),
    name: str(row, 'name'),
    ...(teamId === undefined ? {} : { teamId }),
    createdAt: int(row, 'created_at'),
  };
}

export async function createTeam(db: SqlExecutor, input: { id?: string; name: string }, nowMs: number) {
  const id = input.id ?? `team_${randomUUID()}`;
  const rows = await db.query(
    'INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *',
    [id, input.name, nowMs],
  );
  if (rows[0] === undefined) throw new CorralError('invalid_request', `team ${id} already exists`);
  return toTeam(rows[0]);
}

export async function listTeams(db: SqlExecutor): Promise<Team[]> {
  return (await db.query('SELECT * FROM teams ORDER BY id')).map(toTeam);
}

export async function createUser(
  db: SqlExecutor,
  input: { id?: string; name: string; teamId?: string },
  nowMs: number,
): Promise<User> {
  if (input.teamId !== undefined) {
    const team = await db.query('SELECT id FROM teams WHERE id = ?', [input.teamId]);
    if (team.length === 0) throw new CorralError('not_found', `team ${input.teamId} not found`);
  }
  const id = input.id ?? `usr_${randomUUID()}`;
  const rows = await db.query(
    `INSERT INTO users (id, name, team_id, created_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING RETURNING *`,
    [id, input.name, input.teamId ?? null, nowMs],
  );
  if (rows[0] === undefined) throw new CorralError('invalid_request', `user ${id} already exists`);
  return toUser(rows[0]);
}

export async function getUser(db: SqlExecutor, id: string): Promise<User | undefined> {
  const rows = await db.query('SELECT * FROM users WHERE id = ?', [id]);
  return rows[0] === undefined ? undefined : toUser(rows[0]);
}

export async function listUsers(db: SqlExecutor, filter: { teamId?: string } = {}): Promise<User[]> {
  const rows =
    filter.teamId === undefined
      ? await db.query('SELECT * FROM users ORDER BY id')
      : await db.query('SELECT * FROM users WHERE team_id = ? ORDER BY id', [filter.teamId]);
  return rows.map(toUser);
}
