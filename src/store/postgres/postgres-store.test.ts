/**
 * The store contract on PostgreSQL. Each store gets its own schema (`corral_test_<random>`), so
 * parallel runs and test files never see each other's rows; all are dropped afterwards.
 * No server: skipped with instructions locally, a failure under CI (`CI=true`).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../core/store-port.js';
import { openStore } from '../open-store.js';
import { describeStore } from '../store-contract.js';

/** `CORRAL_TEST_POSTGRES_URL` points the suite elsewhere (another host, port or user). */
const override = process.env['CORRAL_TEST_POSTGRES_URL'];
const CANDIDATE_URLS =
  override !== undefined && override !== ''
    ? [override]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

async function reachableUrl(): Promise<{ url?: string; error?: string }> {
  let lastError = '';
  for (const url of CANDIDATE_URLS) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { url };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { error: lastError };
}

const { url, error } = await reachableUrl();
const schemas: string[] = [];
const schemaOf = new WeakMap<Store, string>();

async function openIn(schema: string): Promise<Store> {
  const store = await openStore({ kind: 'postgres', url: url ?? '', schema });
  schemaOf.set(store, schema);
  return store;
}

if (url !== undefined) {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  describeStore(
    'postgres',
    () => {
      const schema = `corral_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return openIn(schema);
    },
    (closed) => openIn(schemaOf.get(closed) ?? 'missing'),
  );
  describe('postgres store', () => {
    it('lets replicas that start together migrate one schema once', async () => {
      const schema = `corral_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      const stores = await Promise.all([openIn(schema), openIn(schema), openIn(schema)]);
      await stores[0]?.createTenant({ id: 'acme', name: 'Acme' });
      expect(await stores[2]?.getTenant('acme')).toBeDefined();
      await Promise.all(stores.map((s) => s.close()));
    });
  });
} else if (process.env['CI'] === 'true') {
  describe('postgres store', () => {
    it('needs PostgreSQL at 127.0.0.1:5432 under CI', () => {
      expect.fail(`PostgreSQL did not answer at ${CANDIDATE_URLS.join(' or ')}: ${error}`);
    });
  });
} else {
  describe.skip(
    'postgres store: skipped, PostgreSQL is not running at 127.0.0.1:5432 (start one with ' +
      '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16`)',
    () => {
      it('runs the store contract', () => undefined);
    },
  );
}
