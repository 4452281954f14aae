// Quotas and usage metering end to end (issue 7), on SQLite and, when it answers, PostgreSQL:
// a 429 naming the limit with retry-after, the window reset (the store's clock is injected), and
// one usage row per finished request after a stream, a plain answer, a cancel and an error, and
// GET /api/usage with time ranges and group-by, for a key and for the admin key.
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import type { UsageInput } from '../../src/core/store-port.js';
import { describePostgres, dropSchemas, findPostgres } from '../helpers/postgres.js';
import { postJson, readNdjson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 5);
const DAY_MS = 86_400_000;
const ADMIN = 'admin-secret-0123456789';

/** A store config per stack: SQLite in the stack's temp dir, or a fresh Postgres schema. */
type StoreConfig = () => Promise<ConfigInput['store'] | undefined>;

/** A usage row as the metering writes it; the tests vary who, what and when. */
function usageRow(requestId: string, tenantId: string, model: string, finishedAt: number): UsageInput {
  return {
    requestId,
    tenantId,
    model,
    backend: 'sim-1',
    isCloud: false,
    protocol: 'ollama',
    inputTokens: 10,
    outputTokens: 5,
    queueWaitMs: 0,
    processingMs: 1,
    status: 'ok',
    cancelled: false,
    finishedAt,
  };
}

function describeMetering(name: string, storeConfig: StoreConfig): void {
  describe(`quotas and usage: ${name}`, () => {
    let stack: Stack | undefined;
    let nowMs = T0;
    afterEach(async () => {
      await stack?.close();
      stack = undefined;
    });

    async function start(mode: 'open' | 'keys', audit = false): Promise<Stack> {
      nowMs = T0;
      const store = await storeConfig();
      stack = await startStack({
        hosts: [{ tps: 0, loadMs: 0, parallel: 4 }],
        maxParallel: 4,
        now: () => nowMs,
        config: {
          auth: { mode, adminKey: ADMIN },
          usage: { audit },
          ...(store === undefined ? {} : { store }),
        },
      });
      return stack;
    }

    it('refuses with 429, retry-after and the limit named, then admits again when the minute turns', async () => {
      const s = await start('keys');
      await s.store.createTenant({ id: 'acme', name: 'Acme', limits: { requestsPerMinute: 2 } });
      const { plaintext } = await s.store.createKey({ tenantId: 'acme' });
      const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: plaintext, maxRetries: 0 });
      const ask = () =>
        client.chat.completions.create({
          model: 'llama3.2',
          messages: [{ role: 'user', content: '[[sim:reply ok]]' }],
        });
      await ask();
      await ask();
      const err: unknown = await ask().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      const limited = err as InstanceType<typeof OpenAI.RateLimitError>;
      expect(limited.message).toMatch(/requests per minute limit of 2 reached/);
      expect(limited.headers.get('retry-after')).toBe('55');

      nowMs += 60_000;
      expect((await ask()).choices[0]?.message.content).toBe('ok');
    });

    it('counts actual tokens: a day limit is hit after real usage and resets the next day', async () => {
      const s = await start('keys');
      await s.store.createTenant({ id: 'acme', name: 'Acme', limits: { tokensPerDay: 300 } });
      const { plaintext } = await s.store.createKey({ tenantId: 'acme' });
      const body = {
        model: 'llama3.2',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi [[sim:long 40]]' }],
      };
      const headers = { 'x-api-key': plaintext, 'anthropic-version': '2023-06-01' };
      let res = await postJson(`${s.url}/v1/messages`, body, { headers });
      for (let i = 0; res.status === 200 && i < 20; i++)
        res = await postJson(`${s.url}/v1/messages`, body, { headers });
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({
        error: { type: 'rate_limit_error', message: expect.stringMatching(/tokens per day limit of 300/) },
      });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(3600);
      const usage = await s.store.getQuotaUsage('acme');
      expect(usage.tokensToday).toBeGreaterThan(250);
      expect(usage.concurrent).toBe(0);
      nowMs += 86_400_000;
      expect((await postJson(`${s.url}/v1/messages`, body, { headers })).status).toBe(200);
    });

    it('writes one row per request: stream and plain, committed before the response ends', async () => {
      const s = await start('open');
      const stream = await postJson(
        `${s.url}/api/chat`,
        { model: 'llama3.2', messages: [{ role: 'user', content: 'a b c [[sim:reply one two three]]' }] },
        { headers: { 'x-request-id': 'u-stream', 'x-corral-user': 'ann' } },
      );
      const lines = await readNdjson(stream);
      const plain = await postJson(
        `${s.url}/v1/chat/completions`,
        { model: 'llama3.2', messages: [{ role: 'user', content: '[[sim:reply ok]]' }] },
        { headers: { 'x-request-id': 'u-plain' } },
      );
      expect(plain.status).toBe(200);
      await plain.json();
      // No drain: the rows must already be committed when the client has its answer.
      const rows = await s.store.listUsage({ from: T0, to: T0 + 1 });
      const byId = new Map(rows.map((r) => [r.requestId, r]));
      expect(byId.get('u-stream')).toMatchObject({
        tenantId: 'user:ann',
        model: 'llama3.2',
        backend: 'sim-1',
        protocol: 'ollama',
        outputTokens: lines.at(-1)?.['eval_count'],
        status: 'ok',
        cancelled: false,
        finishedAt: T0,
      });
      expect(byId.get('u-stream')?.auditText).toBeUndefined();
      expect(byId.get('u-plain')).toMatchObject({ protocol: 'openai', status: 'ok', outputTokens: 1 });
      expect(byId.get('u-plain')?.inputTokens).toBeGreaterThan(0);
    });

    it('writes a row for a request cancelled in flight and one for an upstream error', async () => {
      const s = await start('open');
      const controller = new AbortController();
      const started = s.hosts[0]!.control.waitFor('request_started');
      const aborted = s.hosts[0]!.control.waitFor('request_aborted');
      const hanging = postJson(
        `${s.url}/api/chat`,
        { model: 'llama3.2', messages: [{ role: 'user', content: 'x [[sim:hang]]' }] },
        { headers: { 'x-request-id': 'u-cancel' }, signal: controller.signal },
      );
      await started;
      controller.abort();
      await expect(hanging).rejects.toThrow();
      await aborted;
      const failed = await postJson(
        `${s.url}/api/chat`,
        {
          model: 'llama3.2',
          stream: false,
          messages: [{ role: 'user', content: 'x [[sim:fail_before 500 runner crashed]]' }],
        },
        { headers: { 'x-request-id': 'u-error' } },
      );
      expect(failed.status).toBeGreaterThanOrEqual(500);
      await s.corral.metering.drain();
      const rows = await s.store.listUsage({ from: T0, to: T0 + 1 });
      const byId = new Map(rows.map((r) => [r.requestId, r]));
      expect(byId.get('u-cancel')).toMatchObject({ status: 'cancelled', cancelled: true, backend: 'sim-1' });
      expect(byId.get('u-error')).toMatchObject({ status: 'upstream', cancelled: false, backend: 'sim-1' });
      const grouped = await s.store.queryUsage({ from: T0, to: T0 + 1, groupBy: 'status' });
      expect(grouped.map((g) => g.group.status).sort()).toEqual(['cancelled', 'upstream']);
    });

    it('keeps the prompt text only with usage.audit on', async () => {
      const s = await start('open', true);
      const res = await postJson(
        `${s.url}/api/chat`,
        {
          model: 'llama3.2',
          stream: false,
          messages: [{ role: 'user', content: 'secret plan [[sim:reply ok]]' }],
        },
        { headers: { 'x-request-id': 'u-audit' } },
      );
      expect(res.status).toBe(200);
      const [row] = await s.store.listUsage({ from: T0, to: T0 + 1 });
      expect(row?.auditText).toContain('secret plan');
    });

    it('GET /api/usage: a key sees its own tenant, the admin key everything', async () => {
      const s = await start('keys');
      await s.store.createTenant({ id: 'acme', name: 'Acme' });
      await s.store.createTenant({ id: 'other', name: 'Other' });
      const acme = (await s.store.createKey({ tenantId: 'acme' })).plaintext;
      const other = (await s.store.createKey({ tenantId: 'other' })).plaintext;
      for (const key of [acme, other, other]) {
        const res = await postJson(
          `${s.url}/api/chat`,
          { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: '[[sim:reply ok]]' }] },
          { headers: { authorization: `Bearer ${key}` } },
        );
        expect(res.status).toBe(200);
      }
      const own = await fetch(`${s.url}/api/usage?groupBy=tenant,model`, { headers: { 'x-api-key': acme } });
      expect(await own.json()).toMatchObject({
        tenantId: 'acme',
        groups: [{ group: { tenant: 'acme', model: 'llama3.2' }, requests: 1 }],
      });
      const all = await fetch(`${s.url}/api/usage?groupBy=tenant,model`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(all.status).toBe(200);
      const body = (await all.json()) as { tenantId?: string; groups: unknown[] };
      expect(body.tenantId).toBeUndefined();
      expect(body.groups).toEqual([
        expect.objectContaining({ group: { tenant: 'acme', model: 'llama3.2' }, requests: 1 }),
        expect.objectContaining({ group: { tenant: 'other', model: 'llama3.2' }, requests: 2 }),
      ]);
      // Without a grouping the admin's total counts every tenant's requests.
      const total = await fetch(`${s.url}/api/usage`, { headers: { 'x-api-key': ADMIN } });
      expect(await total.json()).toMatchObject({ groups: [{ group: {}, requests: 3 }] });

      expect((await fetch(`${s.url}/api/usage`)).status).toBe(401);
      const bad = await fetch(`${s.url}/api/usage?groupBy=colour`, { headers: { 'x-api-key': acme } });
      expect(bad.status).toBe(400);
    });

    it('GET /api/usage: from inclusive, to exclusive (ISO dates or epoch ms), grouped by tenant, model and day', async () => {
      const s = await start('keys');
      await s.store.createTenant({ id: 'acme', name: 'Acme' });
      const acme = (await s.store.createKey({ tenantId: 'acme' })).plaintext;
      const day25 = Date.UTC(2026, 10, 25);
      const rows = [
        usageRow('before', 'acme', 'llama3.2', day25 - 1),
        usageRow('a1', 'acme', 'llama3.2', day25),
        usageRow('a2', 'acme', 'llama3.2', T0),
        usageRow('a3', 'acme', 'qwen3', T0 + DAY_MS),
        usageRow('o1', 'other', 'llama3.2', T0 + DAY_MS),
        usageRow('at-to', 'other', 'llama3.2', day25 + 2 * DAY_MS),
      ];
      for (const row of rows) await s.store.recordUsage(row);
      const usage = async (query: string, key = ADMIN) => {
        const res = await fetch(`${s.url}/api/usage?${query}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { from: number; to: number; groupBy: string[]; groups: unknown[] };
      };
      const group = (tenant: string, model: string, day: string, requests: number) =>
        expect.objectContaining({ group: { tenant, model, day }, requests, inputTokens: 10 * requests });

      const byDay = await usage('from=2026-11-25&to=2026-11-27&groupBy=tenant,model,day');
      expect(byDay).toMatchObject({
        from: day25,
        to: day25 + 2 * DAY_MS,
        groupBy: ['tenant', 'model', 'day'],
      });
      expect(byDay.groups).toEqual([
        group('acme', 'llama3.2', '2026-11-25', 2),
        group('acme', 'qwen3', '2026-11-26', 1),
        group('other', 'llama3.2', '2026-11-26', 1),
      ]);

      // Epoch milliseconds, to the millisecond: `from` is in, `to` is out.
      const narrow = await usage(`from=${T0}&to=${T0 + DAY_MS}&groupBy=tenant,model,day`);
      expect(narrow.groups).toEqual([group('acme', 'llama3.2', '2026-11-25', 1)]);
      const wide = await usage(`from=${day25 - 1}&to=${day25 + 2 * DAY_MS + 1}&groupBy=day`);
      expect(wide.groups).toEqual([
        expect.objectContaining({ group: { day: '2026-11-24' }, requests: 1 }),
        expect.objectContaining({ group: { day: '2026-11-25' }, requests: 2 }),
        expect.objectContaining({ group: { day: '2026-11-26' }, requests: 2 }),
        expect.objectContaining({ group: { day: '2026-11-27' }, requests: 1 }),
      ]);

      // A key gets the same ranges, over its own tenant only.
      const own = await usage('from=2026-11-25&to=2026-11-27&groupBy=tenant,model,day', acme);
      expect(own.groups).toEqual([
        group('acme', 'llama3.2', '2026-11-25', 2),
        group('acme', 'qwen3', '2026-11-26', 1),
      ]);

      const reversed = await fetch(`${s.url}/api/usage?from=2026-11-27&to=2026-11-25`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(reversed.status).toBe(400);
      expect(await reversed.json()).toEqual({ error: "'from' must not be after 'to'" });
      const garbled = await fetch(`${s.url}/api/usage?to=yesterday`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      expect(garbled.status).toBe(400);
    });
  });
}

describeMetering('sqlite', async () => undefined);

describePostgres('quotas and usage: postgres', await findPostgres(), (url) => {
  const schemas: string[] = [];
  afterAll(() => dropSchemas(url, schemas));
  describeMetering('postgres', async () => {
    const schema = `corral_gw_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    const sep = url.includes('?') ? '&' : '?';
    return { kind: 'postgres', url: `${url}${sep}options=-c%20search_path%3D${schema}` };
  });
});
