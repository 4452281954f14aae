import { afterEach, describe, expect, it } from 'vitest';
import { readNdjson } from '../helpers/stack.js';
import { chat, queued, startFleet } from './fleet-stack.js';
import type { FleetStack } from './fleet-stack.js';

let stack: FleetStack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

/** Releases every hold on host `i` as soon as it is taken. */
function autoRelease(s: FleetStack, i: number): void {
  const host = s.hosts[i]!;
  // `request_held` is emitted just before the hold is registered (same tick).
  host.control.on('request_held', (e) => queueMicrotask(() => host.control.release(e.id)));
}

describe('failover', () => {
  it('a host dies mid-queue: queued requests finish on the other host', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, { preload: ['llama3.2'] }], {
      failureThreshold: 1,
      cooldownMs: 60_000,
    });
    const s = stack;
    const held = s.hosts.map((h) => h.control.waitFor('request_held'));
    const running = [
      chat(s, 'r1', 'llama3.2', 'a [[sim:hold]]'),
      chat(s, 'r2', 'llama3.2', 'b [[sim:hold]]'),
    ];
    await Promise.all(held);
    const waitingNow = [queued(s, 'r3'), queued(s, 'r4')];
    const waiting = [
      chat(s, 'r3', 'llama3.2', 'c [[sim:reply ok]]'),
      chat(s, 'r4', 'llama3.2', 'd [[sim:reply ok]]'),
    ];
    await Promise.all(waitingNow);
    const opened = s.nextFleetEvent((e) => e.type === 'circuit_opened' && e.backend === 'sim-1');
    await s.hosts[0]!.close();
    await opened;
    autoRelease(s, 1);
    s.hosts[1]!.control.releaseAll();
    for (const res of await Promise.all(waiting)) {
      expect(res.status).toBe(200);
      expect(((await res.json()) as { message: { content: string } }).message.content).toBe('ok');
    }
    expect(s.servedBy.get('r3')).toBe('sim-2');
    expect(s.servedBy.get('r4')).toBe('sim-2');
    // The request that was on the dead host ended (with an error, or retried before its first
    // byte); none hangs.
    await Promise.all(running.map((r) => r.then((res) => res.text())));
    expect(s.corral.scheduler.queued).toBe(0);
    expect(s.corral.scheduler.running).toBe(0);
  });

  it('a request whose host refuses the connection is retried on another host before its first byte', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, {}], { failureThreshold: 5 });
    await stack.hosts[0]!.close();
    // The fleet still believes sim-1 is healthy and has the model loaded: it is tried first.
    const res = await chat(stack, 'f1', 'llama3.2', 'x [[sim:reply fine]]', true);
    expect(res.status).toBe(200);
    const lines = await readNdjson(res);
    expect(lines.at(-1)).toMatchObject({ done: true });
    expect(stack.servedBy.get('f1')).toBe('sim-2');
  });

  it('a stream that already sent output ends with an error line, not a retry', async () => {
    stack = await startFleet([{ preload: ['llama3.2'] }, { preload: ['llama3.2'] }]);
    const res = await chat(stack, 'e1', 'llama3.2', 'x [[sim:long 20]] [[sim:fail_after 3 boom]]', true);
    expect(res.status).toBe(200);
    const lines = await readNdjson(res);
    expect(lines.at(-1)).toMatchObject({ error: expect.stringMatching(/boom/) });
    const served = stack.hosts.map((h) => h.control.stats().served + h.control.stats().failed);
    expect(served.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('requests waiting only for a host whose circuit opens are routed to a host that can load the model', async () => {
    // sim-2 holds another model and fits one: loading llama3.2 there would evict it, so while
    // sim-1 has llama3.2 loaded and frees soon, the router lists only sim-1.
    stack = await startFleet(
      [
        { preload: ['llama3.2'] },
        { preload: ['qwen3:8b'], sim: { maxLoadedModels: 1 }, backend: { maxLoadedModels: 1 } },
      ],
      { failureThreshold: 1, cooldownMs: 60_000 },
    );
    const s = stack;
    const held = s.hosts[0]!.control.waitFor('request_held');
    const first = chat(s, 'w1', 'llama3.2', 'a [[sim:hold]]');
    await held;
    const isQueued = queued(s, 'w2');
    const second = chat(s, 'w2', 'llama3.2', 'b [[sim:reply rerouted]]');
    await isQueued;
    expect(s.corral.scheduler.get('w2')?.state).toBe('queued');
    autoRelease(s, 1);
    const opened = s.nextFleetEvent((e) => e.type === 'circuit_opened');
    await s.hosts[0]!.close();
    await opened;
    const res = await second;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { message: { content: string } }).message.content).toBe('rerouted');
    expect(s.servedBy.get('w2')).toBe('sim-2');
    await (await first).text();
  });

  it('requests waiting for a model only a dead host has fail with 503 and retry-after, not hang', async () => {
    stack = await startFleet([{ sim: { models: ['llava:7b'] } }, { sim: { models: ['llama3.2'] } }], {
      failureThreshold: 1,
      cooldownMs: 60_000,
    });
    const s = stack;
    const held = s.hosts[0]!.control.waitFor('request_held');
    const first = chat(s, 'x1', 'llava:7b', 'a [[sim:hold]]');
    await held;
    const isQueued = queued(s, 'x2');
    const second = chat(s, 'x2', 'llava:7b', 'b');
    await isQueued;
    await s.hosts[0]!.close();
    const res = await second;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as { error: string }).error).toMatch(
      /no healthy backend can serve model 'llava:7b'/,
    );
    await (await first).text();
    expect(s.corral.scheduler.queued).toBe(0);
  });
});
