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

interface StatusBody {
  status: string;
  backends: Array<{
    name: string;
    state: string;
    reachable: boolean;
    error?: string;
    consecutiveFailures: number;
  }>;
}

async function status(s: FleetStack): Promise<StatusBody> {
  return (await fetch(`${s.url}/api/status`).then((r) => r.json())) as StatusBody;
}

function backend(body: StatusBody, name: string): StatusBody['backends'][number] | undefined {
  return body.backends.find((b) => b.name === name);
}

describe('circuit breaker', () => {
  it('opens after consecutive failed checks, probes after the cool-down, and closes when the host is back', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, { preload: ['llama3.2'] }], {
      failureThreshold: 2,
      cooldownMs: 50,
    });
    const s = stack;
    expect(backend(await status(s), 'sim-1')).toMatchObject({ state: 'healthy', reachable: true });

    const opened = s.nextFleetEvent((e) => e.type === 'circuit_opened' && e.backend === 'sim-1');
    await s.hosts[0]!.close();
    // Each status read checks the healthy backends: the first failure only marks it failing.
    const failing = await status(s);
    expect(failing.status).toBe('degraded');
    expect(backend(failing, 'sim-1')).toMatchObject({
      state: 'failing',
      reachable: false,
      consecutiveFailures: 1,
    });
    expect(backend(failing, 'sim-1')?.error).toMatch(/not reachable/);
    await status(s);
    await opened;
    expect(backend(await status(s), 'sim-1')).toMatchObject({
      state: expect.stringMatching(/^(open|half_open)$/),
    });

    // While open, everything goes to the other host, without a failed attempt first.
    const res = await chat(s, 'o1', 'llama3.2', 'x [[sim:reply ok]]');
    expect(res.status).toBe(200);
    await res.text();
    expect(s.servedBy.get('o1')).toBe('sim-2');

    const closed = s.nextFleetEvent((e) => e.type === 'circuit_closed' && e.backend === 'sim-1');
    const fresh = await s.restart(0, { models: ['llama3.2'] });
    // Loaded there, so the router has no reason (load cost) to keep the work on sim-2.
    await (await postJson(`${fresh.url}/api/chat`, { model: 'llama3.2', messages: [] })).text();
    await closed;
    await s.corral.gateway.fleet.refresh();
    const healthy = await status(s);
    expect(healthy.status).toBe('ok');
    expect(backend(healthy, 'sim-1')).toMatchObject({
      state: 'healthy',
      reachable: true,
      consecutiveFailures: 0,
    });

    // Back in routing and in the scheduler: two concurrent requests use both hosts again.
    const held = s.hosts.map((h) => h.control.waitFor('request_held'));
    const both = [chat(s, 'b1', 'llama3.2', 'a [[sim:hold]]'), chat(s, 'b2', 'llama3.2', 'b [[sim:hold]]')];
    await Promise.all(held);
    s.hosts.forEach((h) => h.control.releaseAll());
    for (const r of await Promise.all(both)) expect(r.status).toBe(200);
    expect(new Set([s.servedBy.get('b1'), s.servedBy.get('b2')])).toEqual(new Set(['sim-1', 'sim-2']));
  });

  it('a failed half-open probe opens the circuit again', async () => {
    stack = await startFleet([{}, {}], { failureThreshold: 1, cooldownMs: 20 });
    const s = stack;
    const events: string[] = [];
    s.corral.gateway.fleet.on((e) => {
      if (e.backend === 'sim-1' && e.type !== 'refreshed') events.push(e.type);
    });
    const reopened = new Promise<void>((resolve) => {
      let opens = 0;
      const off = s.corral.gateway.fleet.on((e) => {
        if (e.type === 'circuit_opened' && e.backend === 'sim-1' && ++opens === 2) {
          off();
          resolve();
        }
      });
    });
    await s.hosts[0]!.close();
    await s.corral.gateway.fleet.refresh();
    await reopened;
    expect(events.slice(0, 3)).toEqual(['circuit_opened', 'circuit_half_open', 'circuit_opened']);
  });

  it('requests failing on an unreachable host open its circuit (passive counting)', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, {}], { failureThreshold: 1, cooldownMs: 60_000 });
    const s = stack;
    const opened = s.nextFleetEvent((e) => e.type === 'circuit_opened');
    await s.hosts[0]!.close();
    const res = await chat(s, 'p1', 'llama3.2', 'x [[sim:reply ok]]');
    expect(res.status).toBe(200);
    await res.text();
    expect(await opened).toMatchObject({ backend: 'sim-1' });
    expect(backend(await status(s), 'sim-1')).toMatchObject({ state: 'open', reachable: false });
  });
});
