import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { FairPolicy } from './fair-policy.js';
import { GroupWindows } from './group-stats.js';
import { SchedulerStats, seedQueueStats } from './stats.js';
import type { CompletionSample } from './stats.js';
import { TimeWindow } from './time-window.js';
import { job, setup } from './test-helpers.js';

const EMPTY = {
  queuedByModel: new Map<string, number>(),
  runningByBackend: new Map<string, Map<string, number>>(),
};

function done(id: string, processingMs: number, finishedAtMs: number): CompletionSample {
  return { id, model: 'm', tenant: 't', backend: 'b1', state: 'done', waitMs: 0, processingMs, finishedAtMs };
}

describe('TimeWindow', () => {
  it.each([
    { ageMs: 0, counted: true },
    { ageMs: 294_999, counted: true },
    { ageMs: 300_000, counted: false },
    { ageMs: 10_000_000, counted: false },
  ])('a sample $ageMs ms old is counted: $counted', ({ ageMs, counted }) => {
    const clock = new ManualClock(123_456);
    const window = new TimeWindow(clock, 300_000);
    window.add(42);
    clock.advance(ageMs);
    expect(window.average()).toBe(counted ? 42 : null);
  });

  it('averages only what is inside the window as time moves', () => {
    const clock = new ManualClock(0);
    const window = new TimeWindow(clock, 60_000, 6);
    window.add(100);
    clock.advance(30_000);
    window.add(300);
    expect(window.totals()).toEqual({ sum: 400, count: 2 });
    clock.advance(40_000); // the first sample is 70 s old
    expect(window.average()).toBe(300);
    window.add(500);
    expect(window.average()).toBe(400);
  });
});

describe('SchedulerStats', () => {
  it('expires old samples once the clock moves past the window', () => {
    const clock = new ManualClock(0);
    const stats = new SchedulerStats(clock);
    stats.recordCompletion(done('old', 10_000, 0));
    stats.recordWait(4_000);
    clock.advance(200_000);
    stats.recordCompletion(done('new', 2_000, 200_000));
    expect(stats.snapshot(EMPTY).window).toMatchObject({
      completed: 2,
      avgProcessingMs: 6_000,
      avgWaitMs: 4_000,
    });
    clock.advance(101_000); // 'old' is 301 s old, 'new' 101 s
    expect(stats.snapshot(EMPTY).window).toMatchObject({
      completed: 1,
      avgProcessingMs: 2_000,
      dispatched: 0,
      avgWaitMs: null,
    });
    clock.advance(300_000);
    expect(stats.snapshot(EMPTY).window).toMatchObject({ completed: 0, avgProcessingMs: null });
    expect(stats.snapshot(EMPTY).totals).toEqual({
      done: 2,
      failed: 0,
      cancelled: 0,
      timed_out: 0,
      fallback: 0,
    });
  });

  it('averages processing over done jobs only, and lists the last completions newest first', () => {
    const stats = new SchedulerStats(new ManualClock(0), { recentLimit: 2 });
    stats.recordCompletion(done('a', 1_000, 1));
    stats.recordCompletion({ ...done('b', 50, 2), state: 'failed' });
    stats.recordCompletion({
      ...done('c', 0, 3),
      state: 'cancelled',
      processingMs: null,
      waitMs: null,
      backend: undefined,
    });
    const snap = stats.snapshot(EMPTY);
    expect(snap.window.avgProcessingMs).toBe(1_000);
    expect(snap.recent.map((r) => r.id)).toEqual(['c', 'b']);
    expect(snap.totals).toEqual({ done: 1, failed: 1, cancelled: 1, timed_out: 0, fallback: 0 });
  });
});

describe('Scheduler.snapshot', () => {
  it('reports live queue and running counts with the windowed averages, as plain JSON', () => {
    const { scheduler: s, clock } = setup();
    s.setCapacity('b2', 'm2', 2);
    s.submit(job('a'));
    s.submit(job('b'));
    s.submit(job('c', { model: 'm2', backends: ['b2'], tenant: 'bob' }));
    clock.advance(500);
    s.finish('a', 'done'); // b starts after 500 ms in line
    s.cancel('c', 'cancelled');
    const snap = s.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap).toMatchObject({
      atMs: 1_500,
      queued: 0,
      running: 1,
      models: { m: { queued: 0, running: 1 } },
      backends: { b1: { running: 1, models: { m: 1 } } },
      window: { windowMs: 300_000, completed: 1, avgProcessingMs: 500, dispatched: 3, avgWaitMs: 500 / 3 },
      totals: { done: 1, failed: 0, cancelled: 1, timed_out: 0 },
    });
    expect(snap.recent[0]).toEqual({
      id: 'c',
      model: 'm2',
      tenant: 'bob',
      priority: 'default',
      backend: 'b2',
      state: 'cancelled',
      waitMs: 0,
      processingMs: 500,
      finishedAtMs: 1_500,
    });
  });
});

describe('per-group statistics', () => {
  it('reports queue length, wait, processing and throughput per model, tenant and class', () => {
    const { scheduler: s, clock } = setup({
      policy: new FairPolicy(
        { tenants: (t) => (t === 'bot' ? { maxPriority: 'batch' } : {}) },
        new ManualClock(1_000),
      ),
    });
    s.submit(job('a1', { tenant: 'alice', priority: 'interactive' })); // starts at once
    s.submit(job('a2', { tenant: 'alice' }));
    s.submit(job('b1', { tenant: 'bot', priority: 'interactive' })); // clamped to batch
    s.submit(job('x1', { tenant: 'carol', model: 'm2', backends: ['b2'] })); // starts at once
    let snap = s.snapshot();
    expect(snap.tenants).toMatchObject({
      alice: { queued: 1, running: 1, dispatched: 1, avgWaitMs: 0 },
      bot: { queued: 1, running: 0, dispatched: 0, avgWaitMs: null },
      carol: { queued: 0, running: 1 },
    });
    expect(snap.priorities).toMatchObject({
      interactive: { queued: 0, running: 1 },
      default: { queued: 1, running: 1 },
      batch: { queued: 1, running: 0 },
    });
    expect(Object.keys(snap.tenants)[0]).toBe('alice'); // most live work first

    clock.advance(400);
    s.finish('a1', 'done'); // a2 (default) starts after 400 ms; bot's batch job still waits
    clock.advance(600);
    s.finish('a2', 'done'); // b1 starts after 1,000 ms
    s.finish('x1', 'failed');
    clock.advance(1_000);
    s.finish('b1', 'done');
    snap = s.snapshot();
    expect(snap).toMatchObject({ queued: 0, running: 0 });
    expect(snap.models.m).toEqual({
      queued: 0,
      running: 0,
      dispatched: 3,
      avgWaitMs: (0 + 400 + 1_000) / 3,
      completed: 3,
      avgProcessingMs: (400 + 600 + 1_000) / 3,
      throughputPerSec: 3 / 2, // 3 completions over the scheduler's 2 s of life
    });
    expect(snap.models.m2).toMatchObject({ dispatched: 1, completed: 0, avgProcessingMs: null });
    expect(snap.tenants.alice).toMatchObject({ queued: 0, running: 0, avgWaitMs: 200, avgProcessingMs: 500 });
    expect(snap.tenants.bot).toMatchObject({ avgWaitMs: 1_000, completed: 1, throughputPerSec: 0.5 });
    expect(snap.priorities.batch).toMatchObject({ queued: 0, dispatched: 1, avgWaitMs: 1_000 });
    expect(snap.priorities.interactive).toMatchObject({ dispatched: 1, completed: 1, avgProcessingMs: 400 });
    expect(snap.window).toMatchObject({ spanMs: 2_000, completed: 3, throughputPerSec: 1.5 });
    expect(seedQueueStats(snap)).toEqual({
      queue_size: 0,
      active_requests: 0,
      avg_processing_time: 2 / 3,
      recent_completions: 3,
    });

    clock.advance(300_000); // everything expired: idle groups drop out
    snap = s.snapshot();
    expect([snap.models, snap.tenants, snap.priorities]).toEqual([{}, {}, {}]);
    expect(snap.window).toMatchObject({ spanMs: 300_000, completed: 0, throughputPerSec: 0 });
  });

  it('throughput divides by the window once the scheduler is older than it', () => {
    const { scheduler: s, clock } = setup({ statsWindowMs: 10_000 });
    clock.advance(60_000);
    for (let i = 0; i < 20; i++) {
      s.submit(job(`j${i}`));
      clock.advance(100);
      s.finish(`j${i}`, 'done');
    }
    expect(s.snapshot().window).toMatchObject({ spanMs: 10_000, completed: 20, throughputPerSec: 2 });
    expect(seedQueueStats(s.snapshot())).toEqual({
      queue_size: 0,
      active_requests: 0,
      avg_processing_time: 0.1,
      recent_completions: 20,
    });
  });

  it('keeps window figures for the most recent tenants only, and lists at most the limit', () => {
    const { scheduler: s } = setup({ statsTenantLimit: 3 });
    for (const t of ['t1', 't2', 't3', 't4']) {
      s.submit(job(t, { tenant: t }));
      s.finish(t, 'done');
    }
    let snap = s.snapshot();
    expect(Object.keys(snap.tenants)).toEqual(['t4', 't3', 't2']); // t1's figures were evicted
    expect(snap).toMatchObject({ tenantLimit: 3, tenantsOmitted: 0 });
    // Live tenants are always counted exactly, and come first.
    s.submit(job('run', { tenant: 'old' }));
    for (const t of ['w1', 'w2', 'w3']) s.submit(job(t, { tenant: t }));
    snap = s.snapshot();
    expect(Object.keys(snap.tenants)).toEqual(['old', 'w1', 'w2']);
    // Left out: w3, and t4 and t3 with window figures only (old's wait sample evicted t2's).
    expect(snap.tenantsOmitted).toBe(3);
    expect(snap.queued).toBe(3);
  });

  it('the live counts survive cancels from the queue and from a slot', () => {
    const { scheduler: s } = setup();
    s.submit(job('a', { tenant: 'u' }));
    s.submit(job('b', { tenant: 'u' }));
    s.submit(job('c', { tenant: 'v' }));
    s.cancel('b', 'cancelled');
    expect(s.snapshot().tenants).toMatchObject({ u: { queued: 0, running: 1 }, v: { queued: 1 } });
    s.cancel('a', 'timed_out'); // c starts
    expect(s.snapshot().tenants).toMatchObject({
      u: { queued: 0, running: 0 },
      v: { queued: 0, running: 1 },
    });
    s.removeBackend('b1');
    s.submit(job('d', { tenant: 'v', backends: ['b1', 'b3'] }));
    expect(s.snapshot().tenants.v).toMatchObject({ queued: 0, running: 2 });
  });
});

describe('GroupWindows', () => {
  it('evicts the least recently recorded key beyond its limit', () => {
    const clock = new ManualClock(0);
    const w = new GroupWindows(clock, 60_000, 6, 2);
    w.recordWait('a', 1);
    w.recordWait('b', 2);
    w.recordWait('a', 3); // a is now the most recent
    w.recordProcessing('c', 4); // evicts b
    expect(w.activeKeys()).toEqual(['c', 'a']);
    expect(w.totals('a')).toEqual({ dispatched: 2, waitSumMs: 4, completed: 0, processingSumMs: 0 });
    expect(w.totals('b')).toBeUndefined();
    expect(w.evicted).toBe(1);
    clock.advance(60_000);
    expect(w.activeKeys()).toEqual([]);
    expect(w.size).toBe(0);
  });
});
