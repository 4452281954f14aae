// /api/status, /api/queue/{id} and /metrics report what actually happened.
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startStack, until } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  stack?.hosts.forEach((h) => h.control.releaseAll());
  await stack?.close();
  stack = undefined;
});

interface StatusBody {
  status: string;
  version: string;
  backends: Array<{ name: string; reachable: boolean; models: string[]; loaded: Array<{ name: string }> }>;
  queue: {
    queued: number;
    running: number;
    models: Record<string, { queued: number; running: number }>;
    window: {
      completed: number;
      avgProcessingMs: number | null;
      dispatched: number;
      avgWaitMs: number | null;
    };
    recent: Array<{ id: string; model: string; state: string; processingMs: number }>;
    totals: Record<string, number>;
    eta?: { count: number; medianAbsErrorPct: number | null; medianAbsErrorMs: number | null };
  };
}

/** The value of an unlabelled metric in a Prometheus text page (NaN is a value too). */
function metricValue(page: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(page);
  if (!match) throw new Error(`no sample of ${name}`);
  return Number(match[1]);
}

describe('status and metrics', () => {
  it('status numbers match what happened', async () => {
    stack = await startStack({ hosts: [{ tps: 200, loadMs: 0 }] });
    const s = stack;
    for (const id of ['a1', 'a2', 'a3']) {
      const res = await postJson(
        `${s.url}/api/chat`,
        { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'x [[sim:long 4]]' }] },
        { headers: { 'x-request-id': id } },
      );
      expect(res.status).toBe(200);
    }
    const failed = await postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: 'x [[sim:fail_before 500 nope]]' }],
    });
    expect(failed.status).toBe(502);

    // One waiting and one running right now, for the live counts.
    const running = postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: '[[sim:hold]]' }] },
      { headers: { 'x-request-id': 'r1' } },
    );
    await s.hosts[0]!.control.waitFor('request_held');
    const waiting = postJson(
      `${s.url}/api/chat`,
      { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'y' }] },
      { headers: { 'x-request-id': 'r2' } },
    );
    await new Promise<void>((resolve) => {
      const off = s.corral.scheduler.on('queued', () => {
        off();
        resolve();
      });
    });

    const status = (await fetch(`${s.url}/api/status`).then((r) => r.json())) as StatusBody;
    expect(status.status).toBe('ok');
    expect(status.backends[0]).toMatchObject({ name: 'sim-1', reachable: true });
    expect(status.backends[0]!.models).toContain('llama3.2:latest');
    expect(status.backends[0]!.loaded.map((m) => m.name)).toContain('llama3.2:latest');
    expect(status.queue).toMatchObject({
      queued: 1,
      running: 1,
      models: { 'llama3.2': { queued: 1, running: 1 } },
    });
    expect(status.queue.totals).toMatchObject({ done: 3, failed: 1 });
    expect(status.queue.window.completed).toBe(3);
    expect(status.queue.window.avgProcessingMs).toBeGreaterThan(0);
    expect(status.queue.recent.map((r) => r.id).slice(1)).toEqual(['a3', 'a2', 'a1']);
    expect(status.queue.recent.every((r) => r.processingMs > 0)).toBe(true);

    const queueAnswer = (await fetch(`${s.url}/api/queue/r2`).then((r) => r.json())) as Record<
      string,
      unknown
    >;
    expect(queueAnswer).toMatchObject({ id: 'r2', state: 'queued', position: 1, ahead: 0 });
    const done = (await fetch(`${s.url}/api/queue/a1`).then((r) => r.json())) as Record<string, unknown>;
    expect(done).toMatchObject({ id: 'a1', state: 'done', backend: 'sim-1' });
    const unknown = await fetch(`${s.url}/api/queue/never`);
    expect(unknown.status).toBe(404);

    s.hosts[0]!.control.releaseAll();
    await Promise.all([running, waiting]);

    const metrics = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /corral_requests_total\{protocol="ollama",kind="chat",model="llama3\.2",outcome="done"\} 5/,
    );
    expect(metrics).toMatch(
      /corral_requests_total\{protocol="ollama",kind="chat",model="llama3\.2",outcome="failed"\} 1/,
    );
    expect(metrics).toMatch(/corral_queue_wait_seconds_count\{model="llama3\.2"\} 6/);
    expect(metrics).toMatch(/corral_processing_seconds_count\{model="llama3\.2",backend="sim-1"\} 6/);
    expect(metrics).toMatch(/corral_upstream_errors_total\{backend="sim-1",kind="upstream"\} 1/);
    expect(metrics).toMatch(/corral_http_requests_total\{route="\/api\/chat",method="POST",status="200"\} 5/);
    expect(metrics).toMatch(/corral_queue_length/);
  });

  it('the ETA prediction error (predicted vs actual start) shows in /api/status and /metrics', async () => {
    stack = await startStack({ hosts: [{ tps: 0, loadMs: 0, parallel: 4 }] });
    const s = stack;
    const status = async () => (await fetch(`${s.url}/api/status`).then((r) => r.json())) as StatusBody;

    // Nothing has waited yet: no scored prediction, and no made-up number.
    expect((await status()).queue.eta).toEqual({ count: 0, medianAbsErrorPct: null, medianAbsErrorMs: null });
    const before = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metricValue(before, 'corral_eta_predictions')).toBe(0);
    expect(metricValue(before, 'corral_eta_start_error_ratio')).toBeNaN();
    expect(metricValue(before, 'corral_eta_start_error_seconds')).toBeNaN();

    // One request holds the only slot; three wait behind it, each with a predicted start.
    const gate = postJson(`${s.url}/api/chat`, {
      model: 'llama3.2',
      stream: false,
      messages: [{ role: 'user', content: '[[sim:hold gate]]' }],
    });
    await s.hosts[0]!.control.waitFor('request_held');
    const waiting = ['q1', 'q2', 'q3'].map((id) =>
      postJson(
        `${s.url}/api/chat`,
        { model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'x [[sim:long 5]]' }] },
        { headers: { 'x-request-id': id } },
      ),
    );
    await until(
      () => s.corral.scheduler.queued === 3,
      (wake) => s.corral.scheduler.on('queued', wake),
    );
    s.hosts[0]!.control.release('gate');
    for (const res of await Promise.all([gate, ...waiting])) expect(res.status).toBe(200);

    const eta = (await status()).queue.eta;
    // The three that waited were scored when they started; the gate started at once (no prediction).
    expect(eta?.count).toBe(3);
    expect(eta?.medianAbsErrorPct).toBeGreaterThanOrEqual(0);
    expect(eta?.medianAbsErrorMs).toBeGreaterThanOrEqual(0);
    const page = await fetch(`${s.url}/metrics`).then((r) => r.text());
    expect(metricValue(page, 'corral_eta_predictions')).toBe(3);
    expect(metricValue(page, 'corral_eta_start_error_ratio')).toBeCloseTo(
      (eta?.medianAbsErrorPct ?? NaN) / 100,
      6,
    );
    expect(metricValue(page, 'corral_eta_start_error_seconds')).toBeCloseTo(
      (eta?.medianAbsErrorMs ?? NaN) / 1000,
      6,
    );
  });
});
