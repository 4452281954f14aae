// Keys mode and the fair queue (issue 7 audit): a key's tenant record (its priority class) must
// reach the scheduler, not only the quota check. A batch-class key that asks for `interactive`
// is clamped to batch and waits behind an interactive key; a tenant record naming a class that
// is not configured (written before the classes were renamed) runs in the default class, never
// in the top one.
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, queued, releaseInOrder, startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

function send(s: Stack, id: string, key: string, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: `[[sim:hold ${id}]]` }] },
    { headers: { 'x-request-id': id, authorization: `Bearer ${key}`, ...headers } },
  );
}

describe('fair queue in keys mode', () => {
  it("clamps a key's priority hint to its tenant's class, and reads an unknown class as default", async () => {
    // One slot upstream, so everything after the first request waits in the fair queue.
    const s = await startStack({
      hosts: [{ tps: 0, loadMs: 0, parallel: 8 }],
      config: { auth: { mode: 'keys' } },
    });
    stack = s;
    const keyOf = async (id: string, priority: string) => {
      await s.store.createTenant({ id, name: id, priority });
      return (await s.store.createKey({ tenantId: id })).plaintext;
    };
    const first = await keyOf('first', 'default');
    const bulk = await keyOf('bulk', 'batch');
    const live = await keyOf('live', 'interactive');
    // Straight into the store: the admin API and CLI refuse this name now.
    const legacy = await keyOf('legacy', 'urgent');

    const responses = [send(s, 'first', first)];
    await s.hosts[0]!.control.waitFor('request_held');
    responses.push(send(s, 'bulk', bulk, { 'x-corral-priority': 'interactive' }));
    await queued(s, 'bulk');
    responses.push(send(s, 'legacy', legacy, { 'x-corral-priority': 'interactive' }));
    await queued(s, 'legacy');
    // No hint: the tenant's own class (interactive) is the request's class.
    responses.push(send(s, 'live', live));
    await queued(s, 'live');

    expect(s.corral.scheduler.get('live')?.position).toBe(1);
    expect(s.corral.scheduler.get('legacy')?.position).toBe(2);
    expect(s.corral.scheduler.get('bulk')?.position).toBe(3);
    s.hosts[0]!.control.release('first');
    expect(await releaseInOrder(s, 3)).toEqual(['live', 'legacy', 'bulk']);
    expect((await Promise.all(responses)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });
});
