import type { SqlDb } from '../sql-db.js';
import { int } from '../rows.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

/**
 * An arbitrary constant: Postgres replicas starting together serialise on this advisory lock,
 * so two of them never apply the same migration at once.
 */
const MIGRATION_LOCK = 7_024_113;

/** Splits a migration into statements; ours contain no `;` inside literals. */
function statements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, all in one transaction: a
 * failed migration leaves the database as it was. Returns the versions applied.
 */
export async function applyMigrations(
  db: SqlDb,
  nowMs: number,
  migrations: readonly Migration[] = allMigrations,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const rows = await tx.query('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((row) => int(row, 'version')));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      for (const sql of statements(db.dialect === 'sqlite' ? migration.sqlite : migration.postgres))
        await tx.query(sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        nowMs,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
