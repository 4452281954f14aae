import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDb, SqlExecutor, SqlParam, SqlRow } from '../sql-db.js';

export interface SqliteDbOptions {
  path: string;
  /**
   * `full` (default) fsyncs the WAL at every commit, so a committed usage row survives a power
   * loss, not only a killed process; `normal` survives a killed process (the WAL is in the OS page
   * cache) but may lose the last commits on power loss. One fsync per finished request is cheap
   * next to the seconds an inference takes.
   */
  synchronous?: 'full' | 'normal';
  busyTimeoutMs?: number;
}

interface PendingTransaction {
  fn: (tx: SqlExecutor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** better-sqlite3 binds no booleans: store them as 0/1 like SQLite itself does. */
function bind(params: readonly SqlParam[]): Array<string | number | null> {
  return params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

/**
 * One connection, used by one promise chain at a time. better-sqlite3 is synchronous, but a
 * transaction callback is async: without the lock, a statement from another caller could run
 * between BEGIN and COMMIT on the same connection and join the wrong transaction.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = 'sqlite';
  readonly #db: Database.Database;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: SqliteDbOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new Database(options.path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.#db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    this.#db.pragma('foreign_keys = ON');
  }

  /** Prepared once per SQL text: the store issues a small, fixed set of statements. */
  readonly #statements = new Map<string, Database.Statement>();

  #run(sql: string, params: readonly SqlParam[]): SqlRow[] {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    if (stmt.reader) return stmt.all(...bind(params)) as SqlRow[];
    stmt.run(...bind(params));
    return [];
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    return this.#exclusive(async () => this.#run(sql, params));
  }

  /**
   * Group commit: transactions that arrive in the same turn of the event loop share one
   * BEGIN…COMMIT, each inside its own SAVEPOINT, so each stays atomic on its own (a failing one
   * rolls back to its savepoint and rejects alone) while a burst of finished requests pays for one
   * WAL sync instead of one each. Every caller's promise settles only after the COMMIT, so "resolved"
   * still means "durable".
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#batch.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (this.#batch.length === 1) setImmediate(() => void this.#exclusive(() => this.#commitBatch()));
    });
  }

  readonly #batch: PendingTransaction[] = [];

  async #commitBatch(): Promise<void> {
    const batch = this.#batch.splice(0);
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const tx: SqlExecutor = { query: async (sql, params = []) => this.#run(sql, params) };
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      for (const item of batch) {
        this.#db.exec('SAVEPOINT tx');
        try {
          results.push({ ok: true, value: await item.fn(tx) });
          this.#db.exec('RELEASE tx');
        } catch (error) {
          this.#db.exec('ROLLBACK TO tx');
          this.#db.exec('RELEASE tx');
          results.push({ ok: false, error });
        }
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i];
      if (result?.ok) item.resolve(result.value);
      else item.reject(result?.error);
    });
  }

  close(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#db.close();
    });
  }
}
