/**
 * The behavioural contract every `Store` implementation passes (STYLE.md: one suite, every
 * implementation). Each test gets a fresh, empty database from `make`; `reopen` opens the
 * database of a closed store again. Time is pinned with `nowMs`, never slept on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CorralError } from '../core/errors.js';
import type { Store, UsageInput } from '../core/store-port.js';
import { describeQuotas } from './quota-contract.js';

export const T0 = Date.UTC(2026, 10, 25, 12, 0, 30);
const MINUTE = 60_000;
const DAY = 86_400_000;

export function usageRow(overrides: Partial<UsageInput> & { requestId: string }): UsageInput {
  return {
    tenantId: 'acme',
    model: 'llama3.2',
    backend: 'gpu-1',
    isCloud: false,
    protocol: 'openai',
    inputTokens: 10,
    outputTokens: 20,
    queueWaitMs: 5,
    processingMs: 100,
    status: 'ok',
    cancelled: false,
    finishedAt: T0,
    ...overrides,
  };
}

async function rejectsWith(promise: Promise<unknown>, kind: CorralError['kind']): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CorralError);
  expect((error as CorralError).kind).toBe(kind);
}

export function describeStore(
  name: string,
  make: () => Promise<Store>,
  reopen?: (closed: Store) => Promise<Store>,
): void {
  describe(`Store contract: ${name}`, () => {
    const open: Store[] = [];
    const fresh = async (): Promise<Store> => {
      const store = await make();
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it.runIf(reopen !== undefined)('keeps data and applies no migration twice on reopen', async () => {
      const first = await fresh();
      await first.createTenant({ id: 'acme', name: 'Acme' });
      await first.close();
      const second = await reopen!(first); // runIf guarantees reopen is defined
      open.push(second);
      expect((await second.getTenant('acme'))?.name).toBe('Acme');
      await second.close();
      const third = await reopen!(first);
      open.push(third);
      expect(await third.listTenants()).toHaveLength(1);
    });

    it('round-trips tenant settings and patches them', async () => {
      const store = await fresh();
      const created = await store.createTenant(
        {
          id: 'acme',
          name: 'Acme',
          weight: 2.5,
          priority: 'high',
          allowedModels: ['llama3.2', 'qwen3'],
          cloudFallback: true,
          limits: { requestsPerMinute: 60, concurrent: 4, tokensPerDay: 100_000, tokensPerMonth: 2_000_000 },
        },
        { nowMs: T0 },
      );
      expect(created).toEqual({
        id: 'acme',
        name: 'Acme',
        weight: 2.5,
        priority: 'high',
        allowedModels: ['llama3.2', 'qwen3'],
        cloudFallback: true,
        limits: { requestsPerMinute: 60, concurrent: 4, tokensPerDay: 100_000, tokensPerMonth: 2_000_000 },
        createdAt: T0,
      });
      expect(await store.getTenant('acme')).toEqual(created);
      const defaults = await store.createTenant({ id: 'beta', name: 'Beta' });
      expect(defaults).toMatchObject({
        weight: 1,
        priority: 'default',
        allowedModels: [],
        cloudFallback: false,
      });
      expect(defaults.limits).toEqual({});
      const patched = await store.updateTenant('acme', {
        weight: 1,
        cloudFallback: false,
        allowedModels: [],
        limits: { concurrent: null, tokensPerDay: 5 },
      });
      expect(patched.limits).toEqual({ requestsPerMinute: 60, tokensPerDay: 5, tokensPerMonth: 2_000_000 });
      expect(patched).toMatchObject({ weight: 1, cloudFallback: false, allowedModels: [] });
      expect((await store.listTenants()).map((t) => t.id)).toEqual(['acme', 'beta']);
      await rejectsWith(store.createTenant({ id: 'acme', name: 'again' }), 'invalid_request');
      await rejectsWith(store.updateTenant('nope', { name: 'x' }), 'not_found');
      await rejectsWith(store.createTenant({ name: 'bad', weight: 0 }), 'invalid_request');
    });

    it('stores teams and users', async () => {
      const store = await fresh();
      const team = await store.createTeam({ id: 'ml', name: 'ML' }, { nowMs: T0 });
      const user = await store.createUser({ id: 'ada', name: 'Ada', teamId: team.id }, { nowMs: T0 });
      expect(user).toEqual({ id: 'ada', name: 'Ada', teamId: 'ml', createdAt: T0 });
      const solo = await store.createUser({ name: 'Bob' });
      expect(solo.teamId).toBeUndefined();
      expect(await store.getUser('ada')).toEqual(user);
      expect(await store.listUsers({ teamId: 'ml' })).toEqual([user]);
      expect(await store.listUsers()).toHaveLength(2);
      expect(await store.listTeams()).toEqual([team]);
      await rejectsWith(store.createUser({ name: 'x', teamId: 'nope' }), 'not_found');
    });

    describe('keys', () => {
      it('shows the plaintext once and verifies it to key and tenant', async () => {
        const store = await fresh();
        await store.createTenant({ id: 'acme', name: 'Acme', limits: { concurrent: 2 } });
        const user = await store.createUser({ name: 'Ada' });
        const { key, plaintext } = await store.createKey(
          { tenantId: 'acme', label: 'laptop', userId: user.id },
          { nowMs: T0 },
        );
        expect(plaintext).toMatch(/^crl_[0-9A-Za-z]{40}$/);
        expect(key).toMatchObject({ tenantId: 'acme', userId: user.id, label: 'laptop', createdAt: T0 });
        expect(plaintext.startsWith(key.prefix)).toBe(true);
        expect(key.prefix).toHaveLength(12);

        const verified = await store.verifyKey(plaintext, { nowMs: T0 + 1000 });
        expect(verified?.key.id).toBe(key.id);
        expect(verified?.tenant).toMatchObject({ id: 'acme', name: 'Acme', limits: { concurrent: 2 } });
        expect((await store.getKey(key.id))?.lastUsedAt).toBe(T0 + 1000);

        const listed = JSON.stringify([await store.listKeys(), await store.listKeys({ tenantId: 'acme' })]);
        expect(listed).toContain(key.id);
        expect(listed).not.toContain(plaintext);
        expect(listed).not.toContain(plaintext.slice(12));
        expect(listed).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 digest either
        expect(await store.listKeys({ tenantId: 'other' })).toEqual([]);
      });

      it('rejects wrong, malformed and unknown keys', async () => {
        const store = await fresh();
        await store.createTenant({ id: 'acme', name: 'Acme' });
        const { plaintext } = await store.createKey({ tenantId: 'acme' });
        const last = plaintext.at(-1) === 'a' ? 'b' : 'a';
        expect(await store.verifyKey(plaintext.slice(0, -1) + last)).toBeUndefined();
        expect(await store.verifyKey(plaintext + 'x')).toBeUndefined();
        expect(await store.verifyKey('')).toBeUndefined();
        expect(await store.verifyKey('crl_' + '0'.repeat(40))).toBeUndefined();
        await rejectsWith(store.createKey({ tenantId: 'nope' }), 'not_found');
      });

      it('refuses revoked and expired keys, and lifts an expiry', async () => {
        const store = await fresh();
        await store.createTenant({ id: 'acme', name: 'Acme' });
        const revoked = await store.createKey({ tenantId: 'acme' }, { nowMs: T0 });
        const expiring = await store.createKey({ tenantId: 'acme', expiresAt: T0 + MINUTE }, { nowMs: T0 });

        const r = await store.revokeKey(revoked.key.id, { nowMs: T0 + 10 });
        expect(r.revokedAt).toBe(T0 + 10);
        expect((await store.revokeKey(revoked.key.id, { nowMs: T0 + 99 })).revokedAt).toBe(T0 + 10);
        expect(await store.verifyKey(revoked.plaintext, { nowMs: T0 + 20 })).toBeUndefined();

        expect(await store.verifyKey(expiring.plaintext, { nowMs: T0 + MINUTE - 1 })).toBeDefined();
        expect(await store.verifyKey(expiring.plaintext, { nowMs: T0 + MINUTE })).toBeUndefined();
        const lifted = await store.updateKey(expiring.key.id, { expiresAt: null, label: 'ci' });
        expect(lifted.expiresAt).toBeUndefined();
        expect(lifted.label).toBe('ci');
        expect(await store.verifyKey(expiring.plaintext, { nowMs: T0 + DAY })).toBeDefined();
        await rejectsWith(store.revokeKey('key_nope'), 'not_found');
        await rejectsWith(store.updateKey('key_nope', { label: 'x' }), 'not_found');
      });
    });

    describeQuotas(fresh);

    describe('usage', () => {
      it('records rows once per request and keeps no prompt text without audit', async () => {
        const store = await fresh();
        await store.recordUsage(usageRow({ requestId: 'r1', keyId: 'key_1', auditText: 'secret prompt' }));
        await store.recordUsage(usageRow({ requestId: 'r1', inputTokens: 999 }));
        const rows = await store.listUsage({ from: T0, to: T0 + 1 });
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ requestId: 'r1', keyId: 'key_1', inputTokens: 10, isCloud: false });
        expect(rows[0]?.auditText).toBeUndefined();
      });

      it('groups by tenant, model and day within a time range', async () => {
        const store = await fresh();
        const rows: UsageInput[] = [
          usageRow({ requestId: 'a', tenantId: 'acme', model: 'm1', finishedAt: T0 }),
          usageRow({ requestId: 'b', tenantId: 'acme', model: 'm2', finishedAt: T0 + 1 }),
          usageRow({
            requestId: 'c',
            tenantId: 'beta',
            model: 'm1',
            finishedAt: T0 + DAY,
            status: 'timeout',
          }),
          usageRow({ requestId: 'd', tenantId: 'beta', model: 'm1', finishedAt: T0 + DAY, cancelled: true }),
          usageRow({ requestId: 'e', tenantId: 'acme', model: 'm1', finishedAt: T0 + 2 * DAY }),
          usageRow({
            requestId: 'f',
            tenantId: 'acme',
            keyId: 'k9',
            isCloud: true,
            costUsd: 0.001234,
            finishedAt: T0 - DAY,
          }),
          // Cloud cost is summed to the micro-dollar, without float drift.
          usageRow({
            requestId: 'g',
            tenantId: 'acme',
            isCloud: true,
            costUsd: 0.000101,
            finishedAt: T0 - DAY + 1,
          }),
        ];
        for (const row of rows) await store.recordUsage(row);
        const range = { from: T0, to: T0 + 2 * DAY };

        expect(await store.queryUsage({ ...range, groupBy: 'tenant' })).toEqual([
          {
            group: { tenant: 'acme' },
            requests: 2,
            inputTokens: 20,
            outputTokens: 40,
            errors: 0,
            cancelled: 0,
            queueWaitMs: 10,
            processingMs: 200,
            cloudRequests: 0,
            costUsd: 0,
          },
          {
            group: { tenant: 'beta' },
            requests: 2,
            inputTokens: 20,
            outputTokens: 40,
            errors: 1,
            cancelled: 1,
            queueWaitMs: 10,
            processingMs: 200,
            cloudRequests: 0,
            costUsd: 0,
          },
        ]);
        const byModelDay = await store.queryUsage({ ...range, groupBy: ['day', 'model'] });
        expect(byModelDay.map((g) => [g.group.day, g.group.model, g.requests])).toEqual([
          ['2026-11-25', 'm1', 1],
          ['2026-11-25', 'm2', 1],
          ['2026-11-26', 'm1', 2],
        ]);
        const total = await store.queryUsage({ from: T0 - DAY, to: T0 + 3 * DAY });
        expect(total).toHaveLength(1);
        expect(total[0]).toMatchObject({
          group: {},
          requests: 7,
          inputTokens: 70,
          cloudRequests: 2,
          costUsd: 0.001335,
        });
        const empty = await store.queryUsage({ from: 0, to: 1 });
        expect(empty).toEqual([
          {
            group: {},
            requests: 0,
            inputTokens: 0,
            outputTokens: 0,
            errors: 0,
            cancelled: 0,
            queueWaitMs: 0,
            processingMs: 0,
            cloudRequests: 0,
            costUsd: 0,
          },
        ]);
        const acme = await store.queryUsage({
          from: 0,
          to: T0 + 3 * DAY,
          tenantId: 'acme',
          groupBy: 'model',
        });
        expect(acme.map((g) => [g.group.model, g.requests])).toEqual([
          ['llama3.2', 2],
          ['m1', 2],
          ['m2', 1],
        ]);
        const key = await store.listUsage({ from: 0, to: T0 + 3 * DAY, keyId: 'k9' });
        expect(key.map((r) => [r.requestId, r.isCloud, r.costUsd])).toEqual([['f', true, 0.001234]]);
        const newestFirst = await store.listUsage({ from: 0, to: T0 + 3 * DAY, limit: 2 });
        expect(newestFirst.map((r) => r.requestId)).toEqual(['e', 'd']);
      });
    });
  });
}
