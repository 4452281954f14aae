import { ManualClock } from '../core/clock.js';
import { Scheduler } from './scheduler.js';
import type { SchedulerOptions } from './scheduler.js';
import type { JobSpec, SchedulerEvent, SubmitDecision } from './types.js';

/** A job for model `m` on backend `b1` unless told otherwise. */
export function job(id: string, over: Partial<JobSpec> = {}): JobSpec {
  return { id, model: 'm', tenant: 't', backends: ['b1'], ...over };
}

/** A scheduler on a manual clock that records every event it emits. */
export function setup(options: SchedulerOptions = {}) {
  const clock = new ManualClock(1_000);
  const scheduler = new Scheduler(options, clock);
  const events: SchedulerEvent[] = [];
  for (const type of ['queued', 'dispatched', 'finished', 'cancelled', 'positions_changed'] as const) {
    scheduler.on(type, (e) => events.push(e));
  }
  return { clock, scheduler, events };
}

/** Short form of a decision for table assertions: `dispatch@b1`, `queued#2`, `rejected:queue_full`. */
export function brief(d: SubmitDecision): string {
  switch (d.type) {
    case 'dispatch':
      return `dispatch@${d.backend}`;
    case 'queued':
      return `queued#${d.position}`;
    case 'rejected':
      return `rejected:${d.error.kind}`;
  }
}
