/**
 * The little each dialect must provide so one `SqlStore` can serve both. SQL is written once with
 * `?` placeholders; the Postgres driver numbers them. Rows come back as `unknown` records and are
 * narrowed in `rows.ts`.
 */
export type SqlParam = string | number | boolean | null;
export type SqlRow = Record<string, unknown>;

export interface SqlExecutor {
  /** Runs one statement and returns its rows (empty for statements without RETURNING). */
  query(sql: string, params?: readonly SqlParam[]): Promise<SqlRow[]>;
}

export interface SqlDb extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one write transaction: committed when it resolves, rolled back when it throws.
   * SQLite takes the write lock at BEGIN (IMMEDIATE), so no transaction reads a snapshot another
   * writer is about to invalidate; Postgres relies on row locks taken by conditional UPDATEs.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
