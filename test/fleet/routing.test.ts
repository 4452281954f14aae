import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from '../helpers/stack.js';
import { chat, startFleet } from './fleet-stack.js';
import type { FleetStack } from './fleet-stack.js';

let stack: FleetStack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

describe('routing across hosts', () => {
  it('sends a model to the host where it is loaded, not to a cold one listed first', async () => {
    stack = await startFleet([{}, { preload: ['qwen3:8b'] }]);
    for (const id of ['q1', 'q2', 'q3']) {
      const res = await chat(stack, id, 'qwen3:8b', 'hi [[sim:reply ok]]');
      expect(res.status).toBe(200);
      await res.text();
    }
    expect(['q1', 'q2', 'q3'].map((id) => stack!.servedBy.get(id))).toEqual(['sim-2', 'sim-2', 'sim-2']);
    // The cold host never loaded it.
    expect(stack.hosts[0]!.control.stats().loads).toBe(0);
    // The status page shows why: only the host with the model loaded was listed.
    const status = (await fetch(`${stack.url}/api/status`).then((r) => r.json())) as {
      routing: Array<{
        id: string;
        model: string;
        candidates: Array<{ backend: string; resident: boolean }>;
      }>;
    };
    expect(status.routing.find((r) => r.id === 'q1')).toMatchObject({
      model: 'qwen3:8b',
      candidates: [{ backend: 'sim-2', resident: true, loadMs: 0 }],
    });
  });

  it('spreads concurrent requests over the hosts that have the model loaded', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, { preload: ['llama3.2'] }]);
    const held = stack.hosts.map((h) => h.control.waitFor('request_held'));
    const first = chat(stack, 's1', 'llama3.2', 'a [[sim:hold]]');
    const second = chat(stack, 's2', 'llama3.2', 'b [[sim:hold]]');
    // One on each host: the second request did not queue behind the first.
    await Promise.all(held);
    expect(stack.corral.scheduler.queued).toBe(0);
    stack.hosts.forEach((h) => h.control.releaseAll());
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(new Set([stack.servedBy.get('s1'), stack.servedBy.get('s2')])).toEqual(
      new Set(['sim-1', 'sim-2']),
    );
  });

  it('uses only hosts that have the model installed, and answers 404 when none has it', async () => {
    stack = await startFleet([
      { sim: { models: ['llama3.2'] } },
      { sim: { models: ['llama3.2', 'llava:7b'] } },
    ]);
    const received: string[] = [];
    stack.hosts[0]!.control.on('request_received', (e) => received.push(e.model));
    for (const id of ['v1', 'v2']) {
      const res = await chat(stack, id, 'llava:7b', 'look [[sim:reply ok]]');
      expect(res.status).toBe(200);
      await res.text();
      expect(stack.servedBy.get(id)).toBe('sim-2');
    }
    const missing = await chat(stack, 'm1', 'nope', 'x');
    expect(missing.status).toBe(404);
    // Ollama's own text, so a client reads what Ollama would have said.
    expect(await missing.json()).toEqual({ error: "model 'nope' not found" });
    expect(received).toEqual([]);
  });

  it('finds a model pulled after the last discovery instead of answering 404', async () => {
    stack = await startFleet([{ sim: { models: ['llama3.2'] } }]);
    // The host comes back with another model installed: the fleet's view is stale.
    await stack.hosts[0]!.close();
    await stack.restart(0, { models: ['llama3.2', 'llava:7b'] });
    const res = await chat(stack, 'p1', 'llava:7b', 'x [[sim:reply ok]]');
    // The gateway looked again before refusing.
    expect(res.status).toBe(200);
    await res.text();
  });

  it('keeps a conversation on the host that served its previous turn (prompt cache)', async () => {
    // sim-2 is the slower host: without affinity, free-for-all traffic prefers sim-1.
    stack = await startFleet([{ preload: ['llama3.2'] }, { preload: ['llama3.2'], sim: { tps: 8 } }]);
    const s = stack;
    const system = { role: 'system', content: 'You are a patient tutor. '.repeat(200) };
    const first = { role: 'user', content: 'Explain recursion [[sim:reply It calls itself.]]' };
    const turn = (id: string, messages: unknown[]) =>
      postJson(
        `${s.url}/api/chat`,
        { model: 'llama3.2', stream: false, messages },
        { headers: { 'x-request-id': id } },
      );
    // The first turn lands on sim-2 because sim-1 is busy.
    const held = s.hosts[0]!.control.waitFor('request_held');
    const busy = chat(s, 'busy', 'llama3.2', 'x [[sim:hold]]');
    await held;
    const started = s.hosts[1]!.control.waitFor('request_started');
    const t1 = turn('t1', [system, first]);
    await started;
    s.hosts[0]!.control.releaseAll();
    await (await busy).text();
    await (await t1).text();
    expect(s.servedBy.get('t1')).toBe('sim-2');
    // Both hosts are free: a new conversation goes to the faster sim-1, the continuation back to
    // sim-2, where its long history is cached.
    await (await turn('other', [{ role: 'user', content: 'Unrelated [[sim:reply ok]]' }])).text();
    expect(s.servedBy.get('other')).toBe('sim-1');
    const history = [system, first, { role: 'assistant', content: 'It calls itself.' }];
    await (
      await turn('t2', [...history, { role: 'user', content: 'More? [[sim:reply Base cases.]]' }])
    ).text();
    expect(s.servedBy.get('t2')).toBe('sim-2');
    const status = (await fetch(`${s.url}/api/status`).then((r) => r.json())) as {
      routing: Array<{ id: string; candidates: Array<{ backend: string; affinityMs: number }> }>;
    };
    const t2 = status.routing.find((r) => r.id === 't2');
    expect(t2?.candidates[0]).toMatchObject({ backend: 'sim-2' });
    expect(t2?.candidates[0]!.affinityMs).toBeGreaterThan(0);
  });

  it('sends a request to the host that has the model at its num_ctx, instead of reloading another', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, {}]);
    const s = stack;
    // sim-2 gets llama3.2 at 8192 tokens of context before the gateway looks (a direct load).
    const load = await postJson(`${s.hosts[1]!.url}/api/chat`, {
      model: 'llama3.2',
      messages: [],
      options: { num_ctx: 8192 },
    });
    await load.text();
    await s.corral.gateway.fleet.refresh();
    const loads = s.hosts.map((h) => h.control.stats().loads);
    const ask = (id: string, numCtx?: number) =>
      postJson(
        `${s.url}/api/chat`,
        {
          model: 'llama3.2',
          stream: false,
          messages: [{ role: 'user', content: '[[sim:reply ok]]' }],
          ...(numCtx === undefined ? {} : { options: { num_ctx: numCtx } }),
        },
        { headers: { 'x-request-id': id } },
      ).then((r) => r.text());
    await ask('big', 8192);
    await ask('default', 4096);
    expect(s.servedBy.get('big')).toBe('sim-2');
    expect(s.servedBy.get('default')).toBe('sim-1');
    // Neither host had to reload.
    expect(s.hosts.map((h) => h.control.stats().loads)).toEqual(loads);
  });
});
