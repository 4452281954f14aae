/**
 * The store contract on PostgreSQL. Each store gets its own schema (`corral_test_<random>`), so
 * parallel runs and test files never see each other's rows; all are dropped afterwards.
 * No server: skipped with a warning saying how to start one locally, a failure under CI
 * (`test/helpers/postgres.ts`).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { describePostgres, dropSchemas, findPostgres } from '../../../test/helpers/postgres.js';
import type { Store } from '../../core/store-port.js';
import { openStore } from '../open-store.js';
import { describeStore } from '../store-contract.js';

const probe = await findPostgres();

describePostgres('postgres store', probe, (url) => {
  const schemas: string[] = [];
  const schemaOf = new WeakMap<Store, string>();

  async function openIn(schema: string): Promise<Store> {
    const store = await openStore({ kind: 'postgres', url, schema });
    schemaOf.set(store, schema);
    return store;
  }

  afterAll(() => dropSchemas(url, schemas));

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
});
