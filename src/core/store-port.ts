/**
 * The persistence port (DESIGN.md §2, store layer): keys, tenants, quotas and usage. `src/store`
 * implements it on SQLite and PostgreSQL; the gateway, the auth hook and the admin API see only
 * this interface. Times are wall-clock epoch milliseconds (not the monotonic `Clock`): they are
 * persisted and compared across processes and restarts. Methods that depend on "now" take an
 * optional `nowMs` so tests and callers can pin it; the default is `Date.now()`.
 */
import type { ClientProtocol } from './chat.js';

export interface Team {
  id: string;
  name: string;
  createdAt: number;
}

export interface User {
  id: string;
  name: string;
  teamId?: string;
  createdAt: number;
}

/** Absent limit = unlimited. */
export interface TenantLimits {
  requestsPerMinute?: number;
  concurrent?: number;
  tokensPerDay?: number;
  tokensPerMonth?: number;
}

export interface Tenant {
  id: string;
  name: string;
  /** Share of capacity in the fair queue relative to other tenants; default 1. */
  weight: number;
  /** Priority class name the scheduler understands (`interactive`, `default`, `batch`); default `default`. */
  priority: string;
  /** Models this tenant may use; empty means all. */
  allowedModels: string[];
  /** Whether requests may overflow to a cloud backend. */
  cloudFallback: boolean;
  limits: TenantLimits;
  createdAt: number;
}

export interface TenantInput {
  /** A slug chosen by the admin; generated when absent. */
  id?: string;
  name: string;
  weight?: number;
  priority?: string;
  allowedModels?: string[];
  cloudFallback?: boolean;
  limits?: TenantLimits;
}

/** Fields to change; in `limits`, `null` removes a limit and an absent field keeps it. */
export interface TenantPatch {
  name?: string;
  weight?: number;
  priority?: string;
  allowedModels?: string[];
  cloudFallback?: boolean;
  limits?: { [K in keyof TenantLimits]?: number | null };
}

/** A key as listed: never the plaintext, never the hash. */
export interface ApiKey {
  id: string;
  tenantId: string;
  userId?: string;
  label: string;
  /** Public, non-secret start of the key (`crl_` + 8 chars), for display and lookup. */
  prefix: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  /** Updated at most once a minute per key, so verification is not a write per request. */
  lastUsedAt?: number;
}

export interface KeyInput {
  tenantId: string;
  userId?: string;
  label?: string;
  expiresAt?: number;
}

/** `plaintext` exists only in this value: it is shown once and never stored. */
export interface CreatedKey {
  key: ApiKey;
  plaintext: string;
}

export interface VerifiedKey {
  key: ApiKey;
  tenant: Tenant;
}

export type QuotaLimitName = 'requests_per_minute' | 'concurrent' | 'tokens_per_day' | 'tokens_per_month';

/**
 * Budget held for one request between `reserve` and `settle`/`release`. Token windows are the
 * ones current at reservation time: a request that crosses midnight is billed to the day it
 * started in.
 */
export interface QuotaReservation {
  id: string;
  tenantId: string;
  estimatedTokens: number;
  createdAt: number;
}

export type ReserveResult =
  | { type: 'reserved'; reservation: QuotaReservation }
  | {
      type: 'rejected';
      limit: QuotaLimitName;
      /** The configured limit that was hit. */
      limitValue: number;
      /** When the window resets (for `concurrent`, a hint: a slot frees when a request ends). */
      retryAfterMs: number;
      /** Human-readable, names the limit: meant for the 429 body. */
      message: string;
    };

/** Counters of the windows current at `nowMs`. */
export interface QuotaUsage {
  requestsThisMinute: number;
  concurrent: number;
  tokensToday: number;
  tokensThisMonth: number;
}

export interface TokenCount {
  inputTokens: number;
  outputTokens: number;
}

/** One finished request. No prompt or completion text unless the store was opened with `audit`. */
export interface UsageInput extends TokenCount {
  /** Gateway request id; recording the same id twice keeps the first row (safe to retry). */
  requestId: string;
  tenantId: string;
  keyId?: string;
  model: string;
  /** Backend name (an Ollama host, or e.g. `anthropic` for the cloud). */
  backend: string;
  isCloud: boolean;
  /** US dollars the cloud charged for this request (0 for local backends); stored to the micro-dollar. */
  costUsd?: number;
  protocol: ClientProtocol;
  queueWaitMs: number;
  processingMs: number;
  /** `ok`, or the error kind the request ended with. */
  status: string;
  cancelled: boolean;
  finishedAt: number;
  /** Prompt/completion text; dropped unless the store's audit option is on. */
  auditText?: string;
}

export interface UsageRecord extends UsageInput {
  id: number;
}

export type UsageDimension = 'tenant' | 'key' | 'model' | 'backend' | 'protocol' | 'status' | 'day';

/** `from` inclusive, `to` exclusive, on `finishedAt`. */
export interface UsageFilter {
  from: number;
  to: number;
  tenantId?: string;
  keyId?: string;
  model?: string;
}

export interface UsageQuery extends UsageFilter {
  /** Empty or absent: one total row. `day` is the UTC date `YYYY-MM-DD`. */
  groupBy?: UsageDimension | readonly UsageDimension[];
}

export interface UsageGroup {
  /** The values of the grouped dimensions, e.g. `{ tenant: 'acme', day: '2026-11-25' }`. */
  group: Partial<Record<UsageDimension, string>>;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  errors: number;
  cancelled: number;
  queueWaitMs: number;
  processingMs: number;
  /** Requests served by the cloud fallback, and what they cost in US dollars. */
  cloudRequests: number;
  costUsd: number;
}

export interface NowOption {
  nowMs?: number;
}

export interface KeyStore {
  createTeam(input: { id?: string; name: string }, opts?: NowOption): Promise<Team>;
  listTeams(): Promise<Team[]>;
  createUser(input: { id?: string; name: string; teamId?: string }, opts?: NowOption): Promise<User>;
  getUser(id: string): Promise<User | undefined>;
  listUsers(filter?: { teamId?: string }): Promise<User[]>;

  createTenant(input: TenantInput, opts?: NowOption): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | undefined>;
  listTenants(): Promise<Tenant[]>;
  /** Throws `not_found` for an unknown tenant. */
  updateTenant(id: string, patch: TenantPatch): Promise<Tenant>;

  /** Throws `not_found` for an unknown tenant or user. */
  createKey(input: KeyInput, opts?: NowOption): Promise<CreatedKey>;
  getKey(id: string): Promise<ApiKey | undefined>;
  listKeys(filter?: { tenantId?: string; userId?: string }): Promise<ApiKey[]>;
  /** `expiresAt: null` removes the expiry. Throws `not_found` for an unknown key. */
  updateKey(id: string, patch: { label?: string; expiresAt?: number | null }): Promise<ApiKey>;
  /** Idempotent: revoking twice keeps the first time. Throws `not_found` for an unknown key. */
  revokeKey(id: string, opts?: NowOption): Promise<ApiKey>;
  /** The key and its tenant, or undefined when unknown, malformed, revoked or expired. */
  verifyKey(plaintext: string, opts?: NowOption): Promise<VerifiedKey | undefined>;
}

/**
 * Quotas, exact under concurrency (every check-and-increment is one conditional UPDATE inside a
 * transaction, never a read followed by a write).
 *
 * - `reserve` before queueing: counts one request in the current minute, takes a concurrency
 *   slot, and adds `estimatedTokens` to today's and this month's counters, all or nothing. A
 *   limit that would be exceeded rejects the request and changes nothing. The tenant's limits
 *   are read in the same transaction, so a changed limit applies to the next request.
 * - `settle` after completion: replaces the estimate with the actual tokens (which may exceed a
 *   limit: the next reservation is then rejected), frees the slot, and, given a usage row,
 *   records it in the same transaction. Returns false when the reservation was already settled
 *   or released, so a double settle cannot double-spend.
 * - `release` on cancel before any generation: gives back the estimate and the slot; the request
 *   still counts towards requests per minute. A request cancelled mid-generation is settled with
 *   the tokens it consumed.
 * - `sweepReservations` releases reservations older than `olderThanMs` (a crashed process never
 *   settles; its concurrency slots would otherwise leak).
 * Windows are fixed and UTC: the minute, the day, the calendar month.
 */
export interface QuotaStore {
  reserve(tenantId: string, opts: { estimatedTokens: number; nowMs?: number }): Promise<ReserveResult>;
  settle(reservationId: string, actual: TokenCount, usage?: UsageInput): Promise<boolean>;
  release(reservationId: string): Promise<boolean>;
  sweepReservations(opts: { olderThanMs: number; nowMs?: number }): Promise<number>;
  getQuotaUsage(tenantId: string, opts?: NowOption): Promise<QuotaUsage>;
}

export interface UsageStore {
  /** Durable once the promise resolves (the transaction is committed). */
  recordUsage(row: UsageInput): Promise<void>;
  /** Raw rows, newest first. */
  listUsage(filter: UsageFilter & { limit?: number }): Promise<UsageRecord[]>;
  queryUsage(query: UsageQuery): Promise<UsageGroup[]>;
}

export interface Store extends KeyStore, QuotaStore, UsageStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Idempotent. */
  close(): Promise<void>;
}
