import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { SchedulerStats } from './stats.js';
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
    expect(stats.snapshot(EMPTY).totals).toEqual({ done: 2, failed: 0, cancelled: 0, timed_out: 0 });
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
    expect(snap.totals).toEqual({ done: 1, failed: 1, cancelled: 1, timed_out: 0 });
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
      backend: 'b2',
      state: 'cancelled',
      waitMs: 0,
      processingMs: 500,
      finishedAtMs: 1_500,
    });
  });
});
