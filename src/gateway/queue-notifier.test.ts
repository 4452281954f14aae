// The notifier's timing (batching, heartbeat, ETA moves) under fake timers: the scheduler and its
// ETA estimator read the same faked Date.now as the notifier's timers, so time moves for all three.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { QueueEvent } from '../core/queue-events.js';
import { EtaEstimator, Scheduler } from '../scheduler/index.js';
import type { JobSpec } from '../scheduler/index.js';
import { PROGRESS_BATCH_MS, PROGRESS_HEARTBEAT_MS, QueueNotifier } from './queue-notifier.js';

beforeEach(() => {
  vi.useFakeTimers({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
  });
});
afterEach(() => {
  vi.useRealTimers();
});

/** At the estimator's default 30 output tokens/s, a job of `seconds` is predicted to run that long. */
const job = (id: string, seconds: number): JobSpec => ({
  id,
  model: 'm',
  tenant: 't',
  backends: ['b1'],
  promptTokens: 0,
  expectedOutputTokens: 30 * seconds,
});

type Heard = QueueEvent & { atMs: number };

/** One slot on b1, job `a` running, the others waiting, each watched from the start. */
function setup(waiting: string[], seconds: number) {
  const clock: Clock = { now: () => Date.now() };
  const scheduler = new Scheduler({ eta: new EtaEstimator(clock) }, clock);
  const notifier = new QueueNotifier(scheduler, () => clock.now());
  const heard = new Map<string, Heard[]>();
  expect(scheduler.submit(job('a', seconds)).type).toBe('dispatch');
  for (const id of waiting) {
    const decision = scheduler.submit(job(id, seconds));
    if (decision.type !== 'queued') throw new Error(`${id} should wait`);
    const events: Heard[] = [];
    heard.set(id, events);
    const notify = (e: QueueEvent) => events.push({ ...e, atMs: Date.now() });
    notifier.watch(id, 'm', decision.position, notify, scheduler.estimate(id)?.startInMs);
  }
  return { scheduler, notifier, heard: (id: string) => heard.get(id) ?? [] };
}

describe('QueueNotifier', () => {
  it('batches a burst of departures into one update per waiter, with the final positions', () => {
    const { scheduler, notifier, heard } = setup(['b', 'c', 'd', 'e'], 10);
    scheduler.cancel('b', 'cancelled');
    vi.advanceTimersByTime(100);
    scheduler.cancel('c', 'cancelled');
    vi.advanceTimersByTime(PROGRESS_BATCH_MS - 101);
    expect(heard('d')).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(heard('d')).toMatchObject([{ type: 'progress', position: 1, ahead: 0 }]);
    expect(heard('e')).toMatchObject([{ type: 'progress', position: 2, ahead: 1 }]);
    notifier.close();
  });

  it('beats every PROGRESS_HEARTBEAT_MS while the ETA counts down as predicted', () => {
    // `a` runs 10 s as predicted: b's predicted start stays put while its ETA counts down.
    const { notifier, heard } = setup(['b'], 10);
    vi.advanceTimersByTime(PROGRESS_HEARTBEAT_MS - 1);
    expect(heard('b')).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(heard('b')).toMatchObject([{ type: 'progress', position: 1, atMs: PROGRESS_HEARTBEAT_MS }]);
    const [beat] = heard('b');
    // Start in 5 s, then b's own 10 s: the finish ETA travels with it.
    expect(beat).toMatchObject({ etaMs: 5_000, finishEtaMs: 15_000 });
    vi.advanceTimersByTime(PROGRESS_HEARTBEAT_MS - 1);
    expect(heard('b')).toHaveLength(1);
    notifier.close();
  });

  it('sends an update when the predicted start slips by more than max(1 s, 10 %), without waiting for the beat', () => {
    // `a` is predicted to take 1 s but keeps running: from then on b's ETA stays at the estimator's
    // "a tenth left" (100 ms), so its predicted start slips by a second every second.
    const { notifier, heard } = setup(['b', 'c'], 1);
    vi.advanceTimersByTime(1_000);
    expect(heard('b')).toEqual([]); // slipped by 100 ms only
    vi.advanceTimersByTime(1_000);
    expect(heard('b')).toMatchObject([{ type: 'progress', position: 1, etaMs: 100, finishEtaMs: 1_100 }]);
    expect(heard('c')).toMatchObject([{ type: 'progress', position: 2, etaMs: 1_100 }]);
    expect(heard('b')[0]?.atMs).toBeLessThan(PROGRESS_HEARTBEAT_MS);
    // Each further second of overrun is another slip worth telling.
    vi.advanceTimersByTime(1_000);
    expect(heard('b')).toHaveLength(1); // 1 s exactly is not "more than"
    vi.advanceTimersByTime(1_000);
    expect(heard('b')).toHaveLength(2);
    notifier.close();
  });

  it('runs no timer while nobody waits', () => {
    const { notifier, scheduler } = setup(['b'], 10);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    scheduler.cancel('b', 'cancelled'); // arms the batch timer
    notifier.unwatch('b');
    expect(vi.getTimerCount()).toBe(0);
    notifier.close();
  });
});
