/**
 * Whether the Postgres tests can run, shared by the store contract
 * (`src/store/postgres/postgres-store.test.ts`) and the gateway metering suite
 * (`test/gateway/quota-usage.test.ts`), so both probe, skip and fail the same way.
 *
 * Locally, a missing server skips the Postgres suites with a warning saying how to start one;
 * under CI it is a failure, because CI must prove the Postgres store works (issue 7).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';

/** Trust auth, database `test`: what CI provides and what the command below starts. */
export const POSTGRES_START_COMMAND =
  'docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16';

/**
 * CI systems set `CI` to `true`, `1`, or their own name; people switch it off with `false` or
 * `0`. Anything else non-empty counts as CI, so no runner's spelling skips the Postgres suites.
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env['CI'] ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

/** `CORRAL_TEST_POSTGRES_URL` points the suites elsewhere (another host, port or user). */
export function postgresUrls(env: NodeJS.ProcessEnv = process.env): string[] {
  const override = env['CORRAL_TEST_POSTGRES_URL'];
  return override !== undefined && override !== ''
    ? [override]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
}

export type PostgresProbe = { url: string } | { url?: undefined; error: string; tried: string[] };

/** The first candidate URL that accepts a connection and answers a query, or why none did. */
export async function findPostgres(urls: readonly string[] = postgresUrls()): Promise<PostgresProbe> {
  let error = 'no URL to try';
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { error, tried: [...urls] };
}

/**
 * Registers `suite` with the URL that answered. Without a server: under CI, one failing test
 * naming the URLs tried and the error; locally, a skipped describe whose title says how to start
 * one, plus a `console.warn` with the same text, because a skipped line is easy to miss.
 */
export function describePostgres(title: string, probe: PostgresProbe, suite: (url: string) => void): void {
  if (probe.url !== undefined) {
    suite(probe.url);
    return;
  }
  const { error, tried } = probe;
  if (isCi()) {
    describe(title, () => {
      it('needs PostgreSQL under CI', () => {
        expect.fail(`PostgreSQL did not answer at ${tried.join(' or ')}: ${error}`);
      });
    });
    return;
  }
  const hint =
    `${title}: skipped, PostgreSQL did not answer at ${tried.join(' or ')} (${error}). ` +
    `Start one with \`${POSTGRES_START_COMMAND}\`, or set CORRAL_TEST_POSTGRES_URL.`;
  // eslint-disable-next-line no-console -- the skip must be visible in the test output
  console.warn(hint);
  describe.skip(hint, () => {
    it('runs against PostgreSQL', () => undefined);
  });
}

/** Drops the schemas a suite created (each test store lives in its own). */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
