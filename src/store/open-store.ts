import type { Store } from '../core/store-port.js';
import { applyMigrations } from './migrations/apply-migrations.js';
import type { SqlDb } from './sql-db.js';
import { SqliteDb } from './sqlite/sqlite-db.js';
import { SqlStore } from './sql-store.js';

interface CommonStoreOptions {
  /** Keep prompt/completion text given in usage rows (`auditText`). Off by default. */
  audit?: boolean;
  /** Wall clock, epoch ms (tests pin it); default `Date.now`. */
  now?: () => number;
}

export interface SqliteStoreOptions extends CommonStoreOptions {
  kind: 'sqlite';
  /** Database file; it and its directory are created on first open. */
  path: string;
  /** See `SqliteDbOptions.synchronous`: `full` (default) survives power loss too. */
  synchronous?: 'full' | 'normal';
  busyTimeoutMs?: number;
}

export interface PostgresStoreOptions extends CommonStoreOptions {
  kind: 'postgres';
  /** e.g. `postgres://corral@db:5432/corral`. */
  url: string;
  /** Schema for our tables (created if missing); default the connection's `search_path`. */
  schema?: string;
  maxConnections?: number;
}

export type StoreOptions = SqliteStoreOptions | PostgresStoreOptions;

async function openDb(options: StoreOptions): Promise<SqlDb> {
  if (options.kind === 'sqlite')
    return new SqliteDb({
      path: options.path,
      ...(options.synchronous === undefined ? {} : { synchronous: options.synchronous }),
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
  // Loaded only when configured: `pg` adds ≈ 15 MB to the resident set of every SQLite gateway.
  const { PostgresDb } = await import('./postgres/postgres-db.js');
  return PostgresDb.open({
    url: options.url,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
}

/** Opens the database, applies pending migrations, and returns the store; `close()` ends it. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const db = await openDb(options);
  const now = options.now ?? Date.now;
  try {
    await applyMigrations(db, now());
  } catch (error) {
    await db.close();
    throw error;
  }
  return new SqlStore(db, {
    now,
    ...(options.audit === undefined ? {} : { audit: options.audit }),
  });
}
