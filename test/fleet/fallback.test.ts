// Cloud fallback, end to end: an emulator serving Anthropic's Messages API stands in for the cloud
// (the gateway talks to it through the official SDK, as it would to api.anthropic.com). What is
// checked: it fires when the predicted wait is over the bound, when the actual wait reaches it,
// and when no local host has the model; it does not fire for a short wait or for a tenant without
// permission; the client is told (header, queue frame) and usage rows say cloud and cost.
import { createHash } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator } from '../../src/sim/index.js';
import type { Emulator } from '../../src/sim/index.js';
import { parseSse } from '../helpers/conformance.js';
import { postJson } from '../helpers/stack.js';
import { chat, queued, startFleet } from './fleet-stack.js';
import type { FleetStack } from './fleet-stack.js';

const CLOUD_MODEL = 'claude-haiku-4-5';

let stack: FleetStack | undefined;
let cloud: Emulator | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  await cloud?.close();
  stack = undefined;
  cloud = undefined;
});

/** One local host with llama3.2 loaded and one slot, and a cloud that may take the overflow. */
async function startWithCloud(fallback: Record<string, unknown> = {}): Promise<FleetStack> {
  cloud = await createEmulator({ tps: 0, loadMs: 0, models: [CLOUD_MODEL] });
  stack = await startFleet(
    [{ preload: ['llama3.2'] }],
    {},
    {
      fallback: {
        enabled: true,
        baseUrl: cloud.url,
        apiKey: 'sk-test-cloud',
        maxWaitMs: 2_000,
        maxRetries: 0,
        models: { 'llama3.2': CLOUD_MODEL },
        tenants: ['user:alice'],
        prices: { [CLOUD_MODEL]: { inputPerMTok: 1, outputPerMTok: 5 } },
        ...fallback,
      },
    },
  );
  return stack;
}

function chatAs(s: FleetStack, user: string, id: string, text: string, stream = false): Promise<Response> {
  return postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream, messages: [{ role: 'user', content: text }] },
    { headers: { 'x-request-id': id, 'x-corral-user': user } },
  );
}

/**
 * Holds the only local slot with a request that runs until released; `free()` releases it and
 * reads its answer. (An object, not the response promise: an async function would await that.)
 */
async function occupy(s: FleetStack): Promise<{ free(): Promise<void> }> {
  const held = s.hosts[0]!.control.waitFor('request_held');
  const running = chat(s, 'hog', 'llama3.2', 'busy [[sim:hold]]');
  await held;
  return {
    async free() {
      s.hosts[0]!.control.releaseAll();
      await (await running).text();
    },
  };
}

async function usageRow(s: FleetStack, id: string) {
  await s.corral.metering.drain();
  const rows = await s.corral.store.listUsage({ from: 0, to: Date.now() + 60_000 });
  return rows.find((r) => r.requestId === id);
}

describe('cloud fallback', () => {
  it('sends a request whose predicted wait is over the bound to the cloud at once, visibly', async () => {
    const s = await startWithCloud();
    const hog = await occupy(s);
    const cloudStarted = cloud!.control.waitFor('request_started');
    // No history yet: the estimate assumes a few seconds per request, over the 2 s bound.
    const res = await chatAs(s, 'alice', 'over', 'hello [[sim:reply from the cloud]]');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-corral-served-by')).toBe(`anthropic; model=${CLOUD_MODEL}`);
    const body = (await res.json()) as { model: string; message: { content: string }; done_reason: string };
    expect(body.message.content).toBe('from the cloud');
    // The client keeps its own model name; the cloud was asked for the mapped one.
    expect(body.model).toBe('llama3.2');
    // (The emulator reports names normalised, as Ollama does.)
    expect((await cloudStarted).model).toBe(`${CLOUD_MODEL}:latest`);
    const row = await usageRow(s, 'over');
    expect(row).toMatchObject({ backend: 'anthropic', isCloud: true, tenantId: 'user:alice', status: 'ok' });
    expect(row!.costUsd).toBeGreaterThan(0);
    expect(row!.costUsd).toBeCloseTo((row!.inputTokens * 1 + row!.outputTokens * 5) / 1e6, 9);
    // The local slot was never taken from the request holding it.
    expect(s.corral.scheduler.running).toBe(1);
    await hog.free();
    const route = s.corral.gateway.recentRoutes().find((r) => r.id === 'over');
    expect(route?.fallback).toEqual({ to: 'anthropic', model: CLOUD_MODEL, reason: 'predicted_wait' });
    // The status page and the metrics say so too.
    const status = (await fetch(`${s.url}/api/status`).then((r) => r.json())) as {
      fallback: { enabled: boolean; backend: string; maxWaitMs: number };
      routing: Array<{ id: string; fallback?: unknown; candidates: Array<{ backend: string }> }>;
    };
    expect(status.fallback).toMatchObject({ enabled: true, backend: 'anthropic', maxWaitMs: 2000 });
    const shown = status.routing.find((r) => r.id === 'over');
    expect(shown?.fallback).toEqual({ to: 'anthropic', model: CLOUD_MODEL, reason: 'predicted_wait' });
    // The local candidate that lost is shown with it.
    expect(shown?.candidates.map((c) => c.backend)).toEqual(['sim-1']);
    const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain(`corral_fallback_total{model="${CLOUD_MODEL}",reason="predicted_wait"} 1`);
    expect(metrics).toMatch(new RegExp(`corral_cloud_cost_usd_total\\{model="${CLOUD_MODEL}"\\} [0-9.e-]+`));
  });

  it('does not fall back when the slot is free or the predicted wait is short', async () => {
    const s = await startWithCloud({ maxWaitMs: 60_000 });
    const free = await chatAs(s, 'alice', 'free', '[[sim:reply local]]');
    expect(free.headers.get('x-corral-served-by')).toBeNull();
    expect(((await free.json()) as { message: { content: string } }).message.content).toBe('local');
    const hog = await occupy(s);
    const waiting = queued(s, 'short');
    const res = chatAs(s, 'alice', 'short', '[[sim:reply local again]]');
    await waiting;
    await hog.free();
    const answer = await res;
    expect(answer.headers.get('x-corral-served-by')).toBeNull();
    expect(((await answer.json()) as { message: { content: string } }).message.content).toBe('local again');
    expect(s.servedBy.get('short')).toBe('sim-1');
    expect((await usageRow(s, 'short'))?.isCloud).toBe(false);
  });

  it('moves a waiting stream to the cloud when its actual wait reaches the bound, with a queue frame', async () => {
    const s = await startWithCloud({ maxWaitMs: 400 });
    // Teach the estimator that requests here are instant, so the prediction stays under the bound.
    for (let i = 0; i < 3; i++) await (await chat(s, `warm-${i}`, 'llama3.2', '[[sim:reply ok]]')).text();
    const hog = await occupy(s);
    const waiting = queued(s, 'late');
    const res = postJson(
      `${s.url}/v1/messages`,
      {
        model: 'llama3.2',
        max_tokens: 64,
        stream: true,
        messages: [{ role: 'user', content: '[[sim:reply moved]]' }],
      },
      { headers: { 'x-request-id': 'late', 'x-corral-user': 'alice' } },
    );
    await waiting;
    const answer = await res;
    const events = parseSse(await answer.text());
    const queueEvents = events
      .filter((e) => e.event === 'queue')
      .map((e) => JSON.parse(e.data) as { type: string });
    expect(queueEvents[0]).toMatchObject({ type: 'queued' });
    expect(queueEvents.at(-1)).toEqual({
      type: 'fallback',
      to: 'anthropic',
      model: CLOUD_MODEL,
      reason: 'wait_exceeded',
    });
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (JSON.parse(e.data) as { delta: { text?: string } }).delta.text ?? '')
      .join('');
    expect(text).toBe('moved');
    expect(events.at(-1)?.event).toBe('message_stop');
    expect(s.corral.scheduler.get('late')?.state).toBe('fallback');
    expect(await usageRow(s, 'late')).toMatchObject({ isCloud: true, backend: 'anthropic' });
    await hog.free();
  });

  it('a client deadline shorter than the bound sends the request to the cloud, not to a timeout', async () => {
    const s = await startWithCloud({ maxWaitMs: 60_000 });
    for (let i = 0; i < 3; i++) await (await chat(s, `warm-${i}`, 'llama3.2', '[[sim:reply ok]]')).text();
    const hog = await occupy(s);
    const res = await postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: '[[sim:reply in time]]' }] },
      { headers: { 'x-request-id': 'hurry', 'x-corral-user': 'alice', 'x-corral-max-wait-ms': '200' } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-corral-served-by')).toBe(`anthropic; model=${CLOUD_MODEL}`);
    expect(((await res.json()) as { message: { content: string } }).message.content).toBe('in time');
    expect(s.corral.scheduler.get('hurry')?.state).toBe('fallback');
    await hog.free();
  });

  it('never sends a tenant without permission to the cloud: it waits for the local host', async () => {
    const s = await startWithCloud({ maxWaitMs: 100 });
    const hog = await occupy(s);
    const waiting = queued(s, 'bob-1');
    const res = chatAs(s, 'bob', 'bob-1', '[[sim:reply stayed local]]');
    await waiting;
    // Well past the bound: still waiting, not in the cloud.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.corral.scheduler.get('bob-1')?.state).toBe('queued');
    await hog.free();
    const answer = await res;
    expect(answer.headers.get('x-corral-served-by')).toBeNull();
    expect(((await answer.json()) as { message: { content: string } }).message.content).toBe('stayed local');
    expect(cloud!.control.stats().served).toBe(0);
  });

  it('serves a model no local host has from the cloud, through the Anthropic SDK', async () => {
    // Open mode: a client's key names its tenant (hashed); this one may use the cloud.
    const keyTenant = `key:${createHash('sha256').update('alice-key').digest('hex').slice(0, 16)}`;
    const s = await startWithCloud({
      models: { 'llama3.2': CLOUD_MODEL, '*': CLOUD_MODEL },
      tenants: [keyTenant],
    });
    const client = new Anthropic({ baseURL: s.url, apiKey: 'alice-key', maxRetries: 0 });
    const { data: message, response } = await client.messages
      .create({
        model: 'mistral-large',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'Weather? [[sim:tool get_weather {"city":"Paris"}]]' }],
        tools: [
          { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        ],
      })
      .withResponse();
    expect(response.headers.get('x-corral-served-by')).toBe(`anthropic; model=${CLOUD_MODEL}`);
    expect(message.stop_reason).toBe('tool_use');
    const call = message.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    // A tenant without permission gets the local answer: the model does not exist.
    const denied = new Anthropic({
      baseURL: s.url,
      apiKey: 'any',
      defaultHeaders: { 'x-corral-user': 'bob' },
      maxRetries: 0,
    });
    await expect(
      denied.messages.create({
        model: 'mistral-large',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('reports a cloud failure in the client protocol shape', async () => {
    const s = await startWithCloud({ models: { '*': CLOUD_MODEL } });
    const overloaded = await postJson(
      `${s.url}/v1/messages`,
      {
        model: 'nowhere',
        max_tokens: 10,
        messages: [{ role: 'user', content: '[[sim:fail_before 529 busy]]' }],
      },
      { headers: { 'x-corral-user': 'alice' } },
    );
    expect(overloaded.status).toBe(529);
    const body = (await overloaded.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(body.error.message).toMatch(/cloud API is overloaded/);
    const openai = await postJson(
      `${s.url}/v1/chat/completions`,
      {
        model: 'nowhere',
        messages: [{ role: 'user', content: '[[sim:fail_before 400 prompt is too long]]' }],
      },
      { headers: { 'x-corral-user': 'alice' } },
    );
    expect(openai.status).toBe(400);
    const err = (await openai.json()) as { error: { type: string; message: string } };
    expect(err.error).toMatchObject({ type: 'invalid_request_error' });
    expect(err.error.message).toMatch(/cloud model refused the request/);
  });

  it('counts cloud requests and their cost per tenant in /api/usage', async () => {
    const s = await startWithCloud({ tenants: ['user:alice', 'user:carol'] });
    const hog = await occupy(s);
    for (const [user, id] of [
      ['alice', 'a1'],
      ['alice', 'a2'],
      ['carol', 'c1'],
    ] as const) {
      const res = await chatAs(s, user, id, '[[sim:reply paid for]]');
      expect(res.headers.get('x-corral-served-by')).not.toBeNull();
      await res.text();
    }
    await hog.free();
    await s.corral.metering.drain();
    const rows = await s.corral.store.listUsage({ from: 0, to: Date.now() + 60_000 });
    const costOf = (tenant: string) =>
      rows.filter((r) => r.tenantId === tenant).reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
    const usage = await fetch(`${s.url}/api/usage?groupBy=tenant`);
    const groups = (
      (await usage.json()) as {
        groups: Array<{ group: { tenant: string }; cloudRequests: number; costUsd: number }>;
      }
    ).groups;
    const byTenant = new Map(groups.map((g) => [g.group.tenant, g]));
    expect(byTenant.get('user:alice')).toMatchObject({ cloudRequests: 2 });
    expect(byTenant.get('user:carol')).toMatchObject({ cloudRequests: 1 });
    expect(byTenant.get('user:alice')!.costUsd).toBeCloseTo(costOf('user:alice'), 6);
    expect(byTenant.get('user:alice')!.costUsd).toBeGreaterThan(byTenant.get('user:carol')!.costUsd);
  });

  it("keys mode: the key's tenant record decides, whatever fallback.tenants says", async () => {
    cloud = await createEmulator({ tps: 0, loadMs: 0, models: [CLOUD_MODEL] });
    stack = await startFleet(
      [{ preload: ['llama3.2'] }],
      {},
      {
        auth: { mode: 'keys' },
        fallback: {
          enabled: true,
          baseUrl: cloud.url,
          apiKey: 'sk-test-cloud',
          maxWaitMs: 2_000,
          models: { '*': CLOUD_MODEL },
          tenants: ['*'],
        },
      },
    );
    const s = stack;
    await s.corral.store.createTenant({ id: 'allowed', name: 'Allowed', cloudFallback: true });
    await s.corral.store.createTenant({ id: 'private', name: 'Private' });
    const allowedKey = (await s.corral.store.createKey({ tenantId: 'allowed' })).plaintext;
    const privateKey = (await s.corral.store.createKey({ tenantId: 'private' })).plaintext;
    const ask = (key: string) =>
      postJson(
        `${s.url}/v1/messages`,
        { model: 'not-local', max_tokens: 20, messages: [{ role: 'user', content: '[[sim:reply cloud]]' }] },
        { headers: { 'x-api-key': key } },
      );
    const allowed = await ask(allowedKey);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('x-corral-served-by')).toBe(`anthropic; model=${CLOUD_MODEL}`);
    await allowed.text();
    const denied = await ask(privateKey);
    expect(denied.status).toBe(404);
    await denied.text();
    expect(cloud.control.stats().served).toBe(1);
  });
});
