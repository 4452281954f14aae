import pg from 'pg';
import type { SqlDb, SqlExecutor, SqlParam, SqlRow } from '../sql-db.js';

export interface PostgresDbOptions {
  url: string;
  /** Schema to create (if missing) and use as `search_path`; the default is `public`. */
  schema?: string;
  maxConnections?: number;
}

/** `?` → `$1, $2, …`. Our SQL never contains a literal `?`, so no quoting rules are needed. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async query(sql, params: readonly SqlParam[] = []) {
      const result = await client.query(numberPlaceholders(sql), [...params]);
      return result.rows as SqlRow[];
    },
  };
}

/**
 * `CREATE SCHEMA IF NOT EXISTS` is not atomic: two replicas starting together can both pass the
 * check, and the loser fails on the catalogue's unique index. The schema exists either way.
 */
function ignoreRace(error: unknown): void {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code !== '23505' && code !== '42P06') throw error;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresDb implements SqlDb {
  readonly dialect = 'postgres';
  readonly #pool: pg.Pool;
  readonly #exec: SqlExecutor;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.#exec = executor(pool);
  }

  static async open(options: PostgresDbOptions): Promise<PostgresDb> {
    const schema = options.schema;
    if (schema !== undefined && !SCHEMA_NAME.test(schema))
      throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lowercase letters, digits, _`);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      // Every connection of the pool must see the same schema, so it is set at connect time.
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    });
    // An idle client losing its connection emits 'error' on the pool; unhandled, it kills the process.
    pool.on('error', () => undefined);
    try {
      if (schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(ignoreRace);
      else await pool.query('SELECT 1');
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresDb(pool);
  }

  query(sql: string, params: readonly SqlParam[] = []): Promise<SqlRow[]> {
    return this.#exec.query(sql, params);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(executor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
