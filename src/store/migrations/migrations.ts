/**
 * Versioned schema, the same logical tables in both dialects, side by side so they stay in step.
 * Never edit a released migration: add the next version. Times are epoch milliseconds (BIGINT)
 * in both dialects, so window and range arithmetic is identical.
 */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

const common = (types: { bool: string; bigint: string; usageId: string }) => `
CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at ${types.bigint} NOT NULL
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  team_id TEXT REFERENCES teams(id),
  created_at ${types.bigint} NOT NULL
);
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  weight DOUBLE PRECISION NOT NULL DEFAULT 1,
  priority TEXT NOT NULL DEFAULT 'default',
  allowed_models TEXT NOT NULL DEFAULT '[]',
  cloud_fallback ${types.bool} NOT NULL,
  requests_per_minute INTEGER,
  concurrent INTEGER,
  tokens_per_day ${types.bigint},
  tokens_per_month ${types.bigint},
  created_at ${types.bigint} NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  user_id TEXT REFERENCES users(id),
  label TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  created_at ${types.bigint} NOT NULL,
  expires_at ${types.bigint},
  revoked_at ${types.bigint},
  last_used_at ${types.bigint}
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id);
CREATE TABLE quota_counters (
  tenant_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  window_start ${types.bigint} NOT NULL,
  used ${types.bigint} NOT NULL,
  PRIMARY KEY (tenant_id, kind, window_start)
);
CREATE TABLE quota_reservations (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  estimated_tokens ${types.bigint} NOT NULL,
  day_start ${types.bigint} NOT NULL,
  month_start ${types.bigint} NOT NULL,
  created_at ${types.bigint} NOT NULL
);
CREATE INDEX quota_reservations_created ON quota_reservations (created_at);
CREATE TABLE usage (
  id ${types.usageId},
  request_id TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  key_id TEXT,
  model TEXT NOT NULL,
  backend TEXT NOT NULL,
  is_cloud ${types.bool} NOT NULL,
  protocol TEXT NOT NULL,
  input_tokens ${types.bigint} NOT NULL,
  output_tokens ${types.bigint} NOT NULL,
  queue_wait_ms ${types.bigint} NOT NULL,
  processing_ms ${types.bigint} NOT NULL,
  status TEXT NOT NULL,
  cancelled ${types.bool} NOT NULL,
  finished_at ${types.bigint} NOT NULL,
  audit_text TEXT
);
CREATE INDEX usage_finished ON usage (finished_at);
CREATE INDEX usage_tenant_finished ON usage (tenant_id, finished_at);
`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'keys, tenants, quotas, usage',
    // SQLite: INTEGER PRIMARY KEY is the rowid alias, so ids are assigned in commit order.
    sqlite: common({ bool: 'INTEGER', bigint: 'INTEGER', usageId: 'INTEGER PRIMARY KEY' }),
    postgres: common({ bool: 'BOOLEAN', bigint: 'BIGINT', usageId: 'BIGSERIAL PRIMARY KEY' }),
  },
  {
    version: 2,
    name: 'cost of cloud fallback requests',
    // Millionths of a US dollar: integer sums, no float drift across many small requests.
    sqlite: 'ALTER TABLE usage ADD COLUMN cost_micro_usd INTEGER NOT NULL DEFAULT 0;',
    postgres: 'ALTER TABLE usage ADD COLUMN cost_micro_usd BIGINT NOT NULL DEFAULT 0;',
  },
];
