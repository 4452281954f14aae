import { describe, expect, it } from 'vitest';
import { FifoPolicy } from './fifo-policy.js';
import type { LeaveReason, QueuePolicy } from './queue-policy.js';
import { job, setup } from './test-helpers.js';
import type { QueuedJob, SchedulerEvent } from './types.js';

describe('Scheduler: events', () => {
  it('tells observers what happened, in order, after each decision', () => {
    const { scheduler: s, events, clock } = setup();
    s.submit(job('a'));
    s.submit(job('b'));
    s.submit(job('c'));
    clock.advance(30);
    s.finish('a', 'done');
    expect(events).toEqual<SchedulerEvent[]>([
      { type: 'dispatched', jobId: 'a', model: 'm', tenant: 't', backend: 'b1', waitMs: 0 },
      { type: 'queued', jobId: 'b', model: 'm', tenant: 't', position: 1, ahead: 0 },
      { type: 'queued', jobId: 'c', model: 'm', tenant: 't', position: 2, ahead: 1 },
      {
        type: 'finished',
        jobId: 'a',
        model: 'm',
        tenant: 't',
        state: 'done',
        backend: 'b1',
        processingMs: 30,
      },
      { type: 'dispatched', jobId: 'b', model: 'm', tenant: 't', backend: 'b1', waitMs: 30 },
      { type: 'positions_changed', model: 'm', fromPosition: 1, length: 1 },
    ]);
  });

  it('sends one positions_changed per model for an operation that starts several jobs', () => {
    const { scheduler: s, events } = setup();
    ['a', 'b', 'c', 'd', 'e'].forEach((id) => s.submit(job(id)));
    events.length = 0;
    s.setCapacity('b1', 'm', 3);
    expect(events.filter((e) => e.type === 'positions_changed')).toEqual([
      { type: 'positions_changed', model: 'm', fromPosition: 1, length: 2 },
    ]);
  });

  it('stops calling an unsubscribed listener', () => {
    const { scheduler: s } = setup();
    const seen: string[] = [];
    const off = s.on('queued', (e) => seen.push(e.jobId));
    s.submit(job('a'));
    s.submit(job('b'));
    off();
    s.submit(job('c'));
    expect(seen).toEqual(['b']);
  });

  it('keeps its decision when an observer throws, and reports the error', () => {
    const errors: unknown[] = [];
    const { scheduler: s } = setup({ onListenerError: (error) => errors.push(error) });
    s.on('dispatched', () => {
      throw new Error('metrics broke');
    });
    s.submit(job('a'));
    s.submit(job('b'));
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'b', backend: 'b1' }]);
    expect(errors).toHaveLength(2);
    expect(s.running).toBe(1);
  });

  it('lets an observer call back into the scheduler and still sees a consistent order', () => {
    const { scheduler: s, events } = setup();
    // An observer that cancels every job as soon as it is queued (a client that already left).
    s.on('queued', (e) => {
      s.cancel(e.jobId, 'cancelled');
    });
    s.submit(job('a'));
    s.submit(job('b'));
    expect(s.get('b')?.state).toBe('cancelled');
    expect(events.map((e) => e.type)).toEqual(['dispatched', 'queued', 'cancelled']);
  });
});

describe('Scheduler: pluggable policy', () => {
  /** FIFO's storage, recording why each job left: a fair policy charges tenants on `dispatched`. */
  class RecordingPolicy extends FifoPolicy {
    readonly left: Array<[string, LeaveReason]> = [];
    override remove(jobId: string, reason: LeaveReason): number | undefined {
      const position = super.remove(jobId, reason);
      if (position !== undefined) this.left.push([jobId, reason]);
      return position;
    }
  }

  /**
   * A deliberately naive priority policy (O(n), test only): 'interactive' before everything else,
   * FIFO within a class. It shows a policy that inserts ahead of waiting jobs plugs in unchanged.
   */
  class NaivePriorityPolicy implements QueuePolicy {
    #jobs: QueuedJob[] = [];
    get size(): number {
      return this.#jobs.length;
    }
    push(job: QueuedJob): number {
      const urgent = job.priority === 'interactive';
      const at = urgent ? this.#jobs.findIndex((j) => j.priority !== 'interactive') : -1;
      this.#jobs.splice(at === -1 ? this.#jobs.length : at, 0, job);
      return this.position(job.id) ?? 0;
    }
    remove(jobId: string): number | undefined {
      const position = this.position(jobId);
      this.#jobs = this.#jobs.filter((j) => j.id !== jobId);
      return position;
    }
    peekFor(backend: string, model: string): QueuedJob | undefined {
      return this.#jobs.find((j) => j.model === model && j.backends.includes(backend));
    }
    position(jobId: string): number | undefined {
      const job = this.#jobs.find((j) => j.id === jobId);
      return job && this.#jobs.filter((j) => j.model === job.model).indexOf(job) + 1;
    }
    lengthOf(model: string): number {
      return this.#jobs.filter((j) => j.model === model).length;
    }
    lengths(): Map<string, number> {
      return new Map([...new Set(this.#jobs.map((j) => j.model))].map((m) => [m, this.lengthOf(m)]));
    }
    modelsWaitingOn(backend: string): string[] {
      return [...new Set(this.#jobs.filter((j) => j.backends.includes(backend)).map((j) => j.model))];
    }
  }

  it('tells the policy why each job left the line', () => {
    const policy = new RecordingPolicy();
    const { scheduler: s } = setup({ policy });
    ['a', 'b', 'c', 'd'].forEach((id) => s.submit(job(id)));
    s.cancel('c', 'cancelled');
    s.finish('a', 'done');
    s.removeBackend('b1');
    expect(policy.left).toEqual([
      ['c', 'cancelled'],
      ['b', 'dispatched'],
      ['d', 'failed'],
    ]);
  });

  it('runs a priority policy, announcing the jobs pushed back by an urgent one', () => {
    const { scheduler: s, events } = setup({ policy: new NaivePriorityPolicy() });
    ['a', 'b', 'c'].forEach((id) => s.submit(job(id, { priority: 'batch' })));
    events.length = 0;
    expect(s.submit(job('urgent', { priority: 'interactive' }))).toEqual({
      type: 'queued',
      jobId: 'urgent',
      position: 1,
      ahead: 0,
    });
    expect(events.at(-1)).toEqual({ type: 'positions_changed', model: 'm', fromPosition: 2, length: 3 });
    expect(s.get('c')?.position).toBe(3);
    expect(s.finish('a', 'done')).toEqual([{ jobId: 'urgent', backend: 'b1' }]);
  });
});
