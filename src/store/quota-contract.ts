/**
 * Quota part of the store contract (called from `describeStore`). Exactness under concurrency is
 * tested by firing many operations at once and checking the counters to the unit.
 */
import { describe, expect, it } from 'vitest';
import type { ReserveResult, Store } from '../core/store-port.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 30);
const MINUTE = 60_000;
const DAY = 86_400_000;

function reservationId(result: ReserveResult): string {
  if (result.type !== 'reserved') throw new Error(`expected a reservation, got: ${result.message}`);
  return result.reservation.id;
}

export function describeQuotas(fresh: () => Promise<Store>): void {
  describe('quotas', () => {
    it('exhausts requests per minute and resets with the next minute', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'acme', name: 'Acme', limits: { requestsPerMinute: 3 } });
      for (let i = 0; i < 3; i++)
        expect((await store.reserve('acme', { estimatedTokens: 0, nowMs: T0 + i })).type).toBe('reserved');
      const rejected = await store.reserve('acme', { estimatedTokens: 0, nowMs: T0 + 10 });
      expect(rejected).toMatchObject({ type: 'rejected', limit: 'requests_per_minute', limitValue: 3 });
      if (rejected.type !== 'rejected') return;
      expect(rejected.retryAfterMs).toBe(30_000 - 10); // T0 is 30 s into its minute
      expect(rejected.message).toMatch(/requests per minute/);
      expect((await store.reserve('acme', { estimatedTokens: 0, nowMs: T0 + 30_000 })).type).toBe('reserved');
      expect(await store.getQuotaUsage('acme', { nowMs: T0 + 30_000 })).toMatchObject({
        requestsThisMinute: 1,
        concurrent: 4,
      });
    });

    it('holds and frees concurrency slots', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'acme', name: 'Acme', limits: { concurrent: 2 } });
      const a = reservationId(await store.reserve('acme', { estimatedTokens: 1, nowMs: T0 }));
      reservationId(await store.reserve('acme', { estimatedTokens: 1, nowMs: T0 }));
      expect(await store.reserve('acme', { estimatedTokens: 1, nowMs: T0 })).toMatchObject({
        type: 'rejected',
        limit: 'concurrent',
      });
      expect(await store.release(a)).toBe(true);
      expect(await store.release(a)).toBe(false);
      expect((await store.reserve('acme', { estimatedTokens: 1, nowMs: T0 })).type).toBe('reserved');
      const unknown: unknown = await store.reserve('nope', { estimatedTokens: 1 }).catch((e: unknown) => e);
      expect(unknown).toMatchObject({ name: 'CorralError', kind: 'not_found' });
    });

    it('reserves estimates, settles actual tokens, and resets per day and month', async () => {
      const store = await fresh();
      await store.createTenant({
        id: 'acme',
        name: 'Acme',
        limits: { tokensPerDay: 100, tokensPerMonth: 250 },
      });
      const first = reservationId(await store.reserve('acme', { estimatedTokens: 60, nowMs: T0 }));
      expect(await store.reserve('acme', { estimatedTokens: 60, nowMs: T0 })).toMatchObject({
        type: 'rejected',
        limit: 'tokens_per_day',
        limitValue: 100,
        retryAfterMs: DAY / 2 - 30_000,
      });
      expect(await store.settle(first, { inputTokens: 10, outputTokens: 20 })).toBe(true);
      expect(await store.settle(first, { inputTokens: 10, outputTokens: 20 })).toBe(false);
      expect((await store.getQuotaUsage('acme', { nowMs: T0 })).tokensToday).toBe(30);
      const second = reservationId(await store.reserve('acme', { estimatedTokens: 60, nowMs: T0 }));
      // Actual usage may pass the limit; the next request is then refused even a zero estimate.
      await store.settle(second, { inputTokens: 50, outputTokens: 40 });
      expect(await store.getQuotaUsage('acme', { nowMs: T0 })).toMatchObject({
        tokensToday: 120,
        concurrent: 0,
      });
      expect(await store.reserve('acme', { estimatedTokens: 0, nowMs: T0 })).toMatchObject({
        limit: 'tokens_per_day',
      });
      // Next day: the daily window is fresh, the month keeps counting (120 + 100 of 250).
      const nextDay = T0 + DAY;
      reservationId(await store.reserve('acme', { estimatedTokens: 100, nowMs: nextDay }));
      expect(await store.reserve('acme', { estimatedTokens: 100, nowMs: nextDay + DAY })).toMatchObject({
        limit: 'tokens_per_month',
        limitValue: 250,
      });
      const nextMonth = Date.UTC(2026, 11, 1, 0, 0, 0);
      expect((await store.reserve('acme', { estimatedTokens: 100, nowMs: nextMonth })).type).toBe('reserved');
    });

    it('refuses an estimate larger than the limit, saying so', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'acme', name: 'Acme', limits: { tokensPerDay: 100 } });
      const result = await store.reserve('acme', { estimatedTokens: 101, nowMs: T0 });
      expect(result).toMatchObject({ type: 'rejected', limit: 'tokens_per_day' });
      if (result.type === 'rejected') expect(result.message).toMatch(/exceeds it/);
      expect(await store.getQuotaUsage('acme', { nowMs: T0 })).toEqual({
        requestsThisMinute: 0,
        concurrent: 0,
        tokensToday: 0,
        tokensThisMonth: 0,
      });
    });

    it('settles with a usage row in the same transaction', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'acme', name: 'Acme' });
      const id = reservationId(await store.reserve('acme', { estimatedTokens: 5, nowMs: T0 }));
      await store.settle(
        id,
        { inputTokens: 3, outputTokens: 4 },
        {
          requestId: 'req-1',
          tenantId: 'acme',
          model: 'm',
          backend: 'gpu-1',
          isCloud: false,
          protocol: 'ollama',
          inputTokens: 3,
          outputTokens: 4,
          queueWaitMs: 0,
          processingMs: 9,
          status: 'ok',
          cancelled: false,
          finishedAt: T0 + 5,
        },
      );
      expect((await store.listUsage({ from: T0, to: T0 + 10 })).map((r) => r.requestId)).toEqual(['req-1']);
      expect((await store.getQuotaUsage('acme', { nowMs: T0 })).tokensToday).toBe(7);
    });

    it('sweeps reservations a crashed process never settled', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'acme', name: 'Acme', limits: { concurrent: 1 } });
      reservationId(await store.reserve('acme', { estimatedTokens: 5, nowMs: T0 }));
      expect(await store.sweepReservations({ olderThanMs: MINUTE, nowMs: T0 + 1 })).toBe(0);
      expect(await store.sweepReservations({ olderThanMs: MINUTE, nowMs: T0 + MINUTE + 1 })).toBe(1);
      expect(await store.getQuotaUsage('acme', { nowMs: T0 })).toMatchObject({
        concurrent: 0,
        tokensToday: 0,
      });
    });

    it('is exact under concurrency: 50 reserves against limits of 10 admit exactly 10', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'rpm', name: 'R', limits: { requestsPerMinute: 10 } });
      await store.createTenant({ id: 'conc', name: 'C', limits: { concurrent: 10 } });
      await store.createTenant({ id: 'tok', name: 'T', limits: { tokensPerDay: 100 } });
      for (const tenant of ['rpm', 'conc', 'tok']) {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => store.reserve(tenant, { estimatedTokens: 10, nowMs: T0 })),
        );
        expect(results.filter((r) => r.type === 'reserved')).toHaveLength(10);
      }
      expect((await store.getQuotaUsage('tok', { nowMs: T0 })).tokensToday).toBe(100);
      expect((await store.getQuotaUsage('conc', { nowMs: T0 })).concurrent).toBe(10);
    });

    it('is exact when many requests finish at once, even settled twice', async () => {
      const store = await fresh();
      await store.createTenant({ id: 'acme', name: 'Acme' });
      const ids: string[] = [];
      for (let i = 0; i < 20; i++)
        ids.push(reservationId(await store.reserve('acme', { estimatedTokens: 50, nowMs: T0 })));
      const outcomes = await Promise.all(
        [...ids, ...ids].map((id, i) => store.settle(id, { inputTokens: i % 20, outputTokens: 1 })),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(20);
      // Each reservation settled once, with 0..19 input tokens plus 1 output token.
      expect(await store.getQuotaUsage('acme', { nowMs: T0 })).toMatchObject({
        concurrent: 0,
        tokensToday: 190 + 20,
        tokensThisMonth: 210,
      });
    });
  });
}
