// The fair queue seen from outside: a heavy user cannot starve light ones, priorities with a
// per-tenant ceiling, and per-tenant limits answered in the caller's protocol shape.
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, queued, releaseInOrder, startStack } from '../helpers/stack.js';
import type { Stack, StackOptions } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

async function fairStack(config: StackOptions['config'] = {}): Promise<Stack> {
  stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 8 }], config });
  return stack;
}

function send(s: Stack, id: string, user: string, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: `[[sim:hold ${id}]]` }] },
    { headers: { 'x-request-id': id, 'x-corral-user': user, ...headers } },
  );
}

describe('fair queue through HTTP', () => {
  it('light users go ahead of a heavy user’s backlog', async () => {
    const s = await fairStack();
    const responses = [send(s, 'f0', 'flood')];
    await s.hosts[0]!.control.waitFor('request_held');
    for (let i = 1; i <= 8; i++) {
      responses.push(send(s, `f${i}`, 'flood'));
      await queued(s, `f${i}`);
    }
    for (const light of ['a', 'b', 'c']) {
      responses.push(send(s, `l-${light}`, light));
      await queued(s, `l-${light}`);
    }
    // The light users' requests already stand at the head of the line.
    expect(s.corral.scheduler.get('l-c')?.position).toBeLessThanOrEqual(3);
    s.hosts[0]!.control.release('f0');
    const order = await releaseInOrder(s, 11);
    expect(order.slice(0, 3).sort()).toEqual(['l-a', 'l-b', 'l-c']);
    expect((await Promise.all(responses)).every((r) => r.status === 200)).toBe(true);
  });

  it('interactive before batch, and a tenant cannot ask above its ceiling', async () => {
    const s = await fairStack({ scheduler: { tenants: { 'user:bot': { maxPriority: 'batch' } } } });
    const responses = [send(s, 'p0', 'x')];
    await s.hosts[0]!.control.waitFor('request_held');
    responses.push(send(s, 'batch', 'y', { 'x-corral-priority': 'batch' }));
    await queued(s, 'batch');
    responses.push(send(s, 'bot', 'bot', { 'x-corral-priority': 'interactive' }));
    await queued(s, 'bot');
    responses.push(send(s, 'urgent', 'z', { 'x-corral-priority': 'interactive' }));
    await queued(s, 'urgent');
    expect(s.corral.scheduler.get('urgent')?.position).toBe(1);
    s.hosts[0]!.control.release('p0');
    const order = await releaseInOrder(s, 3);
    expect(order[0]).toBe('urgent');
    // The bot asked for interactive but is capped at batch: it does not jump the batch job.
    expect(order.slice(1)).toEqual(['batch', 'bot']);
    await Promise.all(responses);
  });

  it('a tenant over its queue limit gets 429 with retry-after; others still get in', async () => {
    const s = await fairStack({ scheduler: { tenants: { 'user:greedy': { maxQueued: 1 } } } });
    const responses = [send(s, 'g0', 'greedy')];
    await s.hosts[0]!.control.waitFor('request_held');
    responses.push(send(s, 'g1', 'greedy'));
    await queued(s, 'g1');
    const refused = await send(s, 'g2', 'greedy');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Object.keys((await refused.json()) as object)).toEqual(['error']);
    const anthropic = await postJson(
      `${s.url}/v1/messages`,
      { model: 'llama3.2', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-corral-user': 'greedy' } },
    );
    expect(anthropic.status).toBe(429);
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    responses.push(send(s, 'other', 'someone-else'));
    await queued(s, 'other');
    s.hosts[0]!.control.releaseAll();
    await releaseInOrder(s, 2);
    expect((await Promise.all(responses)).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('reports an ETA for waiting requests once it has measured the model', async () => {
    const s = await fairStack();
    for (let i = 0; i < 3; i++) {
      const warm = await postJson(`${s.url}/api/chat`, {
        model: 'llama3.2',
        stream: false,
        messages: [{ role: 'user', content: 'warm up [[sim:long 8]]' }],
      });
      expect(warm.status).toBe(200);
    }
    const responses = [send(s, 'e0', 'x')];
    await s.hosts[0]!.control.waitFor('request_held');
    responses.push(send(s, 'e1', 'y'));
    await queued(s, 'e1');
    const answer = (await fetch(`${s.url}/api/queue/e1`).then((r) => r.json())) as { etaMs?: number };
    expect(typeof answer.etaMs).toBe('number');
    s.hosts[0]!.control.releaseAll();
    await releaseInOrder(s, 1);
    await Promise.all(responses);
  });
});
