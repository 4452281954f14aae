import type {
  ApiKey,
  CreatedKey,
  KeyInput,
  NowOption,
  QuotaUsage,
  ReserveResult,
  Store,
  Team,
  Tenant,
  TenantInput,
  TenantPatch,
  TokenCount,
  UsageFilter,
  UsageGroup,
  UsageInput,
  UsageQuery,
  UsageRecord,
  User,
  VerifiedKey,
} from '../core/store-port.js';
import * as keys from './key-queries.js';
import * as quotas from './quota-queries.js';
import type { SqlDb } from './sql-db.js';
import * as tenants from './tenant-queries.js';
import * as usage from './usage-queries.js';

export interface SqlStoreOptions {
  /** Keep `auditText` of usage rows (prompt/completion text). Off by default. */
  audit?: boolean;
  /** Wall clock, epoch ms; `nowMs` on a call wins. */
  now?: () => number;
}

/**
 * The `Store` for both dialects: the queries are written once (see `sql-db.ts`), and the few
 * dialect differences live in the migrations and `usage-queries.ts`.
 */
export class SqlStore implements Store {
  readonly kind: Store['kind'];
  readonly #db: SqlDb;
  readonly #audit: boolean;
  readonly #now: () => number;

  constructor(db: SqlDb, options: SqlStoreOptions = {}) {
    this.kind = db.dialect;
    this.#db = db;
    this.#audit = options.audit ?? false;
    this.#now = options.now ?? Date.now;
  }

  #nowMs(opts?: NowOption): number {
    return opts?.nowMs ?? this.#now();
  }

  createTeam(input: { id?: string; name: string }, opts?: NowOption): Promise<Team> {
    return tenants.createTeam(this.#db, input, this.#nowMs(opts));
  }
  listTeams(): Promise<Team[]> {
    return tenants.listTeams(this.#db);
  }
  createUser(input: { id?: string; name: string; teamId?: string }, opts?: NowOption): Promise<User> {
    return this.#db.transaction((tx) => tenants.createUser(tx, input, this.#nowMs(opts)));
  }
  getUser(id: string): Promise<User | undefined> {
    return tenants.getUser(this.#db, id);
  }
  listUsers(filter?: { teamId?: string }): Promise<User[]> {
    return tenants.listUsers(this.#db, filter);
  }

  createTenant(input: TenantInput, opts?: NowOption): Promise<Tenant> {
    return this.#db.transaction((tx) => tenants.createTenant(tx, input, this.#nowMs(opts)));
  }
  getTenant(id: string): Promise<Tenant | undefined> {
    return tenants.getTenant(this.#db, id);
  }
  listTenants(): Promise<Tenant[]> {
    return tenants.listTenants(this.#db);
  }
  updateTenant(id: string, patch: TenantPatch): Promise<Tenant> {
    return this.#db.transaction((tx) => tenants.updateTenant(tx, id, patch));
  }

  createKey(input: KeyInput, opts?: NowOption): Promise<CreatedKey> {
    return this.#db.transaction((tx) => keys.createKey(tx, input, this.#nowMs(opts)));
  }
  getKey(id: string): Promise<ApiKey | undefined> {
    return keys.getKey(this.#db, id);
  }
  listKeys(filter?: { tenantId?: string; userId?: string }): Promise<ApiKey[]> {
    return keys.listKeys(this.#db, filter);
  }
  updateKey(id: string, patch: { label?: string; expiresAt?: number | null }): Promise<ApiKey> {
    return this.#db.transaction((tx) => keys.updateKey(tx, id, patch));
  }
  revokeKey(id: string, opts?: NowOption): Promise<ApiKey> {
    return this.#db.transaction((tx) => keys.revokeKey(tx, id, this.#nowMs(opts)));
  }
  verifyKey(plaintext: string, opts?: NowOption): Promise<VerifiedKey | undefined> {
    return keys.verifyKey(this.#db, plaintext, this.#nowMs(opts));
  }

  reserve(tenantId: string, opts: { estimatedTokens: number; nowMs?: number }): Promise<ReserveResult> {
    return quotas.reserve(this.#db, tenantId, opts.estimatedTokens, this.#nowMs(opts));
  }
  settle(reservationId: string, actual: TokenCount, usageRow?: UsageInput): Promise<boolean> {
    return quotas.settle(this.#db, reservationId, actual, usageRow, this.#audit);
  }
  release(reservationId: string): Promise<boolean> {
    return quotas.release(this.#db, reservationId);
  }
  sweepReservations(opts: { olderThanMs: number; nowMs?: number }): Promise<number> {
    return quotas.sweepReservations(this.#db, opts.olderThanMs, this.#nowMs(opts));
  }
  getQuotaUsage(tenantId: string, opts?: NowOption): Promise<QuotaUsage> {
    return quotas.getQuotaUsage(this.#db, tenantId, this.#nowMs(opts));
  }

  recordUsage(row: UsageInput): Promise<void> {
    return this.#db.transaction((tx) => usage.insertUsage(tx, row, this.#audit));
  }
  listUsage(filter: UsageFilter & { limit?: number }): Promise<UsageRecord[]> {
    return usage.listUsage(this.#db, filter);
  }
  queryUsage(query: UsageQuery): Promise<UsageGroup[]> {
    return usage.queryUsage(this.#db, query);
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
