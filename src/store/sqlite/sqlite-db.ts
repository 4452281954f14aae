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

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn({ query: async (sql, params = []) => this.#run(sql, params) });
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
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
