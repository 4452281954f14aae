// Keys mode (issue 7): a key's life through the admin HTTP API, the 401 and 403 every protocol
// renders in its own shape (checked with the official SDKs), and the admin key's own guard.
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

const ADMIN = 'admin-secret-0123456789';
let stack: Stack;
let key: string;

beforeAll(async () => {
  stack = await startStack({ config: { auth: { mode: 'keys', adminKey: ADMIN } } });
  await stack.store.createTenant({ id: 'acme', name: 'Acme', allowedModels: ['llama3.2'] });
  key = (await stack.store.createKey({ tenantId: 'acme', label: 'ci' })).plaintext;
});
afterAll(() => stack.close());

function admin(path: string, init: { method?: string; body?: unknown; key?: string } = {}) {
  return fetch(stack.url + path, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init.key ?? ADMIN}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

const hi = [{ role: 'user' as const, content: 'hi [[sim:reply ok]]' }];

describe('key lifecycle over the admin API', () => {
  it('creates a tenant and a key, the key works, is listed without its secret, and stops working once revoked', async () => {
    const tenant = await admin('/api/admin/tenants', {
      method: 'POST',
      body: { id: 'beta', name: 'Beta', priority: 'batch', limits: { requestsPerMinute: 100 } },
    });
    expect(tenant.status).toBe(201);
    const created = (await (
      await admin('/api/admin/keys', { method: 'POST', body: { tenantId: 'beta', label: 'laptop' } })
    ).json()) as { key: { id: string; prefix: string }; plaintext: string };
    expect(created.plaintext).toMatch(/^crl_/);

    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: created.plaintext, maxRetries: 0 });
    const ok = await client.chat.completions.create({ model: 'llama3.2', messages: hi });
    expect(ok.choices[0]?.message.content).toBe('ok');

    const listed = await (await admin('/api/admin/keys?tenantId=beta')).text();
    expect(listed).toContain(created.key.id);
    expect(listed).not.toContain(created.plaintext);

    const updated = await admin(`/api/admin/keys/${created.key.id}`, {
      method: 'PATCH',
      body: { label: 'old laptop' },
    });
    expect(await updated.json()).toMatchObject({ label: 'old laptop' });
    expect((await admin(`/api/admin/keys/${created.key.id}`, { method: 'DELETE' })).status).toBe(200);

    const err: unknown = await client.chat.completions
      .create({ model: 'llama3.2', messages: hi })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('updates a tenant and lists tenants and users', async () => {
    expect(
      (await admin('/api/admin/users', { method: 'POST', body: { id: 'ann', name: 'Ann' } })).status,
    ).toBe(201);
    const patched = await admin('/api/admin/tenants/acme', { method: 'PATCH', body: { weight: 2 } });
    expect(await patched.json()).toMatchObject({ id: 'acme', weight: 2 });
    expect(await (await admin('/api/admin/users')).json()).toMatchObject({ users: [{ id: 'ann' }] });
    const { tenants } = (await (await admin('/api/admin/tenants')).json()) as {
      tenants: Array<{ id: string }>;
    };
    expect(tenants.map((t) => t.id).sort()).toEqual(['acme', 'beta']);
  });

  it('creates and lists teams, and a user created in a team belongs to it', async () => {
    const team = await admin('/api/admin/teams', { method: 'POST', body: { id: 'ml', name: 'ML' } });
    expect(team.status).toBe(201);
    expect(await team.json()).toMatchObject({ id: 'ml', name: 'ML', createdAt: expect.any(Number) });
    expect(await (await admin('/api/admin/teams')).json()).toMatchObject({
      teams: [{ id: 'ml', name: 'ML' }],
    });

    const bob = await admin('/api/admin/users', {
      method: 'POST',
      body: { id: 'bob', name: 'Bob', teamId: 'ml' },
    });
    expect(bob.status).toBe(201);
    expect(await bob.json()).toMatchObject({ id: 'bob', teamId: 'ml' });
    expect(await stack.store.listUsers({ teamId: 'ml' })).toMatchObject([{ id: 'bob', name: 'Bob' }]);

    const nowhere = await admin('/api/admin/users', {
      method: 'POST',
      body: { name: 'Eve', teamId: 'nope' },
    });
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({ error: 'team nope not found' });
    const twice = await admin('/api/admin/teams', { method: 'POST', body: { id: 'ml', name: 'Again' } });
    expect(twice.status).toBe(400);
    expect((await admin('/api/admin/teams', { method: 'POST', body: { id: 'x' } })).status).toBe(400);
    expect((await admin('/api/admin/teams', { key })).status).toBe(403);
  });

  it('refuses a tenant priority that is not a configured class, naming the classes', async () => {
    const expected = {
      error:
        "priority 'urgent' is not a configured class: use one of interactive, default, batch (scheduler.priorities)",
    };
    const created = await admin('/api/admin/tenants', {
      method: 'POST',
      body: { id: 'gamma', name: 'Gamma', priority: 'urgent' },
    });
    expect(created.status).toBe(400);
    expect(await created.json()).toEqual(expected);
    expect(await stack.store.getTenant('gamma')).toBeUndefined();

    const patched = await admin('/api/admin/tenants/acme', { method: 'PATCH', body: { priority: 'urgent' } });
    expect(patched.status).toBe(400);
    expect(await patched.json()).toEqual(expected);
    expect((await stack.store.getTenant('acme'))?.priority).toBe('default');
  });

  it('answers 401 without a credential, 403 with an API key, 400 naming a bad field', async () => {
    const missing = await fetch(`${stack.url}/api/admin/tenants`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: 'the admin key is required' });
    expect((await admin('/api/admin/tenants', { key })).status).toBe(403);
    const bad = await admin('/api/admin/tenants', { method: 'POST', body: { name: 'x', weight: -1 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^weight:/);
  });
});

describe('auth failures in each protocol shape', () => {
  it('Anthropic SDK with a bad key gets AuthenticationError; no key gets the same shape', async () => {
    const client = new Anthropic({ baseURL: stack.url, apiKey: 'crl_notarealkey000000', maxRetries: 0 });
    const err: unknown = await client.messages
      .create({ model: 'llama3.2', max_tokens: 10, messages: hi })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    // The SDK refuses to send a request without a key, so check that one with plain HTTP.
    const res = await postJson(
      `${stack.url}/v1/messages`,
      { model: 'llama3.2', max_tokens: 10, messages: hi },
      {
        headers: { 'anthropic-version': '2023-06-01' },
      },
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('OpenAI SDK with a bad key gets AuthenticationError with code invalid_api_key', async () => {
    const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'crl_wrong', maxRetries: 0 });
    const err: unknown = await client.chat.completions
      .create({ model: 'llama3.2', messages: hi })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    // The shared /v1/models path needs the key too.
    await expect(client.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('ollama client without a key gets a 401 {error}', async () => {
    const client = new Ollama({ host: stack.url });
    const err: unknown = await client.chat({ model: 'llama3.2', messages: hi }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status_code: 401, error: expect.stringMatching(/API key is required/) });
    // Liveness probes stay open.
    expect((await fetch(`${stack.url}/api/version`)).status).toBe(200);
  });

  it('a valid key works with all three clients', async () => {
    const anthropic = new Anthropic({ baseURL: stack.url, apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'llama3.2', max_tokens: 10, messages: hi });
    expect(message.content).toEqual([expect.objectContaining({ text: 'ok' })]);
    const ollama = new Ollama({ host: stack.url, headers: { authorization: `Bearer ${key}` } });
    expect((await ollama.chat({ model: 'llama3.2', messages: hi })).message.content).toBe('ok');
  });

  it('a model outside the tenant allowed list is 403 in each shape', async () => {
    const anthropic = new Anthropic({ baseURL: stack.url, apiKey: key, maxRetries: 0 });
    const a: unknown = await anthropic.messages
      .create({ model: 'qwen3', max_tokens: 10, messages: hi })
      .catch((e: unknown) => e);
    expect(a).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const openai = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: key, maxRetries: 0 });
    const o: unknown = await openai.chat.completions
      .create({ model: 'qwen3', messages: hi })
      .catch((e: unknown) => e);
    expect(o).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const res = await postJson(
      `${stack.url}/api/chat`,
      { model: 'qwen3', messages: hi },
      { headers: { 'x-api-key': key } },
    );
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "model 'qwen3' is not allowed for tenant 'acme'" });
  });

  it('status and metrics stay open', async () => {
    expect((await fetch(`${stack.url}/api/status`)).status).toBe(200);
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(200);
  });
});

describe('admin endpoints without an admin key', () => {
  it('do not exist (404)', async () => {
    const open = await startStack();
    try {
      expect(
        (await fetch(`${open.url}/api/admin/tenants`, { headers: { authorization: 'Bearer x' } })).status,
      ).toBe(404);
    } finally {
      await open.close();
    }
  });
});
