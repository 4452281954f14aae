// Quotas and usage metering end to end (issue 7), on SQLite and, when it answers, PostgreSQL:
// a 429 naming the limit with retry-after, the window reset (the store's clock is injected), and
// one usage row per finished request after a stream, a plain answer, a cancel and an error.
import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import { postJson, readNdjson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 5);
const PG_URLS = process.env['CORRAL_TEST_POSTGRES_URL']
  ? [process.env['CORRAL_TEST_POSTGRES_URL']]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

async function reachablePostgres(): Promise<{ url?: string; error?: string }> {
  let error = '';
  for (const url of PG_URLS) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      return { url };
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return { error };
}

const postgres = await reachablePostgres();
const schemas: string[] = [];

/** A store config per stack: SQLite in the stack's temp dir, or a fresh Postgres schema. */
type StoreConfig = () => Promise<ConfigInput['store'] | undefined>;

async function freshPostgresSchema(): Promise<ConfigInput['store']> {
  const schema = `corral_gw_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  const sep = postgres.url?.includes('?') ? '&' : '?';
  return { kind: 'postgres', url: `${postgres.url}${sep}options=-c%20search_path%3D${schema}` };
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
        config: { auth: { mode }, usage: { audit }, ...(store === undefined ? {} : { store }) },
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
      expect((await fetch(`${s.url}/api/usage`)).status).toBe(401);
      const bad = await fetch(`${s.url}/api/usage?groupBy=colour`, { headers: { 'x-api-key': acme } });
      expect(bad.status).toBe(400);
    });
  });
}

describeMetering('sqlite', async () => undefined);

if (postgres.url !== undefined) {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  describeMetering('postgres', freshPostgresSchema);
} else if (process.env['CI'] === 'true') {
  describe('quotas and usage: postgres', () => {
    it('needs PostgreSQL at 127.0.0.1:5432 under CI', () => {
      expect.fail(`PostgreSQL did not answer at ${PG_URLS.join(' or ')}: ${postgres.error}`);
    });
  });
} else {
  describe.skip('quotas and usage: postgres skipped, PostgreSQL is not running at 127.0.0.1:5432', () => {
    it('runs the metering tests', () => undefined);
  });
}
