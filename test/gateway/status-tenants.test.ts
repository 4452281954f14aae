// /api/status and /metrics per tenant, per priority class and per model, plus the seed's
// queue_stats fields, checked against what the requests actually did.
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';
import { busiestTenants, OTHER_TENANTS } from '../../src/metrics/metrics.js';
import type { SchedulerSnapshot } from '../../src/scheduler/index.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

interface Group {
  queued: number;
  running: number;
  dispatched: number;
  avgWaitMs: number | null;
  completed: number;
  avgProcessingMs: number | null;
  throughputPerSec: number;
}

interface StatusBody {
  queue_stats: {
    queue_size: number;
    active_requests: number;
    avg_processing_time: number | null;
    recent_completions: number;
  };
  queue: {
    queued: number;
    running: number;
    models: Record<string, Group>;
    tenants: Record<string, Group>;
    priorities: Record<string, Group>;
    tenantLimit: number;
    tenantsOmitted: number;
    window: { completed: number; avgProcessingMs: number | null; throughputPerSec: number; spanMs: number };
  };
}

function send(s: Stack, id: string, user: string, priority?: string): Promise<Response> {
  return postJson(
    `${s.url}/api/chat`,
    { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: `[[sim:hold ${id}]]` }] },
    {
      headers: {
        'x-request-id': id,
        'x-corral-user': user,
        ...(priority === undefined ? {} : { 'x-corral-priority': priority }),
      },
    },
  );
}

const status = async (s: Stack) => (await fetch(`${s.url}/api/status`).then((r) => r.json())) as StatusBody;

describe('status and metrics per tenant, class and model', () => {
  it('live counts, waits, processing time and throughput match what happened', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0 }] });
    const s = stack;
    const responses = [send(s, 'r1', 'alice')];
    await s.hosts[0]!.control.waitFor('request_held');
    const waiting: Array<[string, string, string | undefined]> = [
      ['q1', 'alice', undefined],
      ['q2', 'bob', 'batch'],
      ['q3', 'carol', 'interactive'],
    ];
    for (const [id, user, priority] of waiting) {
      responses.push(send(s, id, user, priority));
      await until(
        () => s.corral.scheduler.get(id)?.state === 'queued',
        (wake) => s.corral.scheduler.on('queued', wake),
      );
    }

    const live = await status(s);
    expect(live.queue_stats).toEqual({
      queue_size: 3,
      active_requests: 1,
      avg_processing_time: null,
      recent_completions: 0,
    });
    expect(live.queue.models['llama3.2']).toMatchObject({ queued: 3, running: 1, dispatched: 1 });
    expect(live.queue.models['llama3.2']!.avgWaitMs).toBeLessThan(50); // r1 started at once
    expect(live.queue.tenants).toMatchObject({
      'user:alice': { queued: 1, running: 1 },
      'user:bob': { queued: 1, running: 0, dispatched: 0, avgWaitMs: null },
      'user:carol': { queued: 1, running: 0 },
    });
    expect(Object.keys(live.queue.tenants)[0]).toBe('user:alice'); // busiest first
    expect(live.queue.priorities).toMatchObject({
      default: { queued: 1, running: 1 },
      batch: { queued: 1, running: 0 },
      interactive: { queued: 1, running: 0 },
    });
    expect(live.queue).toMatchObject({ tenantLimit: 1_000, tenantsOmitted: 0 });

    let metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^corral_queue_size 3$/m);
    expect(metrics).toMatch(/^corral_queue_running 1$/m);
    expect(metrics).toMatch(/^corral_processing_avg_seconds nan$/im); // nothing completed yet
    expect(metrics).toMatch(/^corral_queue_length\{model="llama3\.2"\} 3$/m);
    expect(metrics).toMatch(/^corral_tenant_queue_length\{tenant="user:alice"\} 1$/m);
    expect(metrics).toMatch(/^corral_tenant_active_requests\{tenant="user:alice"\} 1$/m);
    expect(metrics).toMatch(/^corral_tenant_queue_length\{tenant="user:bob"\} 1$/m);
    expect(metrics).toMatch(/^corral_priority_queue_length\{priority="batch"\} 1$/m);
    expect(metrics).toMatch(/^corral_priority_active_requests\{priority="default"\} 1$/m);

    // Serve them one at a time, 30 ms each: interactive first, then alice's and bob's in turn.
    const order = ['r1']; // its request_held event was taken above
    await new Promise((r) => setTimeout(r, 30));
    s.hosts[0]!.control.release('r1');
    for (let i = 0; i < 3; i++) {
      const held = await s.hosts[0]!.control.waitFor('request_held');
      const label = 'label' in held ? (held.label ?? '') : '';
      order.push(label);
      await new Promise((r) => setTimeout(r, 30));
      s.hosts[0]!.control.release(label);
    }
    expect((await Promise.all(responses)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(order).toEqual(['r1', 'q3', 'q1', 'q2']);

    const after = await status(s);
    expect(after.queue_stats.queue_size).toBe(0);
    expect(after.queue_stats.active_requests).toBe(0);
    expect(after.queue_stats.recent_completions).toBe(4);
    expect(after.queue_stats.avg_processing_time).toBeGreaterThanOrEqual(0.025);
    expect(after.queue_stats.avg_processing_time).toBeCloseTo(after.queue.window.avgProcessingMs! / 1000, 6);
    expect(after.queue.window.throughputPerSec).toBeCloseTo(4 / (after.queue.window.spanMs / 1000), 6);
    const { tenants, priorities } = after.queue;
    expect(tenants['user:alice']).toMatchObject({ queued: 0, running: 0, dispatched: 2, completed: 2 });
    expect(tenants['user:bob']).toMatchObject({ dispatched: 1, completed: 1 });
    // bob's batch request waited for three services, carol's interactive one for one.
    expect(tenants['user:bob']!.avgWaitMs!).toBeGreaterThan(tenants['user:carol']!.avgWaitMs!);
    expect(tenants['user:carol']!.avgWaitMs!).toBeGreaterThanOrEqual(25);
    expect(priorities.batch).toMatchObject({ queued: 0, dispatched: 1, completed: 1 });
    expect(priorities.batch!.avgWaitMs!).toBeGreaterThanOrEqual(3 * 25);
    expect(priorities.default).toMatchObject({ dispatched: 2, completed: 2 });
    expect(after.queue.models['llama3.2']).toMatchObject({
      queued: 0,
      running: 0,
      dispatched: 4,
      completed: 4,
    });

    metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^corral_completions_recent 4$/m);
    expect(metrics).toMatch(/^corral_processing_avg_seconds 0\.\d+$/m);
    expect(metrics).toMatch(/^corral_throughput_per_second \d/m);
    expect(metrics).toMatch(/^corral_queue_wait_avg_seconds\{model="llama3\.2"\} 0\.\d+$/m);
    expect(metrics).toMatch(/^corral_priority_queue_wait_avg_seconds\{priority="batch"\} 0\.\d+$/m);
    // Idle tenants have no series: the label set follows the tenants with live work.
    expect(metrics).not.toMatch(/corral_tenant_[a-z_]+\{tenant=/);
  });
});

describe('tenant label cardinality', () => {
  it('busy tenants only, the busiest first, the rest summed under (other)', () => {
    const g = (queued: number, running: number, dispatched = 0, avgWaitMs: number | null = null) => ({
      queued,
      running,
      dispatched,
      avgWaitMs,
      completed: 0,
      avgProcessingMs: null,
      throughputPerSec: 0,
    });
    const snapshot = {
      tenants: { a: g(5, 1), b: g(2, 0, 1, 100), c: g(1, 0, 3, 300), idle: g(0, 0, 4, 10) },
    } as unknown as SchedulerSnapshot;
    expect(busiestTenants(snapshot, 10).map(([t]) => t)).toEqual(['a', 'b', 'c']);
    expect(busiestTenants(snapshot, 1)).toEqual([
      ['a', g(5, 1)],
      [OTHER_TENANTS, g(3, 0, 4, 250)],
    ]);
  });
});
